/**
 * Models that expose their insides. A FeatureModel is a set of tf.Variables
 * and a forward function that returns the logits together with named
 * intermediate activations (hidden vectors, feature maps, per-layer hidden
 * sequences) and, for attention models, each layer's attention matrices.
 * Feature, attention and relational distillation (src/distill/) read these;
 * the generic trainer (src/experiment/feature-distill.ts) trains any of them.
 */
import * as tf from "@tensorflow/tfjs";

export interface ModelOutputs {
  /** [batch, classes]. */
  logits: tf.Tensor2D;
  /** Named activations, e.g. "dense_0" [batch, width], "conv2" [batch, h, w, c], "layer1" [batch, seq, d]. */
  features: Record<string, tf.Tensor>;
  /** One [batch, heads, seq, seq] tensor per attention layer (rows sum to 1); absent for models without attention. */
  attentions?: tf.Tensor4D[];
}

export interface FeatureModel {
  /** e.g. "transformer L2 H4 d32". */
  name: string;
  /** Trainable variables (what the optimiser updates). */
  variables: tf.Variable[];
  /** Forward pass on flat inputs [batch, inputDim]; `training` only matters for models with dropout (none here). */
  forward(x: tf.Tensor2D, training?: boolean): ModelOutputs;
  /** Names of the features `forward` returns. */
  featureNames: string[];
  dispose(): void;
}

/** Number of scalar parameters of a FeatureModel. */
export function countParams(m: { variables: tf.Variable[] }): number {
  return m.variables.reduce((a, v) => a + v.size, 0);
}

/** The models' weights as plain arrays (e.g. to send a trained teacher to worker processes). */
export function exportWeights(m: { variables: tf.Variable[] }): { shape: number[]; values: Float32Array }[] {
  return m.variables.map((v) => ({ shape: v.shape.slice(), values: Float32Array.from(v.dataSync() as Float32Array) }));
}

/** Loads weights saved by exportWeights into a model of the same architecture. */
export function importWeights(m: { variables: tf.Variable[]; name?: string }, weights: { shape: number[]; values: Float32Array }[]): void {
  if (weights.length !== m.variables.length) throw new Error(`importWeights: ${weights.length} arrays for ${m.variables.length} variables of ${m.name ?? "the model"}`);
  m.variables.forEach((v, i) => {
    const w = weights[i];
    if (w.shape.length !== v.shape.length || w.shape.some((d, k) => d !== v.shape[k])) {
      throw new Error(`importWeights: variable ${i} (${v.name}) has shape [${v.shape}], weights have [${w.shape}]`);
    }
    tf.tidy(() => v.assign(tf.tensor(w.values, w.shape, "float32")));
  });
}

/** A seeded glorot-uniform variable. */
export function glorotVariable(shape: number[], seed: number, name: string): tf.Variable {
  return tf.tidy(() => tf.variable(tf.initializers.glorotUniform({ seed }).apply(shape) as tf.Tensor, true, name));
}

/** A constant-filled variable (zeros for biases, ones for layer-norm gains). */
export function constVariable(shape: number[], value: number, name: string): tf.Variable {
  return tf.tidy(() => tf.variable(tf.fill(shape, value), true, name));
}

let uniqueCounter = 0;
/** A unique variable-name prefix (tfjs variable names must be unique in the engine). */
export function uniquePrefix(base: string): string {
  uniqueCounter += 1;
  return `${base}_${uniqueCounter}_${process.pid}`;
}

/**
 * A multi-output view of a Sequential (or any layers) model, e.g. an MLP from
 * src/models/mlp.ts: the same weights, with its logits first and then the
 * outputs of the named layers. Unknown layer names are rejected with the list
 * of layers the model has.
 */
export function multiOutputModel(model: tf.LayersModel, layerNames: string[]): tf.LayersModel {
  const names = model.layers.map((l) => l.name);
  for (const n of layerNames) {
    if (!names.includes(n)) throw new Error(`layer "${n}" not in model ${model.name} (layers: ${names.join(", ")})`);
  }
  const outputs = [model.outputs[0], ...layerNames.map((n) => model.getLayer(n).output as tf.SymbolicTensor)];
  return tf.model({ inputs: model.inputs, outputs, name: `${model.name}_probe_${uniqueCounter++}` });
}

/**
 * A FeatureModel around a layers model (e.g. buildMlp's): the logits and the
 * named layers' outputs (by layer name). Its variables are the model's
 * trainable weights; disposing it disposes the model.
 */
export function layersFeatureModel(model: tf.LayersModel, layerNames: string[]): FeatureModel {
  const probe = multiOutputModel(model, layerNames);
  return {
    name: model.name,
    variables: model.trainableWeights.map((w) => w.read() as tf.Variable),
    featureNames: layerNames.slice(),
    forward(x: tf.Tensor2D, training = false): ModelOutputs {
      const outs = probe.apply(x, { training }) as tf.Tensor[];
      const features: Record<string, tf.Tensor> = {};
      layerNames.forEach((n, i) => (features[n] = outs[i + 1]));
      return { logits: outs[0] as tf.Tensor2D, features };
    },
    dispose() {
      model.dispose();
    },
  };
}


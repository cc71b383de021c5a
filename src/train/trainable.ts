/**
 * What the trainer trains: a set of variables and a forward pass that returns
 * named outputs (logits, hidden features, attention maps). A FeatureModel
 * (src/models/probe.ts) already is one; a tf.LayersModel is wrapped, its logits
 * its only output, evaluated with model.predict as before.
 */
import * as tf from "@tensorflow/tfjs";
import type { ModelOutputs } from "../models/probe";
import type { ModelShapes } from "../distill/terms/types";
import { predictLogits } from "../distill/teachers";

export interface Trainable {
  name: string;
  variables: tf.Variable[];
  forward(x: tf.Tensor2D, training: boolean): ModelOutputs;
  /** Logits in inference mode for evaluation (default: forward in batches). */
  predict?(x: tf.Tensor2D): tf.Tensor2D;
  /** The wrapped model, when it is a tf.LayersModel. */
  layersModel?: tf.LayersModel;
}

export type ModelLike = Trainable | tf.LayersModel;

export function asTrainable(m: ModelLike): Trainable {
  if (!(m instanceof tf.LayersModel)) return m;
  return {
    name: m.name,
    get variables() {
      return m.trainableWeights.map((w) => w.read() as tf.Variable);
    },
    forward: (x, training) => ({ logits: m.apply(x, { training }) as tf.Tensor2D, features: {} }),
    predict: (x) => predictLogits(m, x),
    layersModel: m,
  };
}

/** Forward in inference mode, batch by batch, keeping what `pick` selects, concatenated over batches. */
export function forwardAll(model: Trainable, x: tf.Tensor2D, pick: (o: ModelOutputs) => tf.Tensor[], batchSize = 512): tf.Tensor[] {
  return tf.tidy(() => {
    const chunks: tf.Tensor[][] = [];
    for (let s = 0; s < x.shape[0]; s += batchSize) {
      const size = Math.min(batchSize, x.shape[0] - s);
      chunks.push(pick(model.forward(x.slice([s, 0], [size, x.shape[1]]), false)));
    }
    return chunks[0].map((_, i) => (chunks.length === 1 ? chunks[0][i] : tf.concat(chunks.map((c) => c[i]), 0)));
  });
}

/** Evaluation logits on x. */
export function evalLogits(model: Trainable, x: tf.Tensor2D): tf.Tensor2D {
  return model.predict ? model.predict(x) : (forwardAll(model, x, (o) => [o.logits])[0] as tf.Tensor2D);
}

/** Shapes of each named feature and attention map for a batch of 2 (a wrapped LayersModel exposes none). */
export function outputShapes(model: Trainable, inputDim: number): ModelShapes {
  if (model.layersModel) return { name: model.name, features: {}, attentions: [] };
  return tf.tidy(() => {
    const o = model.forward(tf.zeros([2, inputDim]) as tf.Tensor2D, false);
    const features: Record<string, number[]> = {};
    for (const [k, v] of Object.entries(o.features)) features[k] = v.shape.slice();
    return { name: model.name, features, attentions: (o.attentions ?? []).map((a) => a.shape.slice()) };
  });
}

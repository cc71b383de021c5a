/**
 * Multi-layer perceptrons that output logits (no softmax): distillation
 * needs the logits to apply a temperature.
 */
import * as tf from "@tensorflow/tfjs";
import { deriveSeed } from "../core/seed";
import { SeededDropout } from "./seeded-dropout";

export type Activation = "relu" | "tanh" | "elu" | "sigmoid" | "linear";
const ACTIVATIONS: Activation[] = ["relu", "tanh", "elu", "sigmoid", "linear"];

export interface MlpSpec {
  inputDim: number;
  /** Widths of the hidden layers, e.g. [512, 512]. */
  hidden: number[];
  outputDim: number;
  activation?: Activation;
  /** Dropout rate after each hidden layer (0 = none). */
  dropout?: number;
  /** Seeds the weight init and the dropout masks. */
  seed: number;
  name?: string;
}

function checkSpec(s: MlpSpec): void {
  const positiveInt = (v: number) => Number.isInteger(v) && v > 0;
  if (!positiveInt(s.inputDim)) throw new Error(`MLP inputDim must be a positive integer; got ${s.inputDim}`);
  if (!positiveInt(s.outputDim)) throw new Error(`MLP outputDim must be a positive integer; got ${s.outputDim}`);
  s.hidden.forEach((w, i) => {
    if (!positiveInt(w)) throw new Error(`MLP hidden[${i}] must be a positive integer width; got ${w}`);
  });
  if (s.activation && !ACTIVATIONS.includes(s.activation)) {
    throw new Error(`MLP activation must be one of ${ACTIVATIONS.join(", ")}; got "${s.activation}"`);
  }
}

/** A human-readable architecture string, e.g. "64-512-512-10". */
export function describeMlp(s: Pick<MlpSpec, "inputDim" | "hidden" | "outputDim">): string {
  return [s.inputDim, ...s.hidden, s.outputDim].join("-");
}

export function buildMlp(spec: MlpSpec): tf.Sequential {
  checkSpec(spec);
  const activation = spec.activation ?? "relu";
  const dropout = spec.dropout ?? 0;
  const model = tf.sequential({ name: spec.name ?? `mlp_${describeMlp(spec).replace(/-/g, "_")}` });
  const widths = [...spec.hidden, spec.outputDim];
  widths.forEach((units, i) => {
    const last = i === widths.length - 1;
    model.add(
      tf.layers.dense({
        units,
        activation: last ? "linear" : activation,
        inputShape: i === 0 ? [spec.inputDim] : undefined,
        kernelInitializer: tf.initializers.glorotUniform({ seed: deriveSeed(spec.seed, "dense", i) }),
        biasInitializer: "zeros",
        name: last ? "logits" : `dense_${i}`,
      }),
    );
    if (!last && dropout > 0) {
      model.add(new SeededDropout({ rate: dropout, seed: deriveSeed(spec.seed, "dropout", i), name: `dropout_${i}` }));
    }
  });
  return model;
}

/** Number of trainable and non-trainable weights. */
export function paramCount(model: tf.LayersModel): number {
  return model.countParams();
}

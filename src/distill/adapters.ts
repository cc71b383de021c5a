/**
 * Learned adapters for feature (hint) distillation: they map a student
 * activation to the teacher's width so an L2 / cosine loss can compare them.
 * "dense" maps the last axis of a vector [B, s] or a sequence [B, S, s]; "conv1x1"
 * maps the channels of a feature map [B, H, W, s] with a 1×1 convolution. The
 * adapter's variables train with the student and are dropped after training.
 */
import * as tf from "@tensorflow/tfjs";
import { deriveSeed } from "../core/seed";
import { constVariable, glorotVariable, uniquePrefix } from "../models/probe";

export type AdapterKind = "dense" | "conv1x1";

export interface Adapter {
  kind: AdapterKind;
  inDim: number;
  outDim: number;
  variables: tf.Variable[];
  apply(t: tf.Tensor): tf.Tensor;
  dispose(): void;
}

export function createAdapter(kind: AdapterKind, inDim: number, outDim: number, seed: number): Adapter {
  if (kind !== "dense" && kind !== "conv1x1") throw new Error(`adapter kind must be "dense" or "conv1x1"; got "${kind}"`);
  for (const [n, v] of [["inDim", inDim], ["outDim", outDim]] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new Error(`adapter ${n} must be a positive integer; got ${v}`);
  }
  const prefix = uniquePrefix(`adapter_${kind}`);
  const w = glorotVariable(kind === "dense" ? [inDim, outDim] : [1, 1, inDim, outDim], deriveSeed(seed, "adapter", kind), `${prefix}_w`);
  const b = constVariable([outDim], 0, `${prefix}_b`);
  return {
    kind,
    inDim,
    outDim,
    variables: [w, b],
    apply(t: tf.Tensor): tf.Tensor {
      const last = t.shape[t.rank - 1];
      if (last !== inDim) throw new Error(`${kind} adapter expects last dimension ${inDim}; got shape [${t.shape}]`);
      if (kind === "conv1x1") {
        if (t.rank !== 4) throw new Error(`conv1x1 adapter expects a feature map [batch, h, w, c]; got shape [${t.shape}]`);
        return tf.add(tf.conv2d(t as tf.Tensor4D, w as tf.Tensor4D, 1, "valid"), b);
      }
      if (t.rank === 2) return tf.add(tf.matMul(t as tf.Tensor2D, w as tf.Tensor2D), b);
      const lead = t.shape.slice(0, -1);
      const flat = tf.reshape(t, [-1, inDim]) as tf.Tensor2D;
      return tf.reshape(tf.add(tf.matMul(flat, w as tf.Tensor2D), b), [...lead, outDim]);
    },
    dispose() {
      w.dispose();
      b.dispose();
    },
  };
}

/** The shape an adapter of `kind` makes from `shape` with output width `outDim`. */
export function adaptedShape(kind: AdapterKind, shape: number[], outDim: number): number[] {
  return [...shape.slice(0, -1), outDim];
}

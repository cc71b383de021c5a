/**
 * A small convolutional net for 8×8×1 images, as tf.Variables and a forward
 * function that returns its feature maps: conv 3×3 (same) → ReLU ("conv1",
 * [B, 8, 8, c1]) → conv 3×3 (same) → ReLU ("conv2", [B, 8, 8, c2]) → 2×2 max
 * pool ("pool", [B, 4, 4, c2]) → flatten → dense ("hidden", [B, hidden]) →
 * ReLU → logits. Seeded glorot initialisers.
 */
import * as tf from "@tensorflow/tfjs";
import { deriveSeed } from "../core/seed";
import { FeatureModel, ModelOutputs, constVariable, glorotVariable, uniquePrefix } from "./probe";

export interface CnnSpec {
  /** Image side (8 for digits) and channels (1). */
  side: number;
  channels: number;
  conv1: number;
  conv2: number;
  hidden: number;
  numClasses: number;
  seed: number;
}

export function describeCnn(s: CnnSpec): string {
  return `cnn ${s.conv1}-${s.conv2}-${s.hidden}`;
}

export function buildCnn(spec: CnnSpec): FeatureModel {
  const { side, channels, conv1, conv2, hidden, numClasses, seed } = spec;
  for (const k of ["side", "channels", "conv1", "conv2", "hidden", "numClasses"] as const) {
    if (!Number.isInteger(spec[k]) || spec[k] <= 0) throw new Error(`cnn ${k} must be a positive integer; got ${spec[k]}`);
  }
  if (side % 2 !== 0) throw new Error(`cnn side must be even (2×2 pooling); got ${side}`);
  const prefix = uniquePrefix("cnn");
  const pooled = (side / 2) * (side / 2) * conv2;
  const k1 = glorotVariable([3, 3, channels, conv1], deriveSeed(seed, "conv1"), `${prefix}_k1`);
  const b1 = constVariable([conv1], 0, `${prefix}_b1`);
  const k2 = glorotVariable([3, 3, conv1, conv2], deriveSeed(seed, "conv2"), `${prefix}_k2`);
  const b2 = constVariable([conv2], 0, `${prefix}_b2`);
  const w3 = glorotVariable([pooled, hidden], deriveSeed(seed, "dense"), `${prefix}_w3`);
  const b3 = constVariable([hidden], 0, `${prefix}_b3`);
  const w4 = glorotVariable([hidden, numClasses], deriveSeed(seed, "logits"), `${prefix}_w4`);
  const b4 = constVariable([numClasses], 0, `${prefix}_b4`);
  const vars = [k1, b1, k2, b2, w3, b3, w4, b4];
  return {
    name: describeCnn(spec),
    variables: vars,
    featureNames: ["conv1", "conv2", "pool", "hidden"],
    forward(x: tf.Tensor2D): ModelOutputs {
      const batch = x.shape[0];
      if (x.shape[1] !== side * side * channels) throw new Error(`cnn expects ${side}×${side}×${channels} = ${side * side * channels} values per row; got [${x.shape}]`);
      const img = tf.reshape(x, [batch, side, side, channels]) as tf.Tensor4D;
      const c1 = tf.relu(tf.add(tf.conv2d(img, k1 as tf.Tensor4D, 1, "same"), b1)) as tf.Tensor4D;
      const c2 = tf.relu(tf.add(tf.conv2d(c1, k2 as tf.Tensor4D, 1, "same"), b2)) as tf.Tensor4D;
      const p = tf.maxPool(c2, 2, 2, "valid");
      const h = tf.add(tf.matMul(tf.reshape(p, [batch, pooled]) as tf.Tensor2D, w3 as tf.Tensor2D), b3) as tf.Tensor2D;
      const logits = tf.add(tf.matMul(tf.relu(h) as tf.Tensor2D, w4 as tf.Tensor2D), b4) as tf.Tensor2D;
      return { logits, features: { conv1: c1, conv2: c2, pool: p, hidden: h } };
    },
    dispose() {
      vars.forEach((v) => v.dispose());
    },
  };
}

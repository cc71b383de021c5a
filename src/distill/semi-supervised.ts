/**
 * Semi-supervised distillation: pseudo-labels from a teacher's logits on
 * unlabelled rows (soft targets at a temperature, filtered by the teacher's
 * confidence), the distillation LossTerm that trains on them, and the quality
 * of the pseudo-labels measured afterwards against the hidden labels.
 *
 * Nothing here reads a hidden label during training: pseudoLabels and
 * pseudoLabelTerm see logits only; pseudoLabelQuality, which does read the
 * hidden labels, is an evaluation run after training.
 */
import * as tf from "@tensorflow/tfjs";
import type { LossTerm } from "./terms/types";
import { checkTemperature, logSoftmaxT } from "./temperature";

export function checkThreshold(threshold: number, field = "threshold"): void {
  if (!(Number.isFinite(threshold) && threshold >= 0 && threshold <= 1)) throw new Error(`${field} must be in [0, 1]; got ${threshold}`);
}

export function checkFractionOpenClosed(fraction: number, field = "labelledFraction"): void {
  if (!(Number.isFinite(fraction) && fraction > 0 && fraction <= 1)) throw new Error(`${field} must be in (0, 1]; got ${fraction}`);
}

/** Per-row confidence (max softmax probability at T = 1) and predicted class, from row-major logits. */
export function confidences(logits: Float32Array | number[], numClasses: number): { confidence: Float32Array; predicted: Int32Array } {
  const rows = logits.length / numClasses;
  if (!Number.isInteger(rows)) throw new Error(`confidences: ${logits.length} logits is not a multiple of ${numClasses} classes`);
  const confidence = new Float32Array(rows);
  const predicted = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    let best = 0;
    let max = -Infinity;
    for (let k = 0; k < numClasses; k++) {
      const z = logits[i * numClasses + k];
      if (z > max) {
        max = z;
        best = k;
      }
    }
    let sum = 0;
    for (let k = 0; k < numClasses; k++) sum += Math.exp(logits[i * numClasses + k] - max);
    confidence[i] = 1 / sum;
    predicted[i] = best;
  }
  return { confidence, predicted };
}

export interface PseudoLabels {
  /** Soft targets softmax(z / T), [rows, classes], for every row given (kept or not). */
  probs: Float32Array;
  /** 1 where the row is kept (confidence ≥ threshold), else 0. */
  keep: Uint8Array;
  kept: number;
  rows: number;
  /** Teacher confidence (max probability at T = 1) per row. */
  confidence: Float32Array;
  /** Teacher's class per row (argmax). */
  predicted: Int32Array;
  temperature: number;
  threshold: number;
}

/**
 * Pseudo-labels for unlabelled rows from a teacher's logits (row-major,
 * rows × classes): soft targets at `temperature`; a row is kept when the
 * teacher's confidence at T = 1 is at least `threshold` (0 keeps every row).
 */
export function pseudoLabels(logits: Float32Array | number[], numClasses: number, temperature: number, threshold: number): PseudoLabels {
  checkTemperature(temperature);
  checkThreshold(threshold);
  const { confidence, predicted } = confidences(logits, numClasses);
  const rows = confidence.length;
  const probs = new Float32Array(rows * numClasses);
  const keep = new Uint8Array(rows);
  let kept = 0;
  for (let i = 0; i < rows; i++) {
    let max = -Infinity;
    for (let k = 0; k < numClasses; k++) max = Math.max(max, logits[i * numClasses + k] / temperature);
    let sum = 0;
    for (let k = 0; k < numClasses; k++) sum += probs[i * numClasses + k] = Math.exp(logits[i * numClasses + k] / temperature - max);
    for (let k = 0; k < numClasses; k++) probs[i * numClasses + k] /= sum;
    if (confidence[i] >= threshold) {
      keep[i] = 1;
      kept++;
    }
  }
  return { probs, keep, kept, rows, confidence, predicted, temperature, threshold };
}

/**
 * Distillation on pseudo-labelled rows as a LossTerm: T² · KL(q ‖ softmax(z/T)),
 * averaged over the batch rows whose `mask` is 1 (0 for a batch without any).
 * `targets` [trainRows, classes] and `mask` [trainRows] are indexed by the
 * trainer's row indices; the caller owns (and disposes) both.
 */
export function pseudoLabelTerm(args: { targets: tf.Tensor2D; mask: tf.Tensor1D; temperature: number; weight: number; name?: string }): LossTerm {
  checkTemperature(args.temperature);
  if (!(Number.isFinite(args.weight) && args.weight >= 0)) throw new Error(`pseudo-label weight must be ≥ 0; got ${args.weight}`);
  if (args.mask.shape[0] !== args.targets.shape[0]) throw new Error(`pseudo-label mask has ${args.mask.shape[0]} rows, targets ${args.targets.shape[0]}`);
  const T = args.temperature;
  return {
    name: args.name ?? "pseudo-kd",
    weight: args.weight,
    compute: ({ logits, indices }) => {
      const q = tf.gather(args.targets, indices) as tf.Tensor2D;
      const m = tf.gather(args.mask, indices) as tf.Tensor1D;
      const kl = tf.sum(tf.mul(q, tf.sub(tf.log(tf.maximum(q, 1e-30)), logSoftmaxT(logits, T))), 1);
      return tf.mul(tf.div(tf.sum(tf.mul(kl, m)), tf.maximum(tf.sum(m), 1)), T * T) as tf.Scalar;
    },
  };
}

export interface PseudoLabelQuality {
  threshold: number;
  rows: number;
  kept: number;
  /** kept / rows. */
  coverage: number;
  /** Accuracy of the kept rows' pseudo-labels (argmax) against the hidden labels; null when none is kept. */
  accuracy: number | null;
}

/**
 * Evaluation only (after training): how many pseudo-labels a threshold keeps
 * and how accurate they are, against the hidden labels of the same rows.
 */
export function pseudoLabelQuality(confidence: ArrayLike<number>, predicted: ArrayLike<number>, hiddenLabels: ArrayLike<number>, threshold: number): PseudoLabelQuality {
  checkThreshold(threshold);
  if (hiddenLabels.length !== predicted.length) throw new Error(`pseudoLabelQuality: ${predicted.length} predictions for ${hiddenLabels.length} labels`);
  let kept = 0;
  let right = 0;
  for (let i = 0; i < predicted.length; i++) {
    if (confidence[i] >= threshold) {
      kept++;
      if (predicted[i] === hiddenLabels[i]) right++;
    }
  }
  return { threshold, rows: predicted.length, kept, coverage: predicted.length ? kept / predicted.length : 0, accuracy: kept ? right / kept : null };
}

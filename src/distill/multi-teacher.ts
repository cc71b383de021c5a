/**
 * Several teachers fused into one soft target per sample:
 *   q = Σ_k w_k · softmax(z_k / T),
 * with weights that are fixed, re-computed every epoch, or per sample. Teacher
 * logits come in stacked as one [K, n, C] tensor, computed once (see
 * cacheTeacherStack) and shared by every weighting and every seed.
 */
import * as tf from "@tensorflow/tfjs";
import type { TargetFn } from "./terms/types";
import { checkTemperature } from "./temperature";
import { predictLogits } from "./teachers";

const SUM_TOL = 1e-5;

/** Throws unless `weights` has one finite, non-negative entry per teacher and sums to 1. */
export function checkWeights(weights: number[], numTeachers: number, field = "weights"): void {
  if (!Array.isArray(weights) || weights.length !== numTeachers) {
    throw new Error(`${field} must have one entry per teacher (${numTeachers}); got ${Array.isArray(weights) ? weights.length : typeof weights}`);
  }
  weights.forEach((w, k) => {
    if (typeof w !== "number" || !Number.isFinite(w) || w < 0) throw new Error(`${field}[${k}] must be a finite number ≥ 0; got ${w}`);
  });
  const sum = weights.reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 1) > SUM_TOL) throw new Error(`${field} must sum to 1; got ${sum} (${JSON.stringify(weights)})`);
}

/** Stacks K teachers' [n, C] logits into [K, n, C], checking that every teacher has the student's rows and classes. */
export function stackTeacherLogits(logits: tf.Tensor2D[], numClasses: number, field = "teachers"): tf.Tensor3D {
  if (logits.length === 0) throw new Error(`${field} must list at least one teacher`);
  const n = logits[0].shape[0];
  logits.forEach((z, k) => {
    if (z.rank !== 2) throw new Error(`${field}[${k}] logits must be [rows, classes]; got shape [${z.shape}]`);
    if (z.shape[1] !== numClasses) throw new Error(`${field}[${k}] has ${z.shape[1]} classes; the student has ${numClasses}`);
    if (z.shape[0] !== n) throw new Error(`${field}[${k}] has ${z.shape[0]} rows; ${field}[0] has ${n}`);
  });
  return tf.stack(logits) as tf.Tensor3D;
}

/** Each teacher's logits on `x`, stacked [K, n, C]: the one place teacher forward passes happen. */
export function cacheTeacherStack(teachers: tf.LayersModel[], x: tf.Tensor2D, numClasses: number): tf.Tensor3D {
  return tf.tidy(() => stackTeacherLogits(teachers.map((m) => predictLogits(m, x)), numClasses));
}

/**
 * Fused soft targets Σ_k w_k · softmax(z_k / T) for stacked logits [K, b, C].
 * `weights` is [K] (one weight per teacher) or [K, b] (per sample; each column sums to 1).
 */
export function fuseTargets(logits: tf.Tensor3D, weights: tf.Tensor1D | tf.Tensor2D, temperature: number): tf.Tensor2D {
  checkTemperature(temperature);
  const [k, b] = logits.shape;
  if (weights.shape[0] !== k) throw new Error(`weights have ${weights.shape[0]} teachers; logits have ${k}`);
  if (weights.rank === 2 && weights.shape[1] !== b) throw new Error(`per-sample weights have ${weights.shape[1]} rows; logits have ${b}`);
  return tf.tidy(() => {
    const p = tf.softmax(tf.div(logits, temperature));
    const w = weights.rank === 1 ? tf.reshape(weights, [k, 1, 1]) : tf.expandDims(weights, 2);
    return tf.sum(tf.mul(p, w), 0) as tf.Tensor2D;
  });
}

/** Cross-entropy of each teacher on each row's label: [K, n], −log softmax(z_k)[y_i]. */
export function perSampleCrossEntropy(logits: tf.Tensor3D, labels: tf.Tensor1D): tf.Tensor2D {
  const [, n, c] = logits.shape;
  if (labels.shape[0] !== n) throw new Error(`labels have ${labels.shape[0]} rows; logits have ${n}`);
  return tf.tidy(() => tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(tf.cast(labels, "int32"), c)), 2)) as tf.Tensor2D);
}

/**
 * Confidence-aware per-sample weights (as in CA-MKD): w_k(i) = softmax_k(−CE_k(i) / τ),
 * so the teacher that puts more probability on row i's label weighs more there. [K, n].
 */
export function perSampleWeights(logits: tf.Tensor3D, labels: tf.Tensor1D, temperature = 1): tf.Tensor2D {
  checkTemperature(temperature, "per-sample weight temperature");
  return tf.tidy(() => tf.softmax(tf.transpose(tf.div(tf.neg(perSampleCrossEntropy(logits, labels)), temperature))).transpose() as tf.Tensor2D);
}

/** softmax(score / τ) over teachers, as plain numbers. */
export function softmaxWeights(scores: number[], temperature: number, field = "weight temperature"): number[] {
  checkTemperature(temperature, field);
  const m = Math.max(...scores);
  const e = scores.map((s) => Math.exp((s - m) / temperature));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}

/** Weights proportional to the scores (e.g. validation accuracies). */
export function normalisedWeights(scores: number[], field = "scores"): number[] {
  scores.forEach((s, k) => {
    if (!Number.isFinite(s) || s < 0) throw new Error(`${field}[${k}] must be a finite number ≥ 0; got ${s}`);
  });
  const z = scores.reduce((a, b) => a + b, 0);
  if (!(z > 0)) throw new Error(`${field} must not all be 0`);
  return scores.map((s) => s / z);
}

/** Where the weights of a fused target come from. */
export type WeightSource =
  | { kind: "static"; weights: number[] }
  /** Called once per epoch, at its first batch; must return weights for that epoch. */
  | { kind: "per-epoch"; weightsAt: (epoch: number) => number[] }
  /** [K, n] over the training rows, gathered per batch (the caller keeps it alive and disposes it). */
  | { kind: "per-sample"; weights: tf.Tensor2D };

export interface FusedTargets {
  targets: TargetFn;
  /** The weights used in each epoch (per-sample: their mean over the training rows). */
  weightLog: { epoch: number; weights: number[] }[];
}

/**
 * A trainer `TargetFn` fusing cached teacher logits [K, n, C] on the training
 * rows. Allocates nothing that outlives a call (the trainer runs it in tf.tidy).
 */
export function fusedTargetFn(trainLogits: tf.Tensor3D, source: WeightSource): FusedTargets {
  const k = trainLogits.shape[0];
  const weightLog: { epoch: number; weights: number[] }[] = [];
  let current: number[] = [];
  let sampleMean: number[] | undefined;
  if (source.kind === "static") checkWeights(source.weights, k);
  if (source.kind === "per-sample") {
    if (source.weights.shape[0] !== k || source.weights.shape[1] !== trainLogits.shape[1]) {
      throw new Error(`per-sample weights have shape [${source.weights.shape}]; expected [${k}, ${trainLogits.shape[1]}] (teachers × training rows)`);
    }
    sampleMean = tf.tidy(() => Array.from(tf.mean(source.weights, 1).dataSync()));
    const colSums = tf.tidy(() => tf.sum(source.weights, 0));
    const [lo, hi, neg] = tf.tidy(() => [tf.min(colSums).dataSync()[0], tf.max(colSums).dataSync()[0], tf.min(source.weights).dataSync()[0]]);
    colSums.dispose();
    if (neg < 0) throw new Error(`per-sample weights must be ≥ 0; found ${neg}`);
    if (Math.abs(lo - 1) > 1e-4 || Math.abs(hi - 1) > 1e-4) throw new Error(`per-sample weights must sum to 1 over teachers for every row; sums range over [${lo}, ${hi}]`);
  }
  const targets: TargetFn = ({ indices, temperature, epoch }) => {
    const last = weightLog[weightLog.length - 1];
    if (!last || last.epoch !== epoch) {
      if (source.kind === "static") current = source.weights;
      else if (source.kind === "per-epoch") {
        current = source.weightsAt(epoch);
        checkWeights(current, k, `weights at epoch ${epoch}`);
      } else current = sampleMean!;
      weightLog.push({ epoch, weights: [...current] });
    }
    return tf.tidy(() => {
      const z = tf.gather(trainLogits, indices, 1) as tf.Tensor3D;
      const w = source.kind === "per-sample" ? (tf.gather(source.weights, indices, 1) as tf.Tensor2D) : tf.tensor1d(current);
      return fuseTargets(z, w, temperature);
    });
  };
  return { targets, weightLog };
}

/**
 * Per-epoch weights that follow the student: softmax_k(−CE_k / τ), where CE_k is
 * teacher k's mean cross-entropy on the validation rows the student currently
 * gets wrong (all validation rows once it gets none wrong). Early on this is
 * close to each teacher's overall validation quality; later it favours the
 * teacher that is right where the student still fails.
 */
export function studentAwareWeights(args: {
  /** Teachers' per-row cross-entropy on the validation rows, [K][nVal] (cached once). */
  valCE: number[][];
  valLabels: ArrayLike<number>;
  /** The student's predicted class per validation row, now. */
  studentPred: ArrayLike<number>;
  temperature: number;
}): { weights: number[]; studentErrors: number } {
  const wrong: number[] = [];
  for (let i = 0; i < args.valLabels.length; i++) if (args.studentPred[i] !== args.valLabels[i]) wrong.push(i);
  const rows = wrong.length > 0 ? wrong : Array.from({ length: args.valLabels.length }, (_, i) => i);
  const meanCE = args.valCE.map((ce) => rows.reduce((a, i) => a + ce[i], 0) / rows.length);
  return { weights: softmaxWeights(meanCE.map((c) => -c), args.temperature), studentErrors: wrong.length };
}

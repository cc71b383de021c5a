/**
 * Decoupled knowledge distillation (Zhao et al., CVPR 2022): the KD loss split
 * into target-class KD (the binary "target vs the rest" distributions) and
 * non-target-class KD (the distribution over the other classes, renormalised),
 * recombined as α·TCKD + β·NCKD, each scaled by T² and averaged over the batch
 * as in the authors' code (mdistiller). The teacher comes as logits or as
 * probabilities at T (several teachers fused).
 */
import * as tf from "@tensorflow/tfjs";
import { checkTemperature } from "./temperature";

export interface DkdWeights {
  alpha: number;
  beta: number;
}

/** Large enough that exp(−MASK) is 0 in float32: removes the target class from a log-sum-exp. */
const MASK = 1000;

function checkDkd(student: tf.Tensor2D, teacher: tf.Tensor2D, target: tf.Tensor1D, temperature: number, w: DkdWeights): void {
  checkTemperature(temperature);
  if (student.rank !== 2 || teacher.rank !== 2 || student.shape.some((d, i) => d !== teacher.shape[i])) {
    throw new Error(`dkd: student [${student.shape}] and teacher [${teacher.shape}] must be [batch, classes] of the same shape`);
  }
  if (target.rank !== 1 || target.shape[0] !== student.shape[0]) throw new Error(`dkd: target classes [${target.shape}] must be one per row of [${student.shape}]`);
  for (const k of ["alpha", "beta"] as const) {
    if (!(Number.isFinite(w[k]) && w[k] >= 0)) throw new Error(`dkd: ${k} must be ≥ 0; got ${w[k]}`);
  }
}

/** Per row: log q(target), log q(rest) and the log of the renormalised non-target distribution, from log-probabilities. */
function decouple(logProbs: tf.Tensor2D, gt: tf.Tensor2D): { logTarget: tf.Tensor1D; logRest: tf.Tensor1D; logNonTarget: tf.Tensor2D } {
  const masked = tf.sub(logProbs, tf.mul(gt, MASK)) as tf.Tensor2D;
  const logRest = tf.logSumExp(masked, 1) as tf.Tensor1D;
  return {
    logTarget: tf.sum(tf.mul(logProbs, gt), 1) as tf.Tensor1D,
    logRest,
    logNonTarget: tf.sub(masked, tf.expandDims(logRest, 1)) as tf.Tensor2D,
  };
}

/** Σ q·(log q − log p) per row over the last axis. */
const klRows = (logQ: tf.Tensor2D, logP: tf.Tensor2D): tf.Tensor1D => tf.sum(tf.mul(tf.exp(logQ), tf.sub(logQ, logP)), 1) as tf.Tensor1D;

/**
 * α·TCKD + β·NCKD with `teacherLogProbs` the teacher's log-probabilities at T
 * and `target` the class each row is decoupled at. Returns the total and the two parts (unweighted).
 */
export function dkdFromLogProbs(studentLogits: tf.Tensor2D, teacherLogProbs: tf.Tensor2D, target: tf.Tensor1D, temperature: number, w: DkdWeights): { loss: tf.Scalar; tckd: tf.Scalar; nckd: tf.Scalar } {
  checkDkd(studentLogits, teacherLogProbs, target, temperature, w);
  return tf.tidy(() => {
    const gt = tf.oneHot(tf.cast(target, "int32"), studentLogits.shape[1]).toFloat() as tf.Tensor2D;
    const s = decouple(tf.logSoftmax(tf.div(studentLogits, temperature)) as tf.Tensor2D, gt);
    const t = decouple(teacherLogProbs, gt);
    const bin = (x: { logTarget: tf.Tensor1D; logRest: tf.Tensor1D }) => tf.stack([x.logTarget, x.logRest], 1) as tf.Tensor2D;
    const t2 = temperature * temperature;
    const tckd = tf.mul(tf.mean(klRows(bin(t), bin(s))), t2) as tf.Scalar;
    const nckd = tf.mul(tf.mean(klRows(t.logNonTarget, s.logNonTarget)), t2) as tf.Scalar;
    const loss = tf.add(tf.mul(tckd, w.alpha), tf.mul(nckd, w.beta)) as tf.Scalar;
    return { loss, tckd, nckd };
  });
}

/** DKD against teacher logits. */
export function dkdLoss(studentLogits: tf.Tensor2D, teacherLogits: tf.Tensor2D, target: tf.Tensor1D, temperature: number, w: DkdWeights): tf.Scalar {
  return tf.tidy(() => dkdFromLogProbs(studentLogits, tf.logSoftmax(tf.div(teacherLogits, temperature)) as tf.Tensor2D, target, temperature, w).loss);
}

/** DKD against soft targets at T (probabilities; zeros are floored at 1e-12 before the log). */
export function dkdLossFromProbs(studentLogits: tf.Tensor2D, targetProbs: tf.Tensor2D, target: tf.Tensor1D, temperature: number, w: DkdWeights): tf.Scalar {
  return tf.tidy(() => dkdFromLogProbs(studentLogits, tf.log(tf.clipByValue(targetProbs, 1e-12, 1)) as tf.Tensor2D, target, temperature, w).loss);
}

/** The authors' warm-up: the DKD term scaled by min(epoch / warmup, 1), epochs counted from 1; warmup 0 = none. */
export function dkdWarmup(epoch: number, warmup: number): number {
  if (!(Number.isInteger(warmup) && warmup >= 0)) throw new Error(`dkd: warmup must be a whole number of epochs ≥ 0; got ${warmup}`);
  return warmup === 0 ? 1 : Math.min(epoch / warmup, 1);
}

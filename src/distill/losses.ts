/**
 * Response-level distillation losses, one function each, composed by weights
 * (as torchdistill does). All take logits; every function returns the mean
 * over the batch as a scalar.
 */
import * as tf from "@tensorflow/tfjs";
import { checkAlpha, checkTemperature, logSoftmaxT } from "./temperature";

function checkLogits(name: string, logits: tf.Tensor): asserts logits is tf.Tensor2D {
  if (logits.rank !== 2) throw new Error(`${name} must be a [batch, classes] tensor; got shape [${logits.shape}]`);
}

function checkSameShape(a: tf.Tensor, b: tf.Tensor, aName: string, bName: string): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new Error(`${aName} shape [${a.shape}] does not match ${bName} shape [${b.shape}]`);
  }
}

/** Hard-label cross-entropy: mean of −log softmax(z)[label]. Labels are int32 class indices. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  checkLogits("logits", logits);
  if (labels.rank !== 1 || labels.shape[0] !== logits.shape[0]) {
    throw new Error(`labels shape [${labels.shape}] does not match logits batch size ${logits.shape[0]}`);
  }
  return tf.tidy(() => {
    const oneHot = tf.oneHot(tf.cast(labels, "int32"), logits.shape[1]);
    return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1))) as tf.Scalar;
  });
}

/** T² · batch mean of KL(q ‖ softmax(student / T)) for targets q given with their logs. */
function scaledKl(q: tf.Tensor2D, logQ: tf.Tensor2D, studentLogits: tf.Tensor2D, temperature: number): tf.Scalar {
  const kl = tf.sum(tf.mul(q, tf.sub(logQ, logSoftmaxT(studentLogits, temperature))), 1);
  return tf.mul(tf.mean(kl), temperature * temperature) as tf.Scalar;
}

function checkKdArgs(studentLogits: tf.Tensor, target: tf.Tensor, targetName: string, temperature: number): void {
  checkLogits("studentLogits", studentLogits);
  checkLogits(targetName, target);
  checkSameShape(studentLogits, target, "studentLogits", targetName);
  checkTemperature(temperature);
}

/**
 * Hinton's distillation loss T² · KL(p_teacher,T ‖ p_student,T), batch mean.
 * The T² keeps its gradient on the scale of the hard-label loss whatever T is.
 * Gradients flow to the student only: the teacher is an input, never a variable.
 */
export function kdLoss(studentLogits: tf.Tensor2D, teacherLogits: tf.Tensor2D, temperature: number): tf.Scalar {
  checkKdArgs(studentLogits, teacherLogits, "teacherLogits", temperature);
  return tf.tidy(() => {
    const logPt = logSoftmaxT(teacherLogits, temperature);
    return scaledKl(tf.exp(logPt) as tf.Tensor2D, logPt, studentLogits, temperature);
  });
}

/**
 * The same loss against given target probabilities q (e.g. several teachers'
 * soft targets fused by weights): T² · mean KL(q ‖ softmax(student / T)).
 * Rows of q must sum to 1; zeros are allowed (0 · log 0 = 0).
 */
export function kdLossFromProbs(studentLogits: tf.Tensor2D, targetProbs: tf.Tensor2D, temperature: number): tf.Scalar {
  checkKdArgs(studentLogits, targetProbs, "targetProbs", temperature);
  return tf.tidy(() => scaledKl(targetProbs, tf.log(tf.maximum(targetProbs, 1e-30)) as tf.Tensor2D, studentLogits, temperature));
}

export interface LossParts {
  total: tf.Scalar;
  ce: tf.Scalar;
  kd: tf.Scalar;
}

/**
 * α · CE(hard labels) + (1 − α) · T² · KL(teacher ‖ student).
 * α = 1 is plain supervised training (no teacher needed); α = 0 is pure distillation.
 */
export function distillationLoss(args: {
  studentLogits: tf.Tensor2D;
  /** The teacher's logits for the batch, or… */
  teacherLogits?: tf.Tensor2D;
  /** …target probabilities at this temperature (e.g. fused from several teachers). */
  targetProbs?: tf.Tensor2D;
  labels: tf.Tensor1D;
  temperature: number;
  alpha: number;
}): LossParts {
  checkAlpha(args.alpha);
  checkTemperature(args.temperature);
  if (args.teacherLogits && args.targetProbs) throw new Error("give teacherLogits or targetProbs, not both");
  if (args.alpha < 1 && !args.teacherLogits && !args.targetProbs) throw new Error(`alpha = ${args.alpha} < 1 needs teacherLogits or targetProbs`);
  return tf.tidy(() => {
    const ce = crossEntropy(args.studentLogits, args.labels);
    const kd = args.teacherLogits
      ? kdLoss(args.studentLogits, args.teacherLogits, args.temperature)
      : args.targetProbs
        ? kdLossFromProbs(args.studentLogits, args.targetProbs, args.temperature)
        : tf.scalar(0);
    const total = tf.add(tf.mul(ce, args.alpha), tf.mul(kd, 1 - args.alpha)) as tf.Scalar;
    return { total, ce, kd };
  });
}

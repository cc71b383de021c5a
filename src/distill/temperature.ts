/**
 * Temperature-softened targets. Dividing logits by T > 1 flattens the
 * distribution and exposes the teacher's "dark knowledge" (how similar the
 * wrong classes are); T = 1 is the plain softmax.
 */
import * as tf from "@tensorflow/tfjs";

export function checkTemperature(t: number, field = "temperature"): void {
  if (typeof t !== "number" || !Number.isFinite(t) || t <= 0) {
    throw new Error(`${field} must be a finite number > 0; got ${t}`);
  }
}

export function checkAlpha(alpha: number, field = "alpha"): void {
  if (typeof alpha !== "number" || !(alpha >= 0 && alpha <= 1)) {
    throw new Error(`${field} must be in [0, 1]; got ${alpha}`);
  }
}

/** log softmax(z / T), computed stably. */
export function logSoftmaxT(logits: tf.Tensor2D, temperature: number): tf.Tensor2D {
  checkTemperature(temperature);
  return tf.tidy(() => tf.logSoftmax(tf.div(logits, temperature)) as tf.Tensor2D);
}

/** Soft targets softmax(z / T). */
export function softTargets(logits: tf.Tensor2D, temperature: number): tf.Tensor2D {
  return tf.tidy(() => tf.exp(logSoftmaxT(logits, temperature)) as tf.Tensor2D);
}

/** Mean entropy (nats) of softmax(z / T) over the rows: how soft the targets are. */
export function softTargetEntropy(logits: tf.Tensor2D, temperature: number): number {
  return tf.tidy(() => {
    const logp = logSoftmaxT(logits, temperature);
    return tf.neg(tf.mean(tf.sum(tf.mul(tf.exp(logp), logp), 1))).dataSync()[0];
  });
}

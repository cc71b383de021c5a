/**
 * Measured (not estimated) inference cost of a model: latency of one sample
 * and throughput of a batch, medians over repeated timed runs after warm-up.
 */
import * as tf from "@tensorflow/tfjs";

export interface Latency {
  /** Median ms for one forward pass of a single sample. */
  msPerSample: number;
  /** Median ms for one forward pass of `batchSize` samples. */
  msPerBatch: number;
  batchSize: number;
  /** Samples per second at `batchSize`. */
  throughput: number;
  repeats: number;
}

export function median(values: number[]): number {
  if (values.length === 0) throw new Error("median of an empty list");
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function timeForward(model: tf.LayersModel, x: tf.Tensor, repeats: number): number {
  const run = () => tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
  for (let i = 0; i < 3; i++) run();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    run();
    times.push(performance.now() - t0);
  }
  return median(times);
}

export function measureLatency(model: tf.LayersModel, opts: { batchSize?: number; repeats?: number } = {}): Latency {
  const batchSize = opts.batchSize ?? 256;
  const repeats = opts.repeats ?? 30;
  const inputShape = (model.inputs[0].shape as (number | null)[]).slice(1) as number[];
  const one = tf.randomUniform([1, ...inputShape], 0, 1, "float32", 1);
  const batch = tf.randomUniform([batchSize, ...inputShape], 0, 1, "float32", 2);
  try {
    const msPerSample = timeForward(model, one, repeats);
    const msPerBatch = timeForward(model, batch, repeats);
    return { msPerSample, msPerBatch, batchSize, throughput: (batchSize * 1000) / msPerBatch, repeats };
  } finally {
    one.dispose();
    batch.dispose();
  }
}

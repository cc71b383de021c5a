/**
 * The text cases of `npm run bench` (scripts/bench.ts): a training step of the
 * n-gram-bag student (batch 64 texts × 483 hashed 1-3-gram ids, as notebook 09
 * reads fortunes of 160 characters) with the one-pass embedding-bag kernels,
 * and the same step written with tfjs ops (gather, mask, sum; its gradient
 * through UnsortedSegmentSum), at two table sizes: notebook 09's student
 * (4,096 × 8) and a 16,384 × 16 one.
 *
 *   f-ngram-bag-step-kernel-<rows>x<dim>   the kernels
 *   f-ngram-bag-step-ops-<rows>x<dim>      tfjs ops; ratioToKernel = ops / kernels
 *
 * On the cpu backend the ops line is skipped: its UnsortedSegmentSum loops once
 * per table row (minutes per step at these sizes).
 */
import * as tf from "@tensorflow/tfjs";
import { crossEntropy } from "../src/distill/losses";
import { buildNgramBag, useEmbeddingBagKernel } from "../src/models/ngram-bag";

type Timing = { msPerStep: number; steps: number; warmup: number };
type Emit = (c: string, t: Timing, flops: number | null, extra?: Record<string, unknown>) => void;
type TimeIt = (fn: () => Promise<void>, opts: { warmup: number; minRuns: number; maxRuns: number; budgetMs: number }) => Promise<Timing>;

export async function textCases(emit: Emit, timeIt: TimeIt, opts: { warmup: number; minRuns: number; maxRuns: number; budgetMs: number }): Promise<void> {
  const hashing = { orders: [1, 2, 3], maxChars: 160, lowercase: true };
  const batch = 64;
  for (const [buckets, dim] of [[4096, 8], [16384, 16]]) {
    const model = buildNgramBag({ hashing: { ...hashing, buckets }, dim, hidden: [], numClasses: 4, seed: 1 });
    const slots = model.inputs[0].shape[1] as number;
    const x = tf.randomUniform([batch, slots], 1, buckets + 1, "int32", 7).toFloat() as tf.Tensor2D;
    const y = tf.randomUniformInt([batch], 0, 4, 8) as tf.Tensor1D;
    const opt = tf.train.adam(1e-2);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const step = async () => {
      const loss = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => crossEntropy(model.apply(x, { training: true }) as tf.Tensor2D, y), vars);
        opt.applyGradients(grads as unknown as Parameters<typeof opt.applyGradients>[0]);
        return value;
      });
      await loss.data();
      loss.dispose();
    };
    const tag = `${buckets}x${dim}`;
    try {
      const kernel = await timeIt(step, opts);
      const extra = { batch, slots, params: model.countParams() };
      emit(`f-ngram-bag-step-kernel-${tag}`, kernel, null, extra);
      if (tf.getBackend() === "cpu") {
        process.stdout.write(JSON.stringify({ case: `f-ngram-bag-step-ops-${tag}`, backend: "cpu", skipped: "the cpu backend's UnsortedSegmentSum loops once per table row (minutes per step)" }) + "\n");
        continue;
      }
      useEmbeddingBagKernel(false);
      const ops = await timeIt(step, opts);
      emit(`f-ngram-bag-step-ops-${tag}`, ops, null, { ...extra, ratioToKernel: Number((ops.msPerStep / kernel.msPerStep).toFixed(2)) });
    } finally {
      useEmbeddingBagKernel(true);
      [x, y].forEach((t) => t.dispose());
      opt.dispose();
      model.dispose();
    }
  }
}

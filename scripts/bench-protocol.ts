/**
 * Notebook 07's protocol pieces as `npm run bench` cases (scripts/bench.ts),
 * the same as bench/torch_reference.py measures with PyTorch:
 *
 *   g-cnn32-64-128-train-b64          a training step of the large CNN teacher
 *                                     (buildConvNet, the default PatchConv2D path), batch 64
 *   h-student-epoch-55000-cached-kd   one fit() epoch of a 784-128-10 student on
 *                                     55,000 rows at batch 256 from cached teacher logits
 *                                     (α 0.5, T 4), with the trainer's evaluation on 10,000 test rows
 */
import * as tf from "@tensorflow/tfjs";
import { crossEntropy } from "../src/distill/losses";
import { buildConvNet } from "../src/models/conv";
import { buildMlp } from "../src/models/mlp";
import { fit } from "../src/train/trainer";

type Timing = { msPerStep: number; steps: number; warmup: number };
type Emit = (c: string, t: Timing, flops: number | null, extra?: Record<string, unknown>) => void;
type TimeOpts = { warmup: number; minRuns: number; maxRuns: number; budgetMs: number };
type TimeIt = (fn: () => Promise<void>, opts: TimeOpts) => Promise<Timing>;
type TrainStep = (model: tf.LayersModel, optimizer: tf.Optimizer, loss: (logits: tf.Tensor2D) => tf.Scalar, x: tf.Tensor2D) => () => Promise<void>;

/** Multiply-adds ×2 of the CNN's forward pass on one 28×28 image. */
const CNN_FORWARD_FLOPS = 2 * (28 * 28 * 9 * 32 + 14 * 14 * 9 * 32 * 64 + 7 * 7 * 64 * 128 + 128 * 10);

export async function cnnStepCase(emit: Emit, timeIt: TimeIt, trainStep: TrainStep, opts: TimeOpts): Promise<void> {
  const batch = 64;
  const x = tf.randomUniform([batch, 784], 0, 1, "float32", 21) as tf.Tensor2D;
  const y = tf.randomUniformInt([batch], 0, 10, 22) as tf.Tensor1D;
  const model = buildConvNet({ side: 28, filters: [32, 64], dense: 128, numClasses: 10, seed: 1 });
  const opt = tf.train.adam(1e-3);
  try {
    const t = await timeIt(trainStep(model, opt, (z) => crossEntropy(z, y), x), opts);
    emit("g-cnn32-64-128-train-b64", t, 3 * CNN_FORWARD_FLOPS * batch, { batch });
  } finally {
    opt.dispose();
    model.dispose();
    tf.dispose([x, y]);
  }
}

export async function studentEpochCase(emit: Emit, timeIt: TimeIt, quick: boolean): Promise<void> {
  const rows = 55000;
  const testRows = 10000;
  const batch = 256;
  const train = { x: tf.randomUniform([rows, 784], 0, 1, "float32", 31) as tf.Tensor2D, y: tf.randomUniformInt([rows], 0, 10, 32) as tf.Tensor1D };
  const test = { x: tf.randomUniform([testRows, 784], 0, 1, "float32", 33) as tf.Tensor2D, y: tf.randomUniformInt([testRows], 0, 10, 34) as tf.Tensor1D };
  const teacherTrain = tf.mul(tf.randomNormal([rows, 10], 0, 1, "float32", 35), 3) as tf.Tensor2D;
  const student = buildMlp({ inputDim: 784, hidden: [128], outputDim: 10, seed: 5 });
  try {
    const epoch = async () => {
      await fit(student, { train, test, teacherTrain }, { epochs: 1, batchSize: batch, learningRate: 2e-3, seed: 6, temperature: 4, alpha: 0.5 });
    };
    const t = await timeIt(epoch, quick ? { warmup: 0, minRuns: 1, maxRuns: 1, budgetMs: 0 } : { warmup: 1, minRuns: 3, maxRuns: 3, budgetMs: 0 });
    const flops = 3 * 2 * rows * (784 * 128 + 128 * 10) + 2 * testRows * (784 * 128 + 128 * 10);
    emit("h-student-epoch-55000-cached-kd", t, flops, { unit: "epoch", samples: rows, batch, batchesPerEpoch: Math.ceil(rows / batch) });
  } finally {
    student.dispose();
    tf.dispose([train.x, train.y, test.x, test.y, teacherTrain]);
  }
}

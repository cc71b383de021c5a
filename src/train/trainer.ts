/**
 * The training loop: seeded, mini-batched, shuffled every epoch, Adam, with a
 * per-epoch history. Teacher logits come in precomputed (see
 * distill/teachers.ts), so a step costs one student forward/backward pass.
 * Everything a step allocates is released inside tf.tidy.
 */
import * as tf from "@tensorflow/tfjs";
import { Tensors } from "../data/dataset";
import { distillationLoss } from "../distill/losses";
import { checkAlpha, checkTemperature } from "../distill/temperature";
import { accuracy, agreement, predictLogits } from "../distill/teachers";
import { Rng, deriveSeed, shuffleInPlace } from "../experiment/seed";

/** Temperature as a function of the global training step (0-based); see distill/ for schedules. */
export type TemperatureFn = (step: number) => number;

/**
 * Soft targets for a batch: probabilities at `temperature` for the training rows
 * `indices`, at `epoch`. Lets several teachers, fused by weights that may change
 * every epoch, stand in for one teacher's cached logits.
 */
export type TargetFn = (args: { indices: tf.Tensor1D; temperature: number; epoch: number }) => tf.Tensor2D;

export interface TrainConfig {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Seeds the shuffling order (the model's init has its own seed). */
  seed: number;
  /** Distillation temperature, fixed or per step; default 1. */
  temperature?: number | TemperatureFn;
  /** Weight of the hard-label loss: α·CE + (1−α)·KD. Default 1 without a teacher. */
  alpha?: number;
}

export interface TrainData {
  train: Tensors;
  test: Tensors;
  /** Cached teacher logits on train.x (this, or teacherTargets, is needed when alpha < 1). */
  teacherTrain?: tf.Tensor2D;
  /** Soft targets per batch, instead of teacherTrain. */
  teacherTargets?: TargetFn;
  /** Cached teacher logits on test.x (for the agreement metric). */
  teacherTest?: tf.Tensor2D;
}

export interface EpochRecord {
  epoch: number;
  /** Mean training loss parts over the epoch's samples. */
  loss: number;
  ce: number;
  kd: number;
  /** Training accuracy on the (shuffled, dropout-on) batches of the epoch. */
  trainAcc: number;
  testAcc: number;
  /** Fraction of test samples where student and teacher predict the same class; null without a teacher. */
  teacherAgreement: number | null;
  /** Mean temperature over the epoch's steps (the constant T when it is fixed). */
  temperature: number;
  ms: number;
}

export interface TrainHooks {
  onEpoch?: (r: EpochRecord) => void;
}

export function checkTrainConfig(c: TrainConfig): void {
  const posInt = (name: string, v: number) => {
    if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} must be a positive integer; got ${v}`);
  };
  posInt("epochs", c.epochs);
  posInt("batchSize", c.batchSize);
  if (!(Number.isFinite(c.learningRate) && c.learningRate > 0)) throw new Error(`learningRate must be > 0; got ${c.learningRate}`);
  if (!Number.isFinite(c.seed)) throw new Error(`seed must be a finite number; got ${c.seed}`);
  if (typeof c.temperature === "number") checkTemperature(c.temperature);
  if (c.alpha !== undefined) checkAlpha(c.alpha);
}

function checkData(model: tf.LayersModel, d: TrainData, needsTeacher: boolean): void {
  const n = d.train.x.shape[0];
  const classes = (model.outputs[0].shape as number[])[1];
  if (d.train.y.shape[0] !== n) throw new Error(`train.y has ${d.train.y.shape[0]} labels for ${n} rows of train.x`);
  if (d.test.y.shape[0] !== d.test.x.shape[0]) throw new Error(`test.y has ${d.test.y.shape[0]} labels for ${d.test.x.shape[0]} rows of test.x`);
  const [lo, hi] = tf.tidy(() => [tf.min(d.train.y).dataSync()[0], tf.max(d.train.y).dataSync()[0]]);
  if (lo < 0 || hi >= classes) throw new Error(`train labels must be in [0, ${classes - 1}] (the student's classes); found [${lo}, ${hi}]`);
  if (needsTeacher && !d.teacherTrain && !d.teacherTargets) throw new Error("alpha < 1 (distillation) needs teacherTrain logits or teacherTargets");
  if (d.teacherTrain && d.teacherTargets) throw new Error("give teacherTrain or teacherTargets, not both");
  for (const [name, t, rows] of [["teacherTrain", d.teacherTrain, n], ["teacherTest", d.teacherTest, d.test.x.shape[0]]] as const) {
    if (t && (t.shape[0] !== rows || t.shape[1] !== classes)) {
      throw new Error(`${name} has shape [${t.shape}], expected [${rows}, ${classes}] (rows × student classes)`);
    }
  }
}

/** Trains `model` in place and returns the per-epoch history. */
export async function train(model: tf.LayersModel, data: TrainData, config: TrainConfig, hooks: TrainHooks = {}): Promise<EpochRecord[]> {
  checkTrainConfig(config);
  const temperatureAt: TemperatureFn = typeof config.temperature === "function" ? config.temperature : () => (config.temperature as number | undefined) ?? 1;
  const hasTeacher = !!(data.teacherTrain || data.teacherTargets);
  const alpha = config.alpha ?? (hasTeacher ? 0.5 : 1);
  checkData(model, data, alpha < 1);

  const n = data.train.x.shape[0];
  const rng = new Rng(deriveSeed(config.seed, "shuffle"));
  const optimizer = tf.train.adam(config.learningRate);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  // [loss, ce, kd, correct] summed over the epoch, kept on the device to avoid a sync per step.
  const sums = tf.tidy(() => tf.variable(tf.zeros([4]), false));
  const order = Array.from({ length: n }, (_, i) => i);
  const history: EpochRecord[] = [];
  let step = 0;

  try {
    for (let epoch = 1; epoch <= config.epochs; epoch++) {
      const t0 = performance.now();
      shuffleInPlace(order, rng);
      tf.tidy(() => sums.assign(tf.zeros([4])));
      let temperatureSum = 0;
      let steps = 0;
      for (let start = 0; start < n; start += config.batchSize) {
        const batch = order.slice(start, start + config.batchSize);
        const temperature = temperatureAt(step);
        checkTemperature(temperature, `temperature at step ${step}`);
        temperatureSum += temperature;
        steps++;
        step++;
        tf.tidy(() => {
          const idx = tf.tensor1d(batch, "int32");
          const xb = tf.gather(data.train.x, idx) as tf.Tensor2D;
          const yb = tf.gather(data.train.y, idx) as tf.Tensor1D;
          const tb = alpha < 1 && data.teacherTrain ? (tf.gather(data.teacherTrain, idx) as tf.Tensor2D) : undefined;
          const qb = alpha < 1 && data.teacherTargets ? data.teacherTargets({ indices: idx, temperature, epoch }) : undefined;
          let parts: tf.Tensor1D | undefined;
          const { grads } = tf.variableGrads(() => {
            const logits = model.apply(xb, { training: true }) as tf.Tensor2D;
            const loss = distillationLoss({ studentLogits: logits, teacherLogits: tb, targetProbs: qb, labels: yb, temperature, alpha });
            const correct = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), yb), "float32"));
            parts = tf.keep(tf.stack([tf.mul(loss.total, batch.length), tf.mul(loss.ce, batch.length), tf.mul(loss.kd, batch.length), correct]) as tf.Tensor1D);
            return loss.total;
          }, vars);
          optimizer.applyGradients(grads as unknown as Parameters<typeof optimizer.applyGradients>[0]);
          sums.assign(tf.add(sums, parts!));
          parts!.dispose();
        });
      }
      const [loss, ce, kd, correct] = Array.from(sums.dataSync()).map((v) => v / n);
      const testLogits = predictLogits(model, data.test.x);
      const record: EpochRecord = {
        epoch,
        loss,
        ce,
        kd,
        trainAcc: correct,
        testAcc: accuracy(testLogits, data.test.y),
        teacherAgreement: data.teacherTest ? agreement(testLogits, data.teacherTest) : null,
        temperature: temperatureSum / steps,
        ms: performance.now() - t0,
      };
      testLogits.dispose();
      if (!Number.isFinite(loss)) throw new Error(`training diverged: loss is ${loss} at epoch ${epoch}`);
      history.push(record);
      hooks.onEpoch?.(record);
      if (epoch % 10 === 0) await new Promise((r) => setImmediate(r)); // let a notebook flush its output
    }
  } finally {
    sums.dispose();
    optimizer.dispose();
  }
  return history;
}

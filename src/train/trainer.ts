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
import { predictLogits } from "../distill/teachers";
import { Rng, deriveSeed, shuffleInPlace } from "../core/seed";

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
  /** Extra weighted loss terms; each is recorded per epoch under `extra`. */
  extraTerms?: LossTerm[];
  /** An optimizer owned by the caller (kept, not disposed): carries state across stages or a resume. Default: a fresh Adam. */
  optimizer?: tf.Optimizer;
  /** Continue a run from a saved state (see TrainState); the model and optimizer must hold the matching weights. */
  resume?: TrainState;
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
  /**
   * Optional per-row label mask over train rows (1 = labelled, 0 = unlabelled).
   * When given, the hard-label cross-entropy is the mean over the labelled rows
   * of each batch (0 for a batch without any), training accuracy counts labelled
   * rows only, and the labels of unlabelled rows are never used: they may hold
   * any value (e.g. −1), as they are replaced by 0 before any loss sees them.
   */
  labelMask?: tf.Tensor1D;
}

export interface EpochRecord {
  epoch: number;
  /** Mean training loss parts over the epoch's samples. */
  loss: number;
  ce: number;
  kd: number;
  /** Mean of each extra loss term, by name (only when there are extra terms). */
  extra?: Record<string, number>;
  /** Training accuracy on the (shuffled, dropout-on) batches of the epoch (labelled rows only with a labelMask). */
  trainAcc: number;
  testAcc: number;
  /** Fraction of test samples where student and teacher predict the same class; null without a teacher. */
  teacherAgreement: number | null;
  /** Mean temperature over the epoch's steps (the constant T when it is fixed). */
  temperature: number;
  ms: number;
}

export interface TrainHooks {
  /** Called after each epoch; may be async (e.g. to write a checkpoint). */
  onEpoch?: (r: EpochRecord, state: TrainState) => unknown;
}

/**
 * An extra loss term added to the objective with its weight (consistency,
 * feature, attention or relational losses). `compute` runs inside the gradient
 * scope, so gradients flow through whatever it builds on `model` or `logits`.
 */
export interface LossTerm {
  name: string;
  weight: number;
  compute: (ctx: { model: tf.LayersModel; x: tf.Tensor2D; y: tf.Tensor1D; indices: tf.Tensor1D; logits: tf.Tensor2D; epoch: number; step: number }) => tf.Scalar;
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

/** Reads a tensor's values asynchronously (WebGPU in Node cannot read synchronously) and disposes it. */
async function readAndDispose(t: tf.Tensor): Promise<Float32Array | Int32Array | Uint8Array> {
  try {
    return (await t.data()) as Float32Array | Int32Array | Uint8Array;
  } finally {
    t.dispose();
  }
}

async function checkData(model: tf.LayersModel, d: TrainData, needsTeacher: boolean): Promise<void> {
  const n = d.train.x.shape[0];
  const classes = (model.outputs[0].shape as number[])[1];
  if (d.train.y.shape[0] !== n) throw new Error(`train.y has ${d.train.y.shape[0]} labels for ${n} rows of train.x`);
  if (d.test.y.shape[0] !== d.test.x.shape[0]) throw new Error(`test.y has ${d.test.y.shape[0]} labels for ${d.test.x.shape[0]} rows of test.x`);
  if (d.labelMask && (d.labelMask.rank !== 1 || d.labelMask.shape[0] !== n)) throw new Error(`labelMask has shape [${d.labelMask.shape}], expected [${n}] (one entry per train row)`);
  const [lo, hi] = await readAndDispose(
    tf.tidy(() => {
      // With a label mask, only the labelled rows' labels are checked (the others are never used).
      const y = d.labelMask ? tf.where(tf.greater(d.labelMask, 0), tf.cast(d.train.y, "int32"), tf.zerosLike(tf.cast(d.train.y, "int32"))) : d.train.y;
      return tf.stack([tf.min(y), tf.max(y)]);
    }),
  );
  if (lo < 0 || hi >= classes) throw new Error(`train labels must be in [0, ${classes - 1}] (the student's classes); found [${lo}, ${hi}]`);
  if (needsTeacher && !d.teacherTrain && !d.teacherTargets) throw new Error("alpha < 1 (distillation) needs teacherTrain logits or teacherTargets");
  if (d.teacherTrain && d.teacherTargets) throw new Error("give teacherTrain or teacherTargets, not both");
  for (const [name, t, rows] of [["teacherTrain", d.teacherTrain, n], ["teacherTest", d.teacherTest, d.test.x.shape[0]]] as const) {
    if (t && (t.shape[0] !== rows || t.shape[1] !== classes)) {
      throw new Error(`${name} has shape [${t.shape}], expected [${rows}, ${classes}] (rows × student classes)`);
    }
  }
}

/** Where a run stands after an epoch: enough, with the weights and optimiser state, to resume it exactly. */
export interface TrainState {
  /** Last completed epoch (0 before training). */
  epoch: number;
  /** Global step count so far. */
  step: number;
  /** State of the shuffling RNG after `epoch`. */
  rngState: number;
  history: EpochRecord[];
}

/** Trains `model` in place and returns the per-epoch history. */
export async function train(model: tf.LayersModel, data: TrainData, config: TrainConfig, hooks: TrainHooks = {}): Promise<EpochRecord[]> {
  checkTrainConfig(config);
  const temperatureAt: TemperatureFn = typeof config.temperature === "function" ? config.temperature : () => (config.temperature as number | undefined) ?? 1;
  const hasTeacher = !!(data.teacherTrain || data.teacherTargets);
  const alpha = config.alpha ?? (hasTeacher ? 0.5 : 1);
  await checkData(model, data, alpha < 1);
  const terms = config.extraTerms ?? [];
  terms.forEach((t, i) => {
    if (!(Number.isFinite(t.weight) && t.weight >= 0)) throw new Error(`extraTerms[${i}] (${t.name}).weight must be ≥ 0; got ${t.weight}`);
  });
  const start = config.resume;
  if (start && !(Number.isInteger(start.epoch) && start.epoch >= 0 && start.epoch <= config.epochs)) {
    throw new Error(`resume.epoch must be an integer in [0, ${config.epochs}]; got ${start.epoch}`);
  }

  const n = data.train.x.shape[0];
  const rng = new Rng(deriveSeed(config.seed, "shuffle"));
  if (start) rng.setState(start.rngState);
  const optimizer = config.optimizer ?? tf.train.adam(config.learningRate);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const order = Array.from({ length: n }, (_, i) => i);
  const history: EpochRecord[] = start ? [...start.history] : [];
  const partNames = ["loss", "ce", "kd", ...terms.map((t) => t.name)];
  let step = start?.step ?? 0;
  const labelledRows = data.labelMask ? (await readAndDispose(tf.tidy(() => tf.sum(tf.cast(tf.greater(data.labelMask!, 0), "float32")))))[0] : null;

  try {
    for (let epoch = (start?.epoch ?? 0) + 1; epoch <= config.epochs; epoch++) {
      const t0 = performance.now();
      // Shuffle the identity order each epoch, so the RNG state alone fixes the order (and resume is exact).
      for (let i = 0; i < n; i++) order[i] = i;
      shuffleInPlace(order, rng);
      const sums = new Float64Array(partNames.length + 1); // loss parts summed over samples, then correct count
      let temperatureSum = 0;
      let steps = 0;
      for (let begin = 0; begin < n; begin += config.batchSize) {
        const batch = order.slice(begin, begin + config.batchSize);
        const temperature = temperatureAt(step);
        checkTemperature(temperature, `temperature at step ${step}`);
        temperatureSum += temperature;
        const partsT = tf.tidy(() => {
          const idx = tf.tensor1d(batch, "int32");
          const xb = tf.gather(data.train.x, idx) as tf.Tensor2D;
          const mb = data.labelMask ? (tf.cast(tf.greater(tf.gather(data.labelMask, idx), 0), "float32") as tf.Tensor1D) : undefined;
          const yRaw = tf.gather(data.train.y, idx) as tf.Tensor1D;
          // Unlabelled rows' labels are replaced by class 0 (weight 0) before any loss or metric reads them.
          const yb = mb ? (tf.where(tf.greater(mb, 0), tf.cast(yRaw, "int32"), tf.zerosLike(tf.cast(yRaw, "int32"))) as tf.Tensor1D) : yRaw;
          const tb = alpha < 1 && data.teacherTrain ? (tf.gather(data.teacherTrain, idx) as tf.Tensor2D) : undefined;
          const qb = alpha < 1 && data.teacherTargets ? data.teacherTargets({ indices: idx, temperature, epoch }) : undefined;
          let parts: tf.Tensor1D | undefined;
          const { grads } = tf.variableGrads(() => {
            const logits = model.apply(xb, { training: true }) as tf.Tensor2D;
            const loss = distillationLoss({ studentLogits: logits, teacherLogits: tb, targetProbs: qb, labels: yb, temperature, alpha });
            let base = loss.total;
            let ce = loss.ce;
            if (mb) {
              // Hard-label CE over the labelled rows of the batch only.
              const rowCe = tf.neg(tf.sum(tf.mul(tf.oneHot(yb, logits.shape[1]), tf.logSoftmax(logits)), 1));
              ce = tf.div(tf.sum(tf.mul(rowCe, mb)), tf.maximum(tf.sum(mb), 1)) as tf.Scalar;
              base = tf.add(tf.mul(ce, alpha), tf.mul(loss.kd, 1 - alpha)) as tf.Scalar;
            }
            const extra = terms.map((t) => t.compute({ model, x: xb, y: yb, indices: idx, logits, epoch, step }));
            const total = extra.reduce<tf.Scalar>((acc, v, i) => tf.add(acc, tf.mul(v, terms[i].weight)), base);
            const hit = tf.cast(tf.equal(tf.argMax(logits, 1), yb), "float32");
            const correct = tf.sum(mb ? tf.mul(hit, mb) : hit);
            parts = tf.keep(tf.stack([total, ce, loss.kd, ...extra, tf.div(correct, batch.length)]) as tf.Tensor1D);
            return total;
          }, vars);
          optimizer.applyGradients(grads as unknown as Parameters<typeof optimizer.applyGradients>[0]);
          return parts!;
        });
        const values = await readAndDispose(partsT);
        for (let i = 0; i < partNames.length; i++) {
          if (!Number.isFinite(values[i])) {
            throw new Error(`training diverged at step ${step} (epoch ${epoch}): loss part "${partNames[i]}" is ${values[i]}`);
          }
        }
        values.forEach((v, i) => (sums[i] += v * batch.length));
        steps++;
        step++;
      }
      const mean = Array.from(sums, (v) => v / n);
      if (labelledRows !== null) mean[partNames.length] = labelledRows > 0 ? sums[partNames.length] / labelledRows : 0;
      const [testAcc, teacherAgreement] = await readAndDispose(
        tf.tidy(() => {
          const testLogits = predictLogits(model, data.test.x);
          const pred = tf.argMax(testLogits, 1);
          const acc = tf.mean(tf.cast(tf.equal(pred, tf.cast(data.test.y, "int32")), "float32"));
          const agree = data.teacherTest ? tf.mean(tf.cast(tf.equal(pred, tf.argMax(data.teacherTest, 1)), "float32")) : tf.scalar(NaN);
          return tf.stack([acc, agree]);
        }),
      );
      const record: EpochRecord = {
        epoch,
        loss: mean[0],
        ce: mean[1],
        kd: mean[2],
        ...(terms.length ? { extra: Object.fromEntries(terms.map((t, i) => [t.name, mean[3 + i]])) } : {}),
        trainAcc: mean[partNames.length],
        testAcc,
        teacherAgreement: data.teacherTest ? teacherAgreement : null,
        temperature: temperatureSum / steps,
        ms: performance.now() - t0,
      };
      history.push(record);
      await hooks.onEpoch?.(record, { epoch, step, rngState: rng.getState(), history });
      if (epoch % 10 === 0) await new Promise((r) => setImmediate(r)); // let a notebook flush its output
    }
  } finally {
    if (!config.optimizer) optimizer.dispose();
  }
  return history;
}

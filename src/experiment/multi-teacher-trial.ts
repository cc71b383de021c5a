/**
 * One student run of a multi-teacher experiment: the student's rows of the fit
 * set (fixed by the seed, shared by every variant of that seed), the teacher
 * weights of its weighting (fixed, per epoch or per sample), the fused soft
 * targets and the training run. A trial is plain data; it runs here or in a
 * worker process (multiTeacherSweepTrial, with multiTeacherSetup) with the same
 * numbers.
 */
import * as tf from "@tensorflow/tfjs";
import { Tensors } from "../data/dataset";
import { labelledFraction } from "../data/split";
import { WeightSource, checkWeights, fuseTargets, fusedTargetFn, normalisedWeights, perSampleWeights, softmaxWeights, studentAwareWeights } from "../distill/multi-teacher";
import { accuracy } from "../distill/teachers";
import { buildMlp } from "../models/mlp";
import { TrainHooks, train } from "../train/trainer";
import { deriveSeed } from "../core/seed";
import type { TrialContext } from "./parallel";
import type { SweepTrialSpec } from "./sweep";
import { checkWeighting } from "./multi-teacher-checks";
import type { MultiTeacherContext, MultiTeacherShared, MultiTeacherTrialResult, MultiTeacherTrialSpec, TeacherSummary, Weighting } from "./multi-teacher-types";

// The worker processes load this module: they need the setup next to the trial function.
export { multiTeacherSetup } from "./multi-teacher-context";

/** Fixed teacher weights from validation accuracy (normalised, or a softmax of it). */
export function validationAccuracyWeights(teachers: TeacherSummary[], temperature?: number): number[] {
  const acc = teachers.map((t) => t.valAcc);
  return temperature === undefined ? normalisedWeights(acc, "teacher validation accuracies") : softmaxWeights(acc, temperature, "val-accuracy temperature");
}

/** Static weights for a weighting that has them (uniform, single, val-accuracy); null otherwise. */
export function staticWeights(ctx: MultiTeacherContext, w: Weighting): number[] | null {
  const k = ctx.bank.teachers.length;
  if (w.kind === "uniform") return new Array<number>(k).fill(1 / k);
  if (w.kind === "single") return Array.from({ length: k }, (_, i) => (i === w.teacher ? 1 : 0));
  if (w.kind === "val-accuracy") return validationAccuracyWeights(ctx.bank.teachers, w.temperature);
  return null;
}

/** Test accuracy of the teachers' fused probabilities (T = 1) under fixed weights: the ensemble itself. */
export function ensembleTestAccuracy(ctx: MultiTeacherContext, weights: number[]): number {
  checkWeights(weights, ctx.bank.teachers.length);
  return tf.tidy(() => {
    const q = fuseTargets(ctx.bank.test, tf.tensor1d(weights), 1);
    return accuracy(tf.log(tf.maximum(q, 1e-30)) as tf.Tensor2D, ctx.test.y);
  });
}

/**
 * The fit rows (indices into them) a student of this seed trains on: all of
 * them for fraction 1, else a stratified fraction drawn with a seed derived
 * from the trial seed, so every variant of a seed gets the same rows.
 */
export function studentRows(fitLabels: ArrayLike<number>, trainFraction: number, seed: number): number[] {
  const all = Array.from({ length: fitLabels.length }, (_, i) => i);
  if (trainFraction === 1) return all;
  return labelledFraction(fitLabels, all, trainFraction, deriveSeed(seed, "student-rows", trainFraction)).labelled;
}

/** Optimiser steps of a run: one per batch, the last batch of an epoch possibly smaller. */
export function studentSteps(rows: number, batchSize: number, epochs: number): number {
  return Math.ceil(rows / batchSize) * epochs;
}

/** Epochs that give `rows` about as many optimiser steps as `refEpochs` over `refRows` (same batch size). */
export function stepMatchedEpochs(refRows: number, refEpochs: number, rows: number, batchSize: number): number {
  return Math.max(1, Math.round(studentSteps(refRows, batchSize, refEpochs) / Math.ceil(rows / batchSize)));
}

/**
 * Where the weighting's teacher weights come from. Student-aware weights are
 * computed at the start of each epoch (the trainer's awaited onEpochStart
 * hook), from the student's predictions on the validation rows read
 * asynchronously; weightsAt then returns that epoch's weights.
 */
function weightSource(ctx: MultiTeacherContext, w: Weighting, student: tf.LayersModel, rows: { logits: tf.Tensor3D; y: tf.Tensor1D }, owned: tf.Tensor[]): { source: WeightSource; hooks: TrainHooks } {
  const fixed = staticWeights(ctx, w);
  if (fixed) return { source: { kind: "static", weights: fixed }, hooks: {} };
  if (w.kind === "per-sample") {
    // On the rows the student trains on, in its own row order.
    const weights = perSampleWeights(rows.logits, rows.y, w.temperature);
    owned.push(weights);
    return { source: { kind: "per-sample", weights }, hooks: {} };
  }
  if (w.kind === "student-aware") {
    const temperature = w.temperature;
    const byEpoch = new Map<number, number[]>();
    const onEpochStart = async (epoch: number) => {
      const predT = tf.tidy(() => tf.argMax(student.predict(ctx.val.x) as tf.Tensor2D, 1));
      const pred = await predT.data();
      predT.dispose();
      byEpoch.set(epoch, studentAwareWeights({ valCE: ctx.bank.valCERows, valLabels: ctx.valLabels, studentPred: pred, temperature }).weights);
    };
    const weightsAt = (epoch: number) => {
      const weights = byEpoch.get(epoch);
      if (!weights) throw new Error(`student-aware weights for epoch ${epoch} were not computed at its start`);
      return weights;
    };
    return { source: { kind: "per-epoch", weightsAt }, hooks: { onEpochStart } };
  }
  throw new Error(`weighting "${w.kind}" has no teacher weights`);
}

/** Keeps every epoch up to 60 epochs; beyond, about 60 evenly spaced ones plus the first and last. */
function keptEpoch(epoch: number, epochs: number): boolean {
  const every = Math.max(1, Math.ceil(epochs / 60));
  return epoch % every === 0 || epoch === 1 || epoch === epochs;
}

/**
 * One student run on its rows of the fit set (studentRows); the seed fixes the
 * rows, init and shuffling, shared by every variant.
 */
export async function runMultiTeacherTrial(ctx: MultiTeacherContext, spec: MultiTeacherTrialSpec): Promise<MultiTeacherTrialResult> {
  checkWeighting(spec.weighting, ctx.bank.teachers.length, "weighting");
  if (!(Number.isFinite(spec.trainFraction) && spec.trainFraction > 0 && spec.trainFraction <= 1)) throw new Error(`trainFraction must be in (0, 1]; got ${spec.trainFraction}`);
  const t0 = performance.now();
  const rowIdx = studentRows(ctx.fitLabels, spec.trainFraction, spec.seed);
  const owned: tf.Tensor[] = [];
  const model = buildMlp({ inputDim: ctx.fit.x.shape[1], hidden: spec.student.hidden, outputDim: ctx.numClasses, activation: spec.student.activation, dropout: spec.student.dropout, seed: deriveSeed(spec.seed, "student-init") });
  try {
    let trainSet: Tensors = ctx.fit;
    let logits = ctx.bank.fit;
    if (rowIdx.length < ctx.fitLabels.length) {
      const idx = tf.tensor1d(rowIdx, "int32");
      trainSet = { x: tf.gather(ctx.fit.x, idx) as tf.Tensor2D, y: tf.gather(ctx.fit.y, idx) as tf.Tensor1D };
      logits = tf.gather(ctx.bank.fit, idx, 1) as tf.Tensor3D;
      owned.push(idx, trainSet.x, trainSet.y, logits);
    }
    const ws = spec.weighting.kind === "hard" ? null : weightSource(ctx, spec.weighting, model, { logits, y: trainSet.y }, owned);
    const fused = ws ? fusedTargetFn(logits, ws.source) : null;
    const history = await train(
      model,
      { train: trainSet, test: ctx.test, teacherTargets: fused?.targets },
      { epochs: spec.student.epochs, batchSize: spec.student.batchSize, learningRate: spec.student.learningRate, seed: deriveSeed(spec.seed, "student-train"), temperature: spec.temperature, alpha: spec.alpha },
      ws?.hooks ?? {},
    );
    const epochs = spec.student.epochs;
    return {
      variant: spec.variant,
      seed: spec.seed,
      testAcc: history[history.length - 1].testAcc,
      trainRows: rowIdx.length,
      steps: studentSteps(rowIdx.length, spec.student.batchSize, epochs),
      curve: history.filter((h) => keptEpoch(h.epoch, epochs)).map((h) => ({ epoch: h.epoch, testAcc: h.testAcc })),
      weights: fused ? fused.weightLog.filter((w) => keptEpoch(w.epoch, epochs)) : [],
      ms: performance.now() - t0,
    };
  } finally {
    model.dispose();
    owned.forEach((t) => t.dispose());
  }
}

/** A sweep point: a trial without its seed. */
export type MultiTeacherPoint = Omit<MultiTeacherTrialSpec, "seed">;

/** The trial function the sweep runs, in this process or a worker. */
export function multiTeacherSweepTrial(t: SweepTrialSpec<MultiTeacherPoint>, tctx: TrialContext<MultiTeacherShared, MultiTeacherContext>): Promise<MultiTeacherTrialResult> {
  const p = t.point;
  return runMultiTeacherTrial(tctx.setup, { variant: p.variant, weighting: p.weighting, seed: t.seed, student: p.student, trainFraction: p.trainFraction, temperature: p.temperature, alpha: p.alpha });
}

/** The same for one trial spec (runTrials' older calling convention). */
export function multiTeacherTrial(spec: MultiTeacherTrialSpec, tctx: TrialContext<MultiTeacherShared, MultiTeacherContext>): Promise<MultiTeacherTrialResult> {
  return runMultiTeacherTrial(tctx.setup, spec);
}

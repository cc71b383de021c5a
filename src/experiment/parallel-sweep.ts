/**
 * One trial of the temperature sweep (one student run for a setting, a seed
 * and a temperature or the hard-label baseline), in the form runTrials
 * (parallel.ts) runs in worker processes: plain-data trials, the data and the
 * teacher's cached logits shared as typed arrays, tensors built once per
 * process by sweepSetup.
 */
import * as tf from "@tensorflow/tfjs";
import { labelledFraction } from "../data/split";
import type { TrialContext } from "./parallel";
import { runStudent } from "./runs";
import type { MlpTrainSpec } from "./runs";
import { deriveSeed } from "../core/seed";

export interface SweepSetting {
  name: string;
  /** Fraction of the training rows the student sees (stratified, seeded); 1 = all. */
  trainFraction: number;
  epochs: number;
}

export interface SweepRow {
  setting: string;
  variant: string;
  /** null for the hard-label baseline. */
  temperature: number | null;
  seed: number;
  trainSamples: number;
  epochs: number;
  testAcc: number;
  teacherAgreement: number | null;
  ms: number;
}

export interface CurvePoint {
  setting: string;
  variant: string;
  seed: number;
  epoch: number;
  testAcc: number;
}

/** Everything a worker needs besides its trial; sent once to each worker. */
export interface SweepShared {
  numFeatures: number;
  numClasses: number;
  /** Class labels of the training rows, as the caller's Dataset has them (picks the subsets). */
  labels: Int32Array;
  trainX: Float32Array;
  trainY: Int32Array;
  testX: Float32Array;
  testY: Int32Array;
  /** Teacher logits, rows × classes, on the train and test rows. */
  teacherTrain: Float32Array;
  teacherTest: Float32Array;
}

export interface SweepTrial {
  setting: SweepSetting;
  seed: number;
  /** null for the hard-label baseline. */
  temperature: number | null;
  student: Omit<MlpTrainSpec, "epochs">;
  alpha: number;
}

export interface SweepTrialResult {
  row: SweepRow;
  curve: CurvePoint[];
  params: number;
}

export interface SweepContext {
  trainX: tf.Tensor2D;
  trainY: tf.Tensor1D;
  testX: tf.Tensor2D;
  testY: tf.Tensor1D;
  teacherTrain: tf.Tensor2D;
  teacherTest: tf.Tensor2D;
  dispose(): void;
}

export const variantName = (temperature: number | null): string => (temperature === null ? "hard labels" : `T=${temperature}`);

/** The shared data of a sweep, copied out of the caller's tensors. */
export function sweepShared(data: { train: { y: Int32Array; numFeatures: number; numClasses: number }; trainT: { x: tf.Tensor2D; y: tf.Tensor1D }; testT: { x: tf.Tensor2D; y: tf.Tensor1D } }, teacher: { train: tf.Tensor2D; test: tf.Tensor2D }): SweepShared {
  const f32 = (t: tf.Tensor) => Float32Array.from(t.dataSync() as Float32Array);
  const i32 = (t: tf.Tensor) => Int32Array.from(t.dataSync() as Int32Array);
  return {
    numFeatures: data.trainT.x.shape[1],
    numClasses: data.train.numClasses,
    labels: Int32Array.from(data.train.y),
    trainX: f32(data.trainT.x),
    trainY: i32(data.trainT.y),
    testX: f32(data.testT.x),
    testY: i32(data.testT.y),
    teacherTrain: f32(teacher.train),
    teacherTest: f32(teacher.test),
  };
}

/** Per-process setup: the shared arrays as tensors (float32 data and int32 labels, as Dataset.toTensors makes them). */
export function sweepSetup(s: SweepShared): SweepContext {
  const nTrain = s.trainY.length;
  const nTest = s.testY.length;
  const ctx = {
    trainX: tf.tensor2d(s.trainX, [nTrain, s.numFeatures], "float32"),
    trainY: tf.tensor1d(s.trainY, "int32"),
    testX: tf.tensor2d(s.testX, [nTest, s.numFeatures], "float32"),
    testY: tf.tensor1d(s.testY, "int32"),
    teacherTrain: tf.tensor2d(s.teacherTrain, [nTrain, s.numClasses], "float32"),
    teacherTest: tf.tensor2d(s.teacherTest, [nTest, s.numClasses], "float32"),
    dispose() {
      [ctx.trainX, ctx.trainY, ctx.testX, ctx.testY, ctx.teacherTrain, ctx.teacherTest].forEach((t) => t.dispose());
    },
  };
  return ctx;
}

/** The training rows a (setting, seed) uses; every variant of it shares them. */
export function sweepRows(labels: ArrayLike<number>, setting: SweepSetting, seed: number): number[] {
  const all = Array.from({ length: labels.length }, (_, i) => i);
  return setting.trainFraction < 1 ? labelledFraction(labels, all, setting.trainFraction, deriveSeed(seed, "subset", setting.name)).labelled : all;
}

/** One student run of the sweep. */
/** A grid point of the temperature sweep: everything of a trial but its seed. */
export type SweepPoint = Omit<SweepTrial, "seed">;

/** sweepTrial as the sweep runner calls it: a grid point and a seed. */
export function sweepPointTrial(t: { point: SweepPoint; seed: number }, ctx: TrialContext<SweepShared, SweepContext>): Promise<SweepTrialResult> {
  return sweepTrial({ ...t.point, seed: t.seed }, ctx);
}

export async function sweepTrial(trial: SweepTrial, ctx: TrialContext<SweepShared, SweepContext>): Promise<SweepTrialResult> {
  const { setting, seed, temperature } = trial;
  const d = ctx.setup;
  const rowsIdx = sweepRows(ctx.shared.labels, setting, seed);
  const idx = tf.tensor1d(rowsIdx, "int32");
  const train = { x: tf.gather(d.trainX, idx) as tf.Tensor2D, y: tf.gather(d.trainY, idx) as tf.Tensor1D };
  const teacherTrain = tf.gather(d.teacherTrain, idx) as tf.Tensor2D;
  try {
    const variant = variantName(temperature);
    const run = await runStudent({
      train,
      test: { x: d.testX, y: d.testY },
      teacher: { train: teacherTrain, test: d.teacherTest },
      numClasses: ctx.shared.numClasses,
      spec: { ...trial.student, epochs: setting.epochs },
      temperature: temperature ?? 1,
      alpha: temperature === null ? 1 : trial.alpha,
      seed: deriveSeed(seed, "student"),
    });
    return {
      row: { setting: setting.name, variant, temperature, seed, trainSamples: rowsIdx.length, epochs: setting.epochs, testAcc: run.testAcc, teacherAgreement: run.teacherAgreement, ms: run.ms },
      curve: run.history.map((h) => ({ setting: setting.name, variant, seed, epoch: h.epoch, testAcc: h.testAcc })),
      params: run.params,
    };
  } finally {
    [idx, train.x, train.y, teacherTrain].forEach((t) => t.dispose());
  }
}

/**
 * Multi-teacher distillation: K teachers of different capacity trained on the
 * same rows, a stratified validation split held out from the training rows for
 * weighting them (the test set is never used for weights), and one student
 * distilled from each single teacher and from the fused ensemble under several
 * weightings, over several seeds, all with the same budget.
 *
 * Teacher logits on the fit, validation and test rows are computed once per
 * context (prepareMultiTeacherContext) and shared by every trial. Trials are
 * plain data; runMultiTeacherTrial(context, spec) derives everything from the
 * spec's seed, so multiTeacherSweep spreads them over processes with runTrials
 * (parallel.ts; one context each, rebuilt from the shared arrays).
 *
 * A config may give the student only a stratified fraction of the fit rows
 * (trainFraction; the teachers and the validation rows stay the same): the
 * rows are drawn per seed, the same for every variant of that seed, and
 * per-sample weights are computed on exactly those rows.
 */
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { Tensors } from "../data/dataset";
import { loadDigits } from "../data/digits";
import { labelledFraction } from "../data/split";
import {
  WeightSource,
  stackTeacherLogits,
  checkWeights,
  fuseTargets,
  fusedTargetFn,
  normalisedWeights,
  perSampleCrossEntropy,
  perSampleWeights,
  softmaxWeights,
  studentAwareWeights,
} from "../distill/multi-teacher";
import { checkAlpha, checkTemperature } from "../distill/temperature";
import { accuracy, predictLogits } from "../distill/teachers";
import { buildMlp, describeMlp } from "../models/mlp";
import { train } from "../train/trainer";
import { TrialContext, TrialDone, runTrials } from "./parallel";
import { Progress } from "./progress";
import { meanSd, pct, pts } from "../analysis/format";
import { MlpTrainSpec } from "./runs";
import { deriveSeed } from "../core/seed";
import { PairBy, pairedComparison as pairedOverSeeds, summarize, tCrit95 } from "../analysis/stats";

export interface TeacherSpec extends MlpTrainSpec {
  name: string;
  seed: number;
}

/** How the teachers' soft targets are weighted (plain data). */
export type Weighting =
  | { kind: "hard" }
  | { kind: "single"; teacher: number }
  | { kind: "uniform" }
  /** Fixed from validation accuracy: proportional to it, or softmax(acc / temperature) when a temperature is given. */
  | { kind: "val-accuracy"; temperature?: number }
  /** Re-computed every epoch from the teachers' validation cross-entropy on the rows the student gets wrong (see studentAwareWeights). */
  | { kind: "student-aware"; temperature: number }
  /** Per training row: softmax_k(−CE_k(i) / temperature) (CA-MKD). */
  | { kind: "per-sample"; temperature: number };

export interface MultiTeacherVariant {
  name: string;
  weighting: Weighting;
}

/** What the student runs need; the teachers come as a context (their names must match). */
export interface MultiTeacherRunConfig {
  teachers: { name: string }[];
  student: MlpTrainSpec;
  /**
   * Stratified fraction of the fit rows the student trains on, in (0, 1]; default 1 (all of them).
   * The teachers always train on all fit rows and the validation rows are the same.
   */
  trainFraction?: number;
  temperature: number;
  alpha: number;
  seeds: number[];
  variants: MultiTeacherVariant[];
}

/** Notebook 03's experiment: MLP teachers trained on the digits, then the student runs. */
export interface MultiTeacherConfig extends MultiTeacherRunConfig {
  dataSeed: number;
  /** Fraction of the training rows held out (stratified) as the validation split for weighting. */
  valFraction: number;
  splitSeed: number;
  teachers: TeacherSpec[];
}

export interface MultiTeacherTrialSpec {
  variant: string;
  weighting: Weighting;
  seed: number;
  student: MlpTrainSpec;
  /** Fraction of the fit rows the student trains on (1 = all); the rows follow from the seed (studentRows). */
  trainFraction: number;
  temperature: number;
  alpha: number;
}

export interface MultiTeacherTrialResult {
  variant: string;
  seed: number;
  testAcc: number;
  /** Rows the student trained on. */
  trainRows: number;
  /** Optimiser steps taken. */
  steps: number;
  /** Test accuracy per epoch (every epoch up to 60 epochs; beyond, about 60 evenly spaced epochs plus the first and last). */
  curve: { epoch: number; testAcc: number }[];
  /** Teacher weights used in each epoch (per-sample: mean over the training rows), on the curve's epochs; empty for hard labels. */
  weights: { epoch: number; weights: number[] }[];
  ms: number;
}

export interface TeacherSummary {
  name: string;
  arch: string;
  params: number;
  epochs: number;
  valAcc: number;
  /** Mean cross-entropy on the validation rows (nats). */
  valCE: number;
  testAcc: number;
}

/** Teacher logits cached once, [K, rows, C], on each input set. */
export interface TeacherBank {
  teachers: TeacherSummary[];
  fit: tf.Tensor3D;
  val: tf.Tensor3D;
  test: tf.Tensor3D;
  /** Per-row validation cross-entropy, [K][nVal], for the per-epoch weights. */
  valCERows: number[][];
}

export interface MultiTeacherContext {
  fit: Tensors;
  val: Tensors;
  test: Tensors;
  numClasses: number;
  bank: TeacherBank;
  /** Labels of the fit rows (the student's row subsets are stratified on them). */
  fitLabels: Int32Array;
  valLabels: Int32Array;
  dispose(): void;
}

export function checkWeighting(w: Weighting, numTeachers: number, field: string): void {
  switch (w.kind) {
    case "hard":
    case "uniform":
      return;
    case "single":
      if (!Number.isInteger(w.teacher) || w.teacher < 0 || w.teacher >= numTeachers) throw new Error(`${field}.teacher must be an index in [0, ${numTeachers - 1}]; got ${w.teacher}`);
      return;
    case "val-accuracy":
      if (w.temperature !== undefined) checkTemperature(w.temperature, `${field}.temperature`);
      return;
    case "student-aware":
    case "per-sample":
      checkTemperature(w.temperature, `${field}.temperature`);
      return;
    default:
      throw new Error(`${field}.kind must be one of hard, single, uniform, val-accuracy, student-aware, per-sample; got ${JSON.stringify((w as { kind?: unknown }).kind)}`);
  }
}

export function checkMultiTeacherConfig(c: MultiTeacherConfig): void {
  if (!(c.valFraction > 0 && c.valFraction < 1)) throw new Error(`valFraction must be in (0, 1); got ${c.valFraction}`);
  checkMultiTeacherRunConfig(c);
}

export function checkMultiTeacherRunConfig(c: MultiTeacherRunConfig): void {
  if (c.trainFraction !== undefined && !(Number.isFinite(c.trainFraction) && c.trainFraction > 0 && c.trainFraction <= 1)) {
    throw new Error(`trainFraction must be in (0, 1]; got ${c.trainFraction}`);
  }
  if (!Number.isInteger(c.student.epochs) || c.student.epochs <= 0) throw new Error(`student.epochs must be a positive integer; got ${c.student.epochs}`);
  if (!Number.isInteger(c.student.batchSize) || c.student.batchSize <= 0) throw new Error(`student.batchSize must be a positive integer; got ${c.student.batchSize}`);
  if (c.teachers.length === 0) throw new Error("teachers must list at least one teacher");
  checkTemperature(c.temperature);
  checkAlpha(c.alpha);
  if (c.alpha === 1) throw new Error("alpha = 1 ignores the teachers: every weighting would equal the hard-label baseline");
  if (c.seeds.length === 0) throw new Error("seeds must list at least one seed");
  const names = new Set<string>();
  c.variants.forEach((v, i) => {
    if (names.has(v.name)) throw new Error(`variants[${i}].name "${v.name}" is used twice`);
    names.add(v.name);
    checkWeighting(v.weighting, c.teachers.length, `variants[${i}].weighting`);
  });
}

/**
 * Digits; a stratified validation split of the training rows; every teacher
 * trained on the remaining (fit) rows; their logits cached on fit, validation
 * and test rows. The teacher models are released once their logits are cached.
 */
export async function prepareMultiTeacherContext(config: MultiTeacherConfig, log = true): Promise<MultiTeacherContext> {
  checkMultiTeacherConfig(config);
  const data = loadDigits({ seed: config.dataSeed });
  const all = Array.from({ length: data.train.numSamples }, (_, i) => i);
  const { labelled: fitIdx, unlabelled: valIdx } = labelledFraction(data.train.y, all, 1 - config.valFraction, config.splitSeed);
  const fitDs = data.train.subset(fitIdx);
  const valDs = data.train.subset(valIdx);
  const fit = fitDs.toTensors();
  const val = valDs.toTensors();
  const test = data.test.toTensors();
  const C = data.train.numClasses;
  const models: tf.LayersModel[] = [];
  const logits: TeacherLogits[] = [];
  try {
    for (const spec of config.teachers) {
      const t0 = performance.now();
      const model = buildMlp({ inputDim: data.train.numFeatures, hidden: spec.hidden, outputDim: C, activation: spec.activation, dropout: spec.dropout, seed: deriveSeed(spec.seed, "teacher-init", spec.name) });
      models.push(model);
      await train(model, { train: fit, test: val }, { epochs: spec.epochs, batchSize: spec.batchSize, learningRate: spec.learningRate, seed: deriveSeed(spec.seed, "teacher-train", spec.name) });
      const arch = describeMlp({ inputDim: data.train.numFeatures, hidden: spec.hidden, outputDim: C });
      logits.push({ name: spec.name, arch, params: model.countParams(), epochs: spec.epochs, fit: predictLogits(model, fit.x), val: predictLogits(model, val.x), test: predictLogits(model, test.x) });
      if (log) console.log(`teacher ${spec.name} (${arch}, ${spec.epochs} epochs) trained in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    return multiTeacherContextFrom({ fit, val, test, numClasses: C, teachers: logits, ownsData: true });
  } catch (e) {
    [fit.x, fit.y, val.x, val.y, test.x, test.y].forEach((t) => t.dispose());
    throw e;
  } finally {
    models.forEach((m) => m.dispose());
    logits.forEach((l) => [l.fit, l.val, l.test].forEach((t) => t.dispose()));
  }
}

/** One teacher's logits on the fit, validation and test rows, with what the reports show of it. */
export interface TeacherLogits {
  name: string;
  arch: string;
  params: number;
  epochs: number;
  fit: tf.Tensor2D;
  val: tf.Tensor2D;
  test: tf.Tensor2D;
}

/**
 * A context from teachers trained elsewhere (e.g. cached CNNs): their logits
 * are stacked (copied; the caller keeps its own) and scored on the validation
 * and test rows. With ownsData the context also disposes fit/val/test.
 */
export function multiTeacherContextFrom(args: { fit: Tensors; val: Tensors; test: Tensors; numClasses: number; teachers: TeacherLogits[]; ownsData: boolean }): MultiTeacherContext {
  const { fit, val, test, numClasses: C } = args;
  const stack = (which: "fit" | "val" | "test", rows: number) => {
    args.teachers.forEach((t) => {
      if (t[which].shape[0] !== rows) throw new Error(`teacher "${t.name}" has logits for ${t[which].shape[0]} ${which} rows; the ${which} set has ${rows}`);
    });
    return stackTeacherLogits(args.teachers.map((t) => t[which]), C, "teachers");
  };
  const bank: TeacherBank = {
    teachers: args.teachers.map((t) => ({ name: t.name, arch: t.arch, params: t.params, epochs: t.epochs, valAcc: 0, valCE: 0, testAcc: 0 })),
    fit: stack("fit", fit.x.shape[0]),
    val: stack("val", val.x.shape[0]),
    test: stack("test", test.x.shape[0]),
    valCERows: [],
  };
  const ce = perSampleCrossEntropy(bank.val, val.y);
  bank.valCERows = (ce.arraySync() as number[][]).map((r) => r.map(Number));
  ce.dispose();
  bank.teachers.forEach((t, k) => {
    t.valAcc = accuracy(args.teachers[k].val, val.y);
    t.testAcc = accuracy(args.teachers[k].test, test.y);
    t.valCE = bank.valCERows[k].reduce((a, b) => a + b, 0) / bank.valCERows[k].length;
  });
  return {
    fit,
    val,
    test,
    numClasses: C,
    bank,
    fitLabels: Int32Array.from(fit.y.dataSync() as Int32Array),
    valLabels: Int32Array.from(val.y.dataSync() as Int32Array),
    dispose() {
      [bank.fit, bank.val, bank.test].forEach((t) => t.dispose());
      if (args.ownsData) [fit.x, fit.y, val.x, val.y, test.x, test.y].forEach((t) => t.dispose());
    },
  };
}

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

export function multiTeacherTrials<C extends MultiTeacherRunConfig>(config: C): MultiTeacherTrialSpec[] {
  checkMultiTeacherRunConfig(config);
  const trainFraction = config.trainFraction ?? 1;
  return config.seeds.flatMap((seed) =>
    config.variants.map((v) => ({ variant: v.name, weighting: v.weighting, seed, student: config.student, trainFraction, temperature: config.temperature, alpha: v.weighting.kind === "hard" ? 1 : config.alpha })),
  );
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

function weightSource(ctx: MultiTeacherContext, w: Weighting, student: tf.LayersModel, rows: { logits: tf.Tensor3D; y: tf.Tensor1D }, owned: tf.Tensor[]): WeightSource {
  const fixed = staticWeights(ctx, w);
  if (fixed) return { kind: "static", weights: fixed };
  if (w.kind === "per-sample") {
    // On the rows the student trains on, in its own row order.
    const weights = perSampleWeights(rows.logits, rows.y, w.temperature);
    owned.push(weights);
    return { kind: "per-sample", weights };
  }
  if (w.kind === "student-aware") {
    const temperature = w.temperature;
    return {
      kind: "per-epoch",
      weightsAt: () => {
        const pred = tf.tidy(() => tf.argMax(student.predict(ctx.val.x) as tf.Tensor2D, 1).dataSync());
        return studentAwareWeights({ valCE: ctx.bank.valCERows, valLabels: ctx.valLabels, studentPred: pred, temperature }).weights;
      },
    };
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
    const fused = spec.weighting.kind === "hard" ? null : fusedTargetFn(logits, weightSource(ctx, spec.weighting, model, { logits, y: trainSet.y }, owned));
    const history = await train(
      model,
      { train: trainSet, test: ctx.test, teacherTargets: fused?.targets },
      { epochs: spec.student.epochs, batchSize: spec.student.batchSize, learningRate: spec.student.learningRate, seed: deriveSeed(spec.seed, "student-train"), temperature: spec.temperature, alpha: spec.alpha },
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

/** What each worker process gets once: the context's tensors as typed arrays. */
export interface MultiTeacherShared {
  numFeatures: number;
  numClasses: number;
  teachers: TeacherSummary[];
  fitX: Float32Array;
  fitY: Int32Array;
  valX: Float32Array;
  valY: Int32Array;
  testX: Float32Array;
  testY: Int32Array;
  /** Teacher logits [K, rows, C], flattened. */
  bankFit: Float32Array;
  bankVal: Float32Array;
  bankTest: Float32Array;
  valCERows: number[][];
}

export function multiTeacherShared(ctx: MultiTeacherContext): MultiTeacherShared {
  const f32 = (t: tf.Tensor) => Float32Array.from(t.dataSync() as Float32Array);
  const i32 = (t: tf.Tensor) => Int32Array.from(t.dataSync() as Int32Array);
  return {
    numFeatures: ctx.fit.x.shape[1],
    numClasses: ctx.numClasses,
    teachers: ctx.bank.teachers,
    fitX: f32(ctx.fit.x),
    fitY: i32(ctx.fit.y),
    valX: f32(ctx.val.x),
    valY: i32(ctx.val.y),
    testX: f32(ctx.test.x),
    testY: i32(ctx.test.y),
    bankFit: f32(ctx.bank.fit),
    bankVal: f32(ctx.bank.val),
    bankTest: f32(ctx.bank.test),
    valCERows: ctx.bank.valCERows,
  };
}

/** Per-process setup for runTrials: the context rebuilt from the shared arrays (same values as the caller's). */
export function multiTeacherSetup(s: MultiTeacherShared): MultiTeacherContext {
  const k = s.teachers.length;
  const rows = (y: Int32Array) => y.length;
  const set = (x: Float32Array, y: Int32Array): Tensors => ({ x: tf.tensor2d(x, [rows(y), s.numFeatures], "float32"), y: tf.tensor1d(y, "int32") });
  const fit = set(s.fitX, s.fitY);
  const val = set(s.valX, s.valY);
  const test = set(s.testX, s.testY);
  const stack = (z: Float32Array, n: number) => tf.tensor3d(z, [k, n, s.numClasses], "float32");
  const bank: TeacherBank = { teachers: s.teachers, fit: stack(s.bankFit, rows(s.fitY)), val: stack(s.bankVal, rows(s.valY)), test: stack(s.bankTest, rows(s.testY)), valCERows: s.valCERows };
  return {
    fit,
    val,
    test,
    numClasses: s.numClasses,
    bank,
    fitLabels: Int32Array.from(s.fitY),
    valLabels: Int32Array.from(s.valY),
    dispose() {
      [fit.x, fit.y, val.x, val.y, test.x, test.y, bank.fit, bank.val, bank.test].forEach((t) => t.dispose());
    },
  };
}

/** The trial function runTrials calls, in this process or a worker. */
export function multiTeacherTrial(spec: MultiTeacherTrialSpec, tctx: TrialContext<MultiTeacherShared, MultiTeacherContext>): Promise<MultiTeacherTrialResult> {
  return runMultiTeacherTrial(tctx.setup, spec);
}

export interface MultiTeacherSweepResult {
  studentArch: string;
  fitRows: number;
  /** Fraction of the fit rows each student trained on, the rows per student, its epochs and optimiser steps. */
  trainFraction: number;
  studentRows: number;
  epochs: number;
  steps: number;
  temperature: number;
  valRows: number;
  teachers: TeacherSummary[];
  /** The ensemble's own test accuracy (T = 1) under each fixed weighting. */
  ensembles: { weighting: string; weights: number[]; testAcc: number }[];
  trials: MultiTeacherTrialSpec[];
  results: MultiTeacherTrialResult[];
}

/**
 * Every (seed, variant) student run of a config, through runTrials: across
 * `workers` processes (default DISTILL_WORKERS or the number of cores; 1 =
 * serially in this process), with the same results either way. The context
 * must come from prepareMultiTeacherContext with the same teachers.
 */
export async function multiTeacherSweep(
  ctx: MultiTeacherContext,
  config: MultiTeacherRunConfig,
  opts: {
    /** Processes to run the student runs in; default DISTILL_WORKERS or the number of cores; 1 = serially in this process. */
    workers?: number;
    /** Prefix of the progress lines; default "multi-teacher". */
    label?: string;
    /** Called once per finished run (in finishing order), after its progress line. */
    onTrial?: (r: TrialDone<MultiTeacherTrialSpec, MultiTeacherTrialResult>) => void;
  } = {},
): Promise<MultiTeacherSweepResult> {
  const trials = multiTeacherTrials(config);
  const names = ctx.bank.teachers.map((t) => t.name);
  if (names.join("\u0000") !== config.teachers.map((t) => t.name).join("\u0000")) {
    throw new Error(`the context's teachers (${names.join(", ")}) are not the config's (${config.teachers.map((t) => t.name).join(", ")})`);
  }
  const progress = new Progress(opts.label ?? "multi-teacher", trials.length);
  const results = await runTrials<MultiTeacherTrialSpec, MultiTeacherTrialResult, MultiTeacherShared, MultiTeacherContext>({
    module: path.join(__dirname, "multi-teacher.ts"),
    fn: "multiTeacherTrial",
    setup: "multiTeacherSetup",
    // In this process the caller's context serves as is (not disposed here).
    local: { fn: multiTeacherTrial, setup: () => ({ ...ctx, dispose() {} }) },
    trials,
    shared: multiTeacherShared(ctx),
    workers: opts.workers,
    describe: (t) => `${t.variant} · seed ${t.seed}`,
    onResult: (r) => {
      progress.log(`${r.description}: test accuracy ${pct(r.result.testAcc)} (${(r.result.ms / 1000).toFixed(1)} s)`, r.done);
      opts.onTrial?.(r);
    },
  });
  const ensembles = config.variants
    .filter((v) => v.weighting.kind === "uniform" || v.weighting.kind === "val-accuracy")
    .map((v) => {
      const weights = staticWeights(ctx, v.weighting)!;
      return { weighting: v.name, weights, testAcc: ensembleTestAccuracy(ctx, weights) };
    });
  const trainFraction = config.trainFraction ?? 1;
  const rows = studentRows(ctx.fitLabels, trainFraction, config.seeds[0]).length;
  return {
    studentArch: describeMlp({ inputDim: ctx.fit.x.shape[1], hidden: config.student.hidden, outputDim: ctx.numClasses }),
    fitRows: ctx.fit.x.shape[0],
    trainFraction,
    studentRows: rows,
    epochs: config.student.epochs,
    steps: studentSteps(rows, config.student.batchSize, config.student.epochs),
    temperature: config.temperature,
    valRows: ctx.val.x.shape[0],
    teachers: ctx.bank.teachers,
    ensembles,
    trials,
    results,
  };
}

export interface VariantSummary {
  variant: string;
  kind: Weighting["kind"];
  seeds: number;
  meanAcc: number;
  stdAcc: number;
  minAcc: number;
  maxAcc: number;
}

export interface PairedComparison {
  a: string;
  b: string;
  /** Mean over seeds of acc(a) − acc(b), same seed. */
  meanDiff: number;
  stdDiff: number;
  pairs: number;
  /** Paired t statistic; null with fewer than 2 pairs or no spread. */
  pairedT: number | null;
  /** |t| above the two-sided 95 % critical value. */
  clear: boolean;
}


export function summarizeVariants(results: MultiTeacherTrialResult[], trials: MultiTeacherTrialSpec[]): VariantSummary[] {
  const kinds = new Map(trials.map((t) => [t.variant, t.weighting.kind]));
  return [...new Set(results.map((r) => r.variant))].map((variant) => {
    const s = summarize(results.filter((r) => r.variant === variant).map((r) => r.testAcc));
    return { variant, kind: kinds.get(variant) ?? "uniform", seeds: s.n, meanAcc: s.mean, stdAcc: s.std, minAcc: s.min, maxAcc: s.max };
  });
}

const BY_SEED: PairBy<MultiTeacherTrialResult> = { key: (r) => r.seed, value: (r) => r.testAcc, group: (r) => r.variant };

/** Paired (same seed: same init, same shuffling) difference in final test accuracy, a − b. */
export function pairedComparison(results: MultiTeacherTrialResult[], a: string, b: string): PairedComparison {
  const c = pairedOverSeeds(results, BY_SEED, a, b);
  return { a, b, meanDiff: c.meanDiff, stdDiff: c.stdDiff, pairs: c.pairs, pairedT: c.t, clear: c.clear };
}

const acc = (v: VariantSummary): string => meanSd(v.meanAcc, v.stdAcc);

function sentence(c: PairedComparison): string {
  const t = c.pairedT === null ? "paired t n/a" : `paired t = ${c.pairedT.toFixed(2)}, 95 % threshold ${tCrit95(c.pairs - 1).toFixed(2)}`;
  const verdict = c.clear ? "larger than the seed-to-seed spread" : "within the seed-to-seed spread";
  return `${pts(c.meanDiff, 2)} vs ${c.b} (${t} over ${c.pairs} seeds: ${verdict})`;
}

/**
 * Which variant wins and by how much, generated from the numbers: the best
 * ensemble weighting against the runner-up weighting, uniform weights, the best
 * single teacher and hard labels, each as a paired comparison over seeds.
 */
export function readMultiTeacher(summary: VariantSummary[], results: MultiTeacherTrialResult[]): string[] {
  const best = (rows: VariantSummary[]) => rows.reduce((x, y) => (y.meanAcc > x.meanAcc ? y : x));
  const ensembles = summary.filter((r) => r.kind !== "single" && r.kind !== "hard");
  const singles = summary.filter((r) => r.kind === "single");
  const hard = summary.find((r) => r.kind === "hard");
  const overall = best(summary);
  const lines = [`- **Best of all variants**: ${overall.variant}, ${acc(overall)} over ${overall.seeds} seeds.`];
  if (ensembles.length) {
    const top = best(ensembles);
    lines.push(`- **Best ensemble weighting**: ${top.variant}, ${acc(top)}.`);
    const others = ensembles.filter((r) => r !== top);
    if (others.length) {
      const second = best(others);
      lines.push(`  - against the runner-up weighting ${second.variant}: ${sentence(pairedComparison(results, top.variant, second.variant))}.`);
      const worst = others.reduce((x, y) => (y.meanAcc < x.meanAcc ? y : x));
      if (worst !== second) lines.push(`  - against the weakest weighting ${worst.variant}: ${sentence(pairedComparison(results, top.variant, worst.variant))}.`);
      const uniform = ensembles.find((r) => r.kind === "uniform");
      if (uniform && uniform !== top && uniform !== second && uniform !== worst) lines.push(`  - against uniform weights: ${sentence(pairedComparison(results, top.variant, uniform.variant))}.`);
    }
    if (singles.length) {
      const single = best(singles);
      lines.push(`  - against the best single teacher (${single.variant}, ${acc(single)}): ${sentence(pairedComparison(results, top.variant, single.variant))}.`);
    }
    if (hard) lines.push(`  - against hard labels only (${acc(hard)}): ${sentence(pairedComparison(results, top.variant, hard.variant))}.`);
  }
  if (singles.length > 1) {
    const single = best(singles);
    const worstSingle = singles.reduce((x, y) => (y.meanAcc < x.meanAcc ? y : x));
    lines.push(`- **Single teachers**: best ${single.variant} ${acc(single)}, worst ${worstSingle.variant} ${acc(worstSingle)}: ${sentence(pairedComparison(results, single.variant, worstSingle.variant))}.`);
  }
  return lines;
}

/** Mean teacher weight per (variant, epoch, teacher) over seeds, for the weights-over-epochs chart. */
export function weightCurves(sweep: MultiTeacherSweepResult): { variant: string; teacher: string; epoch: number; weight: number }[] {
  const acc = new Map<string, { variant: string; teacher: string; epoch: number; sum: number; n: number }>();
  for (const r of sweep.results) {
    for (const w of r.weights) {
      w.weights.forEach((v, k) => {
        const teacher = sweep.teachers[k].name;
        const key = `${r.variant}\u0000${teacher}\u0000${w.epoch}`;
        if (!acc.has(key)) acc.set(key, { variant: r.variant, teacher, epoch: w.epoch, sum: 0, n: 0 });
        const a = acc.get(key)!;
        a.sum += v;
        a.n++;
      });
    }
  }
  return [...acc.values()].map((a) => ({ variant: a.variant, teacher: a.teacher, epoch: a.epoch, weight: a.sum / a.n }));
}

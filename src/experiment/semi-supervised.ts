/**
 * Semi-supervised distillation with a small labelled fraction (notebook 04).
 *
 *   1. A stratified labelled fraction of the training rows (the labelling a
 *      user would do); the other rows are unlabelled: their labels are never
 *      passed to a trial, so no training step can read them.
 *   2. Per seed, a teacher trained on the labelled rows only (teacherTrial).
 *   3. Pseudo-labels for the unlabelled rows: the teacher's soft targets at T,
 *      kept where its confidence reaches a threshold.
 *   4. The student (studentTrial): CE on the labelled rows + distillation on
 *      the kept pseudo-labelled rows + a consistency term under a seeded input
 *      perturbation, each with its own weight.
 *   5. Optionally more rounds: the student relabels the unlabelled rows and a
 *      fresh student is trained on its pseudo-labels.
 *
 * Trials are plain data and run by pure async functions (teacherTrial,
 * studentTrial) through runTrials (parallel.ts), in this process or across
 * worker processes with identical results. The hidden labels are read only by
 * the evaluation after training (pseudo-label accuracy, threshold curves).
 */
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { labelledFraction } from "../data/split";
import { PerturbSpec, checkPerturbSpec, consistencyTerm } from "../distill/perturb";
import { checkFractionOpenClosed, checkThreshold, confidences, pseudoLabelQuality, pseudoLabelTerm, pseudoLabels } from "../distill/semi-supervised";
import { checkTemperature } from "../distill/temperature";
import { predictLogits } from "../distill/teachers";
import { buildMlp } from "../models/mlp";
import { EpochRecord, LossTerm, train } from "../train/trainer";
import { TrialContext, TrialDone, runTrials } from "./parallel";
import { Progress } from "./progress";
import { meanSd, pct, pts, tValue } from "../analysis/format";
import { MlpTrainSpec } from "./runs";
import { deriveSeed } from "../core/seed";
import { PairBy, pairedComparison, pairedDiffs, pairedT, summarize } from "../analysis/stats";

/** What a student variant trains on. */
export interface SslMethod {
  /**
   * "labelled": hard labels on the labelled rows only (these rows alone make the training set);
   * "all": every training row, CE on the labelled ones, the other terms on the rest.
   */
  rows: "labelled" | "all";
  /** Distillation on the pseudo-labelled rows (soft targets at the config's temperature). */
  pseudo?: { weight: number; threshold: number };
  /** Consistency under a small perturbation, on every row of the batch. */
  consistency?: { weight: number; perturb: PerturbSpec };
  /** Teacher → student rounds (≥ 1); round r > 1 uses round r − 1's student as the teacher. The step budget is split equally between rounds. */
  rounds?: number;
  /** Use every training label (the fully supervised reference, not a semi-supervised variant). */
  allLabels?: boolean;
}

export interface SslVariant {
  name: string;
  method: SslMethod;
}

export interface SslConfig {
  dataSeed: number;
  /** Labelled fraction of the training rows, stratified by class, in (0, 1]. */
  labelledFraction: number;
  seeds: number[];
  /** The initial model, trained on the labelled rows only. */
  teacher: MlpTrainSpec;
  student: Omit<MlpTrainSpec, "epochs">;
  /** Optimiser steps of every student variant (the budget); epochs follow from its row count. */
  steps: number;
  /** Temperature of the pseudo-labels' soft targets. */
  temperature: number;
  variants: SslVariant[];
  /** Thresholds for the pseudo-label coverage/accuracy curve (evaluation only). */
  thresholds: number[];
  /** Processes for the trials (see runTrials); default DISTILL_WORKERS or the number of cores. */
  workers?: number;
}

export function checkSslMethod(m: SslMethod, field: string): void {
  if (m.rows !== "labelled" && m.rows !== "all") throw new Error(`${field}.rows must be "labelled" or "all"; got ${String(m.rows)}`);
  if (m.rows === "labelled" && (m.pseudo || m.consistency)) throw new Error(`${field}: pseudo-labels and consistency need rows "all" (they act on the unlabelled rows)`);
  if (m.pseudo) {
    checkThreshold(m.pseudo.threshold, `${field}.pseudo.threshold`);
    if (!(Number.isFinite(m.pseudo.weight) && m.pseudo.weight >= 0)) throw new Error(`${field}.pseudo.weight must be ≥ 0; got ${m.pseudo.weight}`);
  }
  if (m.consistency) {
    checkPerturbSpec(m.consistency.perturb, `${field}.consistency.perturb`);
    if (!(Number.isFinite(m.consistency.weight) && m.consistency.weight >= 0)) throw new Error(`${field}.consistency.weight must be ≥ 0; got ${m.consistency.weight}`);
  }
  const rounds = m.rounds ?? 1;
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`${field}.rounds must be a positive integer; got ${m.rounds}`);
  if (rounds > 1 && !m.pseudo) throw new Error(`${field}.rounds = ${rounds} needs pseudo-labels (a later round learns from the previous student's pseudo-labels)`);
}

export function checkSslConfig(c: SslConfig): void {
  checkFractionOpenClosed(c.labelledFraction, "labelledFraction");
  checkTemperature(c.temperature);
  if (!Number.isInteger(c.steps) || c.steps <= 0) throw new Error(`steps must be a positive integer; got ${c.steps}`);
  if (c.seeds.length === 0) throw new Error("seeds must list at least one seed");
  if (c.variants.length === 0) throw new Error("variants must list at least one variant");
  c.variants.forEach((v, i) => checkSslMethod(v.method, `variants[${i}] (${v.name})`));
  c.thresholds.forEach((t, i) => checkThreshold(t, `thresholds[${i}]`));
  if (!Number.isInteger(c.teacher.epochs) || c.teacher.epochs <= 0) throw new Error(`teacher.epochs must be a positive integer; got ${c.teacher.epochs}`);
}

/** Steps per epoch over `rows` rows at `batchSize` (the last batch may be short). */
export const stepsPerEpoch = (rows: number, batchSize: number): number => Math.ceil(rows / batchSize);

/** Epochs that give (as near as possible, at least one) `steps` optimiser steps over `rows` rows. */
export function epochsForSteps(rows: number, batchSize: number, steps: number): number {
  return Math.max(1, Math.round(steps / stepsPerEpoch(rows, batchSize)));
}

// ---------------------------------------------------------------------------
// Trials (plain data) and the functions that run them

/** Sent once to every worker: features and test set only — no training label. */
export interface SslShared {
  numFeatures: number;
  numClasses: number;
  trainX: Float32Array;
  testX: Float32Array;
  testY: Int32Array;
}

export interface SslContext {
  trainX: tf.Tensor2D;
  test: { x: tf.Tensor2D; y: tf.Tensor1D };
  rows: number;
  dispose(): void;
}

export function sslSetup(s: SslShared): SslContext {
  const rows = s.trainX.length / s.numFeatures;
  const trainX = tf.tensor2d(s.trainX, [rows, s.numFeatures], "float32");
  const test = { x: tf.tensor2d(s.testX, [s.testY.length, s.numFeatures], "float32"), y: tf.tensor1d(s.testY, "int32") };
  return {
    trainX,
    test,
    rows,
    dispose() {
      [trainX, test.x, test.y].forEach((t) => t.dispose());
    },
  };
}

/** The labelled rows of one seed and their labels: all a trial gets to know about training labels. */
export interface LabelledRows {
  labelled: number[];
  labelledY: number[];
}

export interface TeacherTrialSpec extends LabelledRows {
  seed: number;
  teacher: MlpTrainSpec;
}

export interface TeacherTrialResult {
  seed: number;
  testAcc: number;
  params: number;
  /** Teacher logits on every training row, row-major [rows × classes]. */
  trainLogits: Float32Array;
  ms: number;
}

export interface StudentTrialSpec extends LabelledRows {
  variant: string;
  seed: number;
  method: SslMethod;
  student: Omit<MlpTrainSpec, "epochs">;
  steps: number;
  temperature: number;
  /** Teacher logits on every training row (row-major), when the method uses pseudo-labels. */
  teacherLogits: Float32Array | null;
}

export interface RoundRecord {
  round: number;
  epochs: number;
  steps: number;
  testAcc: number;
  /** Unlabelled rows given pseudo-labels (all of them), kept by the threshold. */
  pseudoRows: number;
  pseudoKept: number;
  /** The pseudo-labels' classes and confidences on the unlabelled rows (in `unlabelled` order), for evaluation afterwards. */
  pseudoPredicted: Int32Array | null;
  pseudoConfidence: Float32Array | null;
  /** Mean of each extra loss term in the last epoch. */
  lastExtra: Record<string, number>;
}

export interface StudentTrialResult {
  variant: string;
  seed: number;
  testAcc: number;
  /** Total optimiser steps over all rounds. */
  steps: number;
  trainRows: number;
  rounds: RoundRecord[];
  /** Test accuracy per epoch, rounds concatenated. */
  curve: { epoch: number; testAcc: number }[];
  params: number;
  ms: number;
}

/** The unlabelled rows: every training row not in `labelled`, ascending. */
export function unlabelledRows(rows: number, labelled: number[]): number[] {
  const isLabelled = new Uint8Array(rows);
  for (const i of labelled) {
    if (!(Number.isInteger(i) && i >= 0 && i < rows)) throw new Error(`labelled row ${i} out of range [0, ${rows})`);
    isLabelled[i] = 1;
  }
  const out: number[] = [];
  for (let i = 0; i < rows; i++) if (!isLabelled[i]) out.push(i);
  return out;
}

function checkLabelled(spec: LabelledRows): void {
  if (spec.labelled.length === 0) throw new Error("no labelled rows");
  if (spec.labelled.length !== spec.labelledY.length) throw new Error(`${spec.labelled.length} labelled rows but ${spec.labelledY.length} labels`);
}

/** Trains the teacher on the labelled rows only; returns its logits on every training row. */
export async function teacherTrial(spec: TeacherTrialSpec, ctx: TrialContext<SslShared, SslContext>): Promise<TeacherTrialResult> {
  checkLabelled(spec);
  const t0 = performance.now();
  const d = ctx.setup;
  const C = ctx.shared.numClasses;
  const idx = tf.tensor1d(spec.labelled, "int32");
  const rowsT = { x: tf.gather(d.trainX, idx) as tf.Tensor2D, y: tf.tensor1d(spec.labelledY, "int32") };
  const t = spec.teacher;
  const model = buildMlp({ inputDim: ctx.shared.numFeatures, hidden: t.hidden, outputDim: C, activation: t.activation, dropout: t.dropout, seed: deriveSeed(spec.seed, "ssl-teacher-init") });
  try {
    const history = await train(model, { train: rowsT, test: d.test }, { epochs: t.epochs, batchSize: t.batchSize, learningRate: t.learningRate, seed: deriveSeed(spec.seed, "ssl-teacher-train") });
    const logits = predictLogits(model, d.trainX);
    const trainLogits = Float32Array.from(logits.dataSync() as Float32Array);
    logits.dispose();
    return { seed: spec.seed, testAcc: history[history.length - 1].testAcc, params: model.countParams(), trainLogits, ms: performance.now() - t0 };
  } finally {
    model.dispose();
    [idx, rowsT.x, rowsT.y].forEach((x) => x.dispose());
  }
}

/** One student variant for one seed (all its rounds). Reads training labels only from spec.labelledY. */
export async function studentTrial(spec: StudentTrialSpec, ctx: TrialContext<SslShared, SslContext>): Promise<StudentTrialResult> {
  checkLabelled(spec);
  checkSslMethod(spec.method, `method (${spec.variant})`);
  const t0 = performance.now();
  const d = ctx.setup;
  const C = ctx.shared.numClasses;
  const N = d.rows;
  const m = spec.method;
  const rounds = m.rounds ?? 1;
  if (m.pseudo && !spec.teacherLogits) throw new Error(`variant ${spec.variant}: pseudo-labels need teacherLogits`);
  const unlabelled = unlabelledRows(N, spec.labelled);
  const records: RoundRecord[] = [];
  const curve: { epoch: number; testAcc: number }[] = [];
  let teacherLogits = spec.teacherLogits;
  let params = 0;
  for (let round = 1; round <= rounds; round++) {
    const owned: tf.Tensor[] = [];
    const keep = <T extends tf.Tensor>(t: T): T => {
      owned.push(t);
      return t;
    };
    const model = buildMlp({ inputDim: ctx.shared.numFeatures, hidden: spec.student.hidden, outputDim: C, activation: spec.student.activation, dropout: spec.student.dropout, seed: deriveSeed(spec.seed, "ssl-student-init", round) });
    try {
      let data: { train: { x: tf.Tensor2D; y: tf.Tensor1D }; labelMask?: tf.Tensor1D };
      const terms: LossTerm[] = [];
      let pseudoPredicted: Int32Array | null = null;
      let pseudoConfidence: Float32Array | null = null;
      let pseudoKept = 0;
      if (m.rows === "labelled") {
        const idx = keep(tf.tensor1d(spec.labelled, "int32"));
        data = { train: { x: keep(tf.gather(d.trainX, idx) as tf.Tensor2D), y: keep(tf.tensor1d(spec.labelledY, "int32")) } };
      } else {
        // Every training row; labels known only on the labelled rows (−1 elsewhere, masked out).
        const y = new Int32Array(N).fill(-1);
        const mask = new Float32Array(N);
        spec.labelled.forEach((r, i) => {
          y[r] = spec.labelledY[i];
          mask[r] = 1;
        });
        data = { train: { x: d.trainX, y: keep(tf.tensor1d(y, "int32")) }, labelMask: keep(tf.tensor1d(mask, "float32")) };
        if (m.pseudo) {
          const logitsU = new Float32Array(unlabelled.length * C);
          unlabelled.forEach((r, i) => logitsU.set(teacherLogits!.subarray(r * C, (r + 1) * C), i * C));
          const pl = pseudoLabels(logitsU, C, spec.temperature, m.pseudo.threshold);
          const targets = new Float32Array(N * C);
          const pmask = new Float32Array(N);
          unlabelled.forEach((r, i) => {
            if (!pl.keep[i]) return;
            targets.set(pl.probs.subarray(i * C, (i + 1) * C), r * C);
            pmask[r] = 1;
          });
          pseudoPredicted = pl.predicted;
          pseudoConfidence = pl.confidence;
          pseudoKept = pl.kept;
          terms.push(pseudoLabelTerm({ targets: keep(tf.tensor2d(targets, [N, C])), mask: keep(tf.tensor1d(pmask, "float32")), temperature: spec.temperature, weight: m.pseudo.weight }));
        }
        if (m.consistency) terms.push(consistencyTerm({ weight: m.consistency.weight, perturb: m.consistency.perturb, seed: deriveSeed(spec.seed, "ssl-perturb", round) }));
      }
      const rows = data.train.x.shape[0];
      const epochs = epochsForSteps(rows, spec.student.batchSize, spec.steps / rounds);
      const history: EpochRecord[] = await train(
        model,
        { train: data.train, test: d.test, labelMask: data.labelMask },
        { epochs, batchSize: spec.student.batchSize, learningRate: spec.student.learningRate, seed: deriveSeed(spec.seed, "ssl-student-train", round), alpha: 1, extraTerms: terms },
      );
      const last = history[history.length - 1];
      const offset = curve.length;
      history.forEach((h) => curve.push({ epoch: offset + h.epoch, testAcc: h.testAcc }));
      records.push({
        round,
        epochs,
        steps: epochs * stepsPerEpoch(rows, spec.student.batchSize),
        testAcc: last.testAcc,
        pseudoRows: m.pseudo ? unlabelled.length : 0,
        pseudoKept,
        pseudoPredicted,
        pseudoConfidence,
        lastExtra: last.extra ?? {},
      });
      params = model.countParams();
      if (round < rounds) {
        const z = predictLogits(model, d.trainX);
        teacherLogits = Float32Array.from(z.dataSync() as Float32Array);
        z.dispose();
      }
    } finally {
      model.dispose();
      owned.forEach((t) => t.dispose());
    }
  }
  const final = records[records.length - 1];
  return {
    variant: spec.variant,
    seed: spec.seed,
    testAcc: final.testAcc,
    steps: records.reduce((a, r) => a + r.steps, 0),
    trainRows: m.rows === "labelled" ? spec.labelled.length : N,
    rounds: records,
    curve,
    params,
    ms: performance.now() - t0,
  };
}

// ---------------------------------------------------------------------------
// The sweep

/** The labelled rows of each seed (stratified by class: this is the labelling, done before any training). */
export function labelledSplits(labels: ArrayLike<number>, fraction: number, seeds: number[]): Map<number, { labelled: number[]; unlabelled: number[] }> {
  checkFractionOpenClosed(fraction, "labelledFraction");
  const all = Array.from({ length: labels.length }, (_, i) => i);
  return new Map(seeds.map((seed) => [seed, labelledFraction(labels, all, fraction, deriveSeed(seed, "ssl-labelled"))]));
}

/** Reads the labels of the given rows only (the one place a trial's labels come from). */
export function readLabels(labels: ArrayLike<number>, rows: number[]): number[] {
  return rows.map((r) => labels[r]);
}

/**
 * The plain-data trials of a sweep. `labels` is read at the labelled rows of
 * each seed only — and at every row for variants with allLabels (the
 * fully supervised reference).
 */
export function sslTrials(config: SslConfig, labels: ArrayLike<number>, splits: Map<number, { labelled: number[] }>): { teachers: TeacherTrialSpec[]; students: Omit<StudentTrialSpec, "teacherLogits">[] } {
  checkSslConfig(config);
  const teachers: TeacherTrialSpec[] = [];
  const students: Omit<StudentTrialSpec, "teacherLogits">[] = [];
  const allRows = Array.from({ length: labels.length }, (_, i) => i);
  for (const seed of config.seeds) {
    const split = splits.get(seed);
    if (!split) throw new Error(`no labelled split for seed ${seed}`);
    const labelled = { labelled: split.labelled, labelledY: readLabels(labels, split.labelled) };
    if (config.variants.some((v) => v.method.pseudo)) teachers.push({ seed, teacher: config.teacher, ...labelled });
    for (const v of config.variants) {
      const rows = v.method.allLabels ? { labelled: allRows, labelledY: readLabels(labels, allRows) } : labelled;
      students.push({ variant: v.name, seed, method: v.method, student: config.student, steps: config.steps, temperature: config.temperature, ...rows });
    }
  }
  return { teachers, students };
}

export interface SslRunResult {
  teachers: TeacherTrialResult[];
  students: StudentTrialResult[];
}

/**
 * Runs the teacher trials, then the student trials (each given its seed's
 * teacher logits), through runTrials. Reads no training label itself: every
 * label a trial sees is in its spec.
 */
export async function runSslTrials(
  shared: SslShared,
  trials: { teachers: TeacherTrialSpec[]; students: Omit<StudentTrialSpec, "teacherLogits">[] },
  opts: { workers?: number; log?: boolean; onStudent?: (r: TrialDone<StudentTrialSpec, StudentTrialResult>) => void } = {},
): Promise<SslRunResult> {
  const log = opts.log ?? true;
  const module = path.join(__dirname, "semi-supervised.ts");
  const progressT = new Progress("ssl teachers", trials.teachers.length);
  const teachers = await runTrials<TeacherTrialSpec, TeacherTrialResult, SslShared, SslContext>({
    module,
    fn: "teacherTrial",
    setup: "sslSetup",
    local: { fn: teacherTrial, setup: sslSetup },
    trials: trials.teachers,
    shared,
    workers: opts.workers,
    describe: (t) => `teacher · seed ${t.seed}`,
    onResult: (r) => {
      if (log) progressT.log(`${r.description}: ${r.trial.labelled.length} labelled rows, test accuracy ${pct(r.result.testAcc)} (${(r.result.ms / 1000).toFixed(1)} s)`, r.done);
    },
  });
  const bySeed = new Map(teachers.map((t) => [t.seed, t.trainLogits]));
  const students: StudentTrialSpec[] = trials.students.map((s) => ({ ...s, teacherLogits: s.method.pseudo ? bySeed.get(s.seed) ?? null : null }));
  const progressS = new Progress("ssl students", students.length);
  const results = await runTrials<StudentTrialSpec, StudentTrialResult, SslShared, SslContext>({
    module,
    fn: "studentTrial",
    setup: "sslSetup",
    local: { fn: studentTrial, setup: sslSetup },
    trials: students,
    shared,
    workers: opts.workers,
    describe: (t) => `${t.variant} · seed ${t.seed}`,
    onResult: (r) => {
      if (log) progressS.log(`${r.description}: test accuracy ${pct(r.result.testAcc)} (${r.result.steps} steps, ${(r.result.ms / 1000).toFixed(1)} s)`, r.done);
      opts.onStudent?.(r);
    },
  });
  return { teachers, students: results };
}

/** The data a sweep shares with its trials: training features, test set. No training label. */
export function sslShared(data: { trainX: Float32Array; testX: Float32Array; testY: Int32Array; numFeatures: number; numClasses: number }): SslShared {
  return { numFeatures: data.numFeatures, numClasses: data.numClasses, trainX: data.trainX, testX: data.testX, testY: data.testY };
}

// ---------------------------------------------------------------------------
// Evaluation (after training; reads the hidden labels)

export interface PseudoQualityRow {
  seed: number;
  source: string;
  threshold: number;
  rows: number;
  kept: number;
  coverage: number;
  accuracy: number | null;
}

/** Coverage and accuracy of the teacher's pseudo-labels on each seed's unlabelled rows, per threshold. */
export function thresholdCurve(teachers: TeacherTrialResult[], splits: Map<number, { unlabelled: number[] }>, hiddenLabels: ArrayLike<number>, numClasses: number, thresholds: number[]): PseudoQualityRow[] {
  const out: PseudoQualityRow[] = [];
  for (const t of teachers) {
    const un = splits.get(t.seed)!.unlabelled;
    const logits = new Float32Array(un.length * numClasses);
    un.forEach((r, i) => logits.set(t.trainLogits.subarray(r * numClasses, (r + 1) * numClasses), i * numClasses));
    const { confidence, predicted } = confidences(logits, numClasses);
    const hidden = readLabels(hiddenLabels, un);
    for (const th of thresholds) out.push({ seed: t.seed, source: "teacher", ...pseudoLabelQuality(confidence, predicted, hidden, th) });
  }
  return out;
}

/** The pseudo-labels each student round actually used: kept count, coverage, accuracy against the hidden labels. */
export function usedPseudoLabels(students: StudentTrialResult[], splits: Map<number, { unlabelled: number[] }>, hiddenLabels: ArrayLike<number>, threshold: (variant: string) => number): (PseudoQualityRow & { variant: string; round: number })[] {
  const out: (PseudoQualityRow & { variant: string; round: number })[] = [];
  for (const s of students) {
    const hidden = readLabels(hiddenLabels, splits.get(s.seed)!.unlabelled);
    for (const r of s.rounds) {
      if (!r.pseudoPredicted || !r.pseudoConfidence) continue;
      const q = pseudoLabelQuality(r.pseudoConfidence, r.pseudoPredicted, hidden, threshold(s.variant));
      out.push({ variant: s.variant, round: r.round, seed: s.seed, source: r.round === 1 ? "teacher" : `round-${r.round - 1} student`, ...q });
    }
  }
  return out;
}

export interface SslSummaryRow {
  variant: string;
  seeds: number;
  steps: number;
  trainRows: number;
  meanAcc: number;
  stdAcc: number;
  minAcc: number;
  maxAcc: number;
  /** Mean accuracy as a fraction of the fully supervised variant's mean (null without one). */
  ofFull: number | null;
  /** Paired difference to the hard-labels-on-the-labelled-rows baseline (same seeds). */
  gainOverHard: number | null;
  pairedT: number | null;
}

const BY_SEED: PairBy<StudentTrialResult> = { key: (s) => s.seed, value: (s) => s.testAcc, group: (s) => s.variant };

/** Mean and spread per variant, relative to full supervision and paired against the labelled-only baseline. */
export function summarizeSsl(config: SslConfig, students: StudentTrialResult[]): SslSummaryRow[] {
  const full = config.variants.find((v) => v.method.allLabels);
  const hard = config.variants.find((v) => v.method.rows === "labelled" && !v.method.allLabels);
  const fullMean = full ? summarize(students.filter((s) => s.variant === full.name).map((s) => s.testAcc)).mean : null;
  return config.variants.map((v) => {
    const rows = students.filter((s) => s.variant === v.name);
    const acc = summarize(rows.map((s) => s.testAcc));
    const diffs = hard ? pairedDiffs(students, BY_SEED, v.name, hard.name) : [];
    const isHard = hard !== undefined && v.name === hard.name;
    return {
      variant: v.name,
      seeds: acc.n,
      steps: rows[0].steps,
      trainRows: rows[0].trainRows,
      meanAcc: acc.mean,
      stdAcc: acc.std,
      minAcc: acc.min,
      maxAcc: acc.max,
      ofFull: fullMean ? acc.mean / fullMean : null,
      gainOverHard: isHard || diffs.length === 0 ? null : summarize(diffs).mean,
      pairedT: isHard ? null : pairedT(diffs),
    };
  });
}

/** Paired difference a − b over seeds. */
export function pairedDiff(students: StudentTrialResult[], a: string, b: string): { mean: number; t: number | null; n: number; clear: boolean } {
  const c = pairedComparison(students, BY_SEED, a, b);
  return { mean: c.meanDiff, t: c.t, n: c.pairs, clear: c.clear };
}

const accStr = (r: SslSummaryRow): string => meanSd(r.meanAcc, r.stdAcc);

/**
 * A reading generated from the numbers: each rung of the ladder against the
 * one before it (paired over seeds), the best semi-supervised variant as a
 * percentage of full supervision, and the circulating claim checked against it.
 */
export function readSsl(config: SslConfig, summary: SslSummaryRow[], students: StudentTrialResult[], claimedOfFull = 0.92): string[] {
  const lines: string[] = [];
  const full = summary.find((r) => config.variants.find((v) => v.name === r.variant)?.method.allLabels);
  const semi = summary.filter((r) => !config.variants.find((v) => v.name === r.variant)?.method.allLabels);
  const steps = [...new Set(summary.map((r) => r.steps))];
  lines.push(`- **Budget**: every student ran ${steps.length === 1 ? `${steps[0]} optimiser steps` : `${steps.join(" / ")} optimiser steps (not identical: see the table)`} of batch ${config.student.batchSize}; ${config.seeds.length} seeds; ${Math.round(100 * config.labelledFraction)} % of the training rows labelled.`);
  for (let i = 1; i < semi.length; i++) {
    const d = pairedComparison(students, BY_SEED, semi[i].variant, semi[i - 1].variant);
    const verdict = d.clear ? (d.meanDiff > 0 ? "a clear gain" : "a clear loss") : "within the seed-to-seed spread";
    lines.push(`- **${semi[i].variant}** ${accStr(semi[i])} vs ${semi[i - 1].variant} ${accStr(semi[i - 1])}: ${pts(d.meanDiff)} (paired t = ${tValue(d.t)} over ${d.pairs} seeds, 95 % threshold ${d.crit === null ? "n/a" : d.crit.toFixed(2)}: ${verdict}).`);
  }
  if (full) {
    const best = semi.reduce((a, b) => (b.meanAcc > a.meanAcc ? b : a));
    const hard = semi[0];
    lines.push(`- **Against full supervision** (${full.variant}, ${accStr(full)}): ${hard.variant} reaches ${(100 * (hard.ofFull ?? 0)).toFixed(1)} % of it; the best semi-supervised variant, ${best.variant}, reaches ${(100 * (best.ofFull ?? 0)).toFixed(1)} %.`);
    const verdict = (best.ofFull ?? 0) >= claimedOfFull ? `at least the claimed ${(100 * claimedOfFull).toFixed(0)} %: the claim holds here` : `below the claimed ${(100 * claimedOfFull).toFixed(0)} %: the claim does not hold here`;
    const hardVerdict = (hard.ofFull ?? 0) >= claimedOfFull ? ` — but so does hard-label training on the labelled rows alone (${(100 * (hard.ofFull ?? 0)).toFixed(1)} %), so the figure says little about the method` : "";
    lines.push(`- **The claim "92 % of full supervision with 10 % labels"**: measured ${(100 * (best.ofFull ?? 0)).toFixed(1)} % (best variant), ${verdict}${hardVerdict}.`);
  }
  return lines;
}

/** Threshold curve averaged over seeds: mean and min–max of coverage and accuracy per threshold. */
export function summarizeThresholds(rows: PseudoQualityRow[]): { threshold: number; coverage: number; coverageMin: number; coverageMax: number; accuracy: number | null; accuracyMin: number | null; accuracyMax: number | null }[] {
  const ths = [...new Set(rows.map((r) => r.threshold))].sort((a, b) => a - b);
  return ths.map((threshold) => {
    const g = rows.filter((r) => r.threshold === threshold);
    const cov = summarize(g.map((r) => r.coverage));
    const accs = g.map((r) => r.accuracy).filter((a): a is number => a !== null);
    const acc = accs.length ? summarize(accs) : null;
    return { threshold, coverage: cov.mean, coverageMin: cov.min, coverageMax: cov.max, accuracy: acc ? acc.mean : null, accuracyMin: acc ? acc.min : null, accuracyMax: acc ? acc.max : null };
  });
}

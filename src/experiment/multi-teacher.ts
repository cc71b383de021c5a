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
 * spec's seed, so a runner can spread them over processes (one context each).
 */
import * as tf from "@tensorflow/tfjs";
import { Tensors } from "../data/dataset";
import { loadDigits } from "../data/digits";
import { labelledFraction } from "../data/split";
import {
  WeightSource,
  cacheTeacherStack,
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
import { accuracy } from "../distill/teachers";
import { buildMlp, describeMlp } from "../models/mlp";
import { train } from "../train/trainer";
import { Progress, pct } from "./progress";
import { MlpTrainSpec } from "./runs";
import { deriveSeed } from "./seed";
import { pairedT, summarize, tCrit95 } from "./stats";

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

export interface MultiTeacherConfig {
  dataSeed: number;
  /** Fraction of the training rows held out (stratified) as the validation split for weighting. */
  valFraction: number;
  splitSeed: number;
  teachers: TeacherSpec[];
  student: MlpTrainSpec;
  temperature: number;
  alpha: number;
  seeds: number[];
  variants: MultiTeacherVariant[];
}

export interface MultiTeacherTrialSpec {
  variant: string;
  weighting: Weighting;
  seed: number;
  student: MlpTrainSpec;
  temperature: number;
  alpha: number;
}

export interface MultiTeacherTrialResult {
  variant: string;
  seed: number;
  testAcc: number;
  curve: { epoch: number; testAcc: number }[];
  /** Teacher weights used in each epoch (per-sample: mean over the training rows); empty for hard labels. */
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
  valLabels: Int32Array;
  /** Per-sample weights on the fit rows, per temperature, computed on first use. */
  perSample: Map<number, tf.Tensor2D>;
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
  const teachers: TeacherSummary[] = [];
  try {
    for (const spec of config.teachers) {
      const t0 = performance.now();
      const model = buildMlp({ inputDim: data.train.numFeatures, hidden: spec.hidden, outputDim: C, activation: spec.activation, dropout: spec.dropout, seed: deriveSeed(spec.seed, "teacher-init", spec.name) });
      models.push(model);
      await train(model, { train: fit, test: val }, { epochs: spec.epochs, batchSize: spec.batchSize, learningRate: spec.learningRate, seed: deriveSeed(spec.seed, "teacher-train", spec.name) });
      teachers.push({ name: spec.name, arch: describeMlp({ inputDim: data.train.numFeatures, hidden: spec.hidden, outputDim: C }), params: model.countParams(), epochs: spec.epochs, valAcc: 0, valCE: 0, testAcc: 0 });
      if (log) console.log(`teacher ${spec.name} (${teachers[teachers.length - 1].arch}, ${spec.epochs} epochs) trained in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    const bank: TeacherBank = {
      teachers,
      fit: cacheTeacherStack(models, fit.x, C),
      val: cacheTeacherStack(models, val.x, C),
      test: cacheTeacherStack(models, test.x, C),
      valCERows: [],
    };
    const ce = perSampleCrossEntropy(bank.val, val.y);
    bank.valCERows = (ce.arraySync() as number[][]).map((r) => r.map(Number));
    ce.dispose();
    teachers.forEach((t, k) => {
      tf.tidy(() => {
        const slice = (z: tf.Tensor3D) => tf.squeeze(tf.slice(z, [k, 0, 0], [1, -1, -1]), [0]) as tf.Tensor2D;
        t.valAcc = accuracy(slice(bank.val), val.y);
        t.testAcc = accuracy(slice(bank.test), test.y);
      });
      t.valCE = bank.valCERows[k].reduce((a, b) => a + b, 0) / bank.valCERows[k].length;
    });
    const perSample = new Map<number, tf.Tensor2D>();
    return {
      fit,
      val,
      test,
      numClasses: C,
      bank,
      valLabels: valDs.y,
      perSample,
      dispose() {
        [fit.x, fit.y, val.x, val.y, test.x, test.y, bank.fit, bank.val, bank.test, ...perSample.values()].forEach((t) => t.dispose());
        perSample.clear();
      },
    };
  } finally {
    models.forEach((m) => m.dispose());
  }
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

export function multiTeacherTrials(config: MultiTeacherConfig): MultiTeacherTrialSpec[] {
  checkMultiTeacherConfig(config);
  return config.seeds.flatMap((seed) =>
    config.variants.map((v) => ({ variant: v.name, weighting: v.weighting, seed, student: config.student, temperature: config.temperature, alpha: v.weighting.kind === "hard" ? 1 : config.alpha })),
  );
}

function weightSource(ctx: MultiTeacherContext, w: Weighting, student: tf.LayersModel): WeightSource {
  const fixed = staticWeights(ctx, w);
  if (fixed) return { kind: "static", weights: fixed };
  if (w.kind === "per-sample") {
    if (!ctx.perSample.has(w.temperature)) ctx.perSample.set(w.temperature, perSampleWeights(ctx.bank.fit, ctx.fit.y, w.temperature));
    return { kind: "per-sample", weights: ctx.perSample.get(w.temperature)! };
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

/** One student run on the fit rows; the seed fixes init and shuffling, shared by every variant. */
export async function runMultiTeacherTrial(ctx: MultiTeacherContext, spec: MultiTeacherTrialSpec): Promise<MultiTeacherTrialResult> {
  checkWeighting(spec.weighting, ctx.bank.teachers.length, "weighting");
  const t0 = performance.now();
  const model = buildMlp({ inputDim: ctx.fit.x.shape[1], hidden: spec.student.hidden, outputDim: ctx.numClasses, activation: spec.student.activation, dropout: spec.student.dropout, seed: deriveSeed(spec.seed, "student-init") });
  try {
    const fused = spec.weighting.kind === "hard" ? null : fusedTargetFn(ctx.bank.fit, weightSource(ctx, spec.weighting, model));
    const history = await train(
      model,
      { train: ctx.fit, test: ctx.test, teacherTargets: fused?.targets },
      { epochs: spec.student.epochs, batchSize: spec.student.batchSize, learningRate: spec.student.learningRate, seed: deriveSeed(spec.seed, "student-train"), temperature: spec.temperature, alpha: spec.alpha },
    );
    return {
      variant: spec.variant,
      seed: spec.seed,
      testAcc: history[history.length - 1].testAcc,
      curve: history.map((h) => ({ epoch: h.epoch, testAcc: h.testAcc })),
      weights: fused ? fused.weightLog : [],
      ms: performance.now() - t0,
    };
  } finally {
    model.dispose();
  }
}

export interface MultiTeacherSweepResult {
  studentArch: string;
  fitRows: number;
  valRows: number;
  teachers: TeacherSummary[];
  /** The ensemble's own test accuracy (T = 1) under each fixed weighting. */
  ensembles: { weighting: string; weights: number[]; testAcc: number }[];
  trials: MultiTeacherTrialSpec[];
  results: MultiTeacherTrialResult[];
}

export async function multiTeacherSweep(ctx: MultiTeacherContext, config: MultiTeacherConfig): Promise<MultiTeacherSweepResult> {
  const trials = multiTeacherTrials(config);
  const progress = new Progress("multi-teacher", trials.length);
  const results: MultiTeacherTrialResult[] = [];
  for (const spec of trials) {
    const r = await runMultiTeacherTrial(ctx, spec);
    results.push(r);
    progress.log(`${spec.variant} · seed ${spec.seed}: test accuracy ${pct(r.testAcc)} (${(r.ms / 1000).toFixed(1)} s)`, results.length);
  }
  const ensembles = config.variants
    .filter((v) => v.weighting.kind === "uniform" || v.weighting.kind === "val-accuracy")
    .map((v) => {
      const weights = staticWeights(ctx, v.weighting)!;
      return { weighting: v.name, weights, testAcc: ensembleTestAccuracy(ctx, weights) };
    });
  return {
    studentArch: describeMlp({ inputDim: ctx.fit.x.shape[1], hidden: config.student.hidden, outputDim: ctx.numClasses }),
    fitRows: ctx.fit.x.shape[0],
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

/** Paired (same seed: same init, same shuffling) difference in final test accuracy, a − b. */
export function pairedComparison(results: MultiTeacherTrialResult[], a: string, b: string): PairedComparison {
  const bySeed = new Map(results.filter((r) => r.variant === b).map((r) => [r.seed, r.testAcc]));
  const diffs = results.filter((r) => r.variant === a && bySeed.has(r.seed)).map((r) => r.testAcc - bySeed.get(r.seed)!);
  if (diffs.length === 0) throw new Error(`no paired seeds between "${a}" and "${b}"`);
  const s = summarize(diffs);
  const t = pairedT(diffs);
  return { a, b, meanDiff: s.mean, stdDiff: s.std, pairs: s.n, pairedT: t, clear: t !== null && Math.abs(t) > tCrit95(s.n - 1) };
}

const pts = (x: number): string => `${x >= 0 ? "+" : "−"}${Math.abs(100 * x).toFixed(2)} pts`;
const acc = (v: VariantSummary): string => `${(100 * v.meanAcc).toFixed(1)} ± ${(100 * v.stdAcc).toFixed(1)} %`;

function sentence(c: PairedComparison): string {
  const t = c.pairedT === null ? "paired t n/a" : `paired t = ${c.pairedT.toFixed(2)}, 95 % threshold ${tCrit95(c.pairs - 1).toFixed(2)}`;
  const verdict = c.clear ? "larger than the seed-to-seed spread" : "within the seed-to-seed spread";
  return `${pts(c.meanDiff)} vs ${c.b} (${t} over ${c.pairs} seeds: ${verdict})`;
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

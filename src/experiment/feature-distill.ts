/**
 * The feature-distillation sweep (notebook 06): Transformer students trained by
 * the one trainer (src/train/trainer.ts) with any mix of response, hint,
 * attention and relational terms from the loss registry, variants × seeds
 * through runTrials, with its summary and generated reading.
 *
 * A variant's objective is a list of registry terms, or the older composition
 * shorthand { ce, kd, temperature, features, attention, relational }, which
 * compositionLosses turns into the same terms in the same order.
 */
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { labelledFraction } from "../data/split";
import { AttentionLossKind, HeadMode, pickLayer } from "../distill/attention";
import { FeaturePair } from "../distill/features";
import type { LossSpec } from "../distill/registry";
import { RelationalKind } from "../distill/relational";
import { FeatureModel, countParams, exportWeights, importWeights } from "../models/probe";
import { TransformerSpec, buildTransformer, describeTransformer } from "../models/transformer";
import { EpochRecord, fit } from "../train/trainer";
import { TrialContext, TrialDone, runTrials } from "./parallel";
import { Progress } from "./progress";
import { meanSd, pct, pts, tValue } from "../analysis/format";
import { deriveSeed } from "../core/seed";
import { PairBy, clearAt95, pairedDiffs, pairedT, summarize, tCrit95 } from "../analysis/stats";

export interface WeightedFeaturePair extends FeaturePair {
  weight: number;
}
export interface WeightedAttentionPair {
  studentLayer: number;
  teacherLayer: number;
  loss?: AttentionLossKind;
  heads?: HeadMode;
  weight: number;
}
export interface WeightedRelational {
  kind: RelationalKind;
  student: string;
  teacher: string;
  weight: number;
}

/** The composed objective as a weight per part (0 or absent = off). */
export interface Composition {
  /** Hard-label cross-entropy weight (default 1). */
  ce?: number;
  /** Response-level KD weight (T²·KL on logits; default 0). */
  kd?: number;
  /** KD temperature (default 4). */
  temperature?: number;
  features?: WeightedFeaturePair[];
  attention?: WeightedAttentionPair[];
  relational?: WeightedRelational[];
}

/** The registry terms of a composition: ce, kd (when weighted), hints, attention, relational, in that order. */
export function compositionLosses(c: Composition): LossSpec[] {
  const on = <T extends { weight: number }>(xs: T[] | undefined) => (xs ?? []).filter((p) => p.weight > 0);
  return [
    { loss: "ce", weight: c.ce ?? 1 },
    ...((c.kd ?? 0) > 0 ? [{ loss: "kd", weight: c.kd!, temperature: c.temperature ?? 4 }] : []),
    ...on(c.features).map(({ weight, ...p }) => ({ loss: "hint", weight, ...p })),
    ...on(c.attention).map(({ weight, ...p }) => ({ loss: "attention", weight, ...p })),
    ...on(c.relational).map(({ weight, kind, ...p }) => ({ loss: kind, weight, ...p })),
  ];
}

export interface SplitTensors {
  trainX: tf.Tensor2D;
  trainY: tf.Tensor1D;
  testX: tf.Tensor2D;
  testY: tf.Tensor1D;
}

// ------------------------------------------------------------------ the sweep

export interface FeatureVariant {
  name: string;
  /** The objective as registry terms, or… */
  losses?: LossSpec[];
  /** …as the composition shorthand. */
  composition?: Composition;
}

export const variantLosses = (v: FeatureVariant): LossSpec[] => v.losses ?? compositionLosses(v.composition ?? {});

export interface FeatureSweepConfig {
  teacher: TransformerSpec & { epochs: number; batchSize: number; learningRate: number };
  student: TransformerSpec;
  /** Fraction of the training rows the students see (stratified, seeded per seed). */
  trainFraction: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  seeds: number[];
  variants: FeatureVariant[];
  /** The variant the others are compared with (paired over seeds). */
  reference: string;
  probe: { studentLayer: number; teacherLayer: number; heads?: HeadMode };
  /** Test row whose attention maps are kept for the picture. */
  pictureRow: number;
}

export interface FeatureShared {
  config: FeatureSweepConfig;
  numFeatures: number;
  trainX: Float32Array;
  trainY: Int32Array;
  testX: Float32Array;
  testY: Int32Array;
  teacherWeights: { shape: number[]; values: Float32Array }[];
}

export interface FeatureContext {
  data: SplitTensors;
  teacher: FeatureModel;
  dispose(): void;
}

export interface FeatureTrial {
  variant: string;
  seed: number;
}

export interface FeatureRow {
  variant: string;
  seed: number;
  trainSamples: number;
  testAcc: number;
  /** Attention similarity to the teacher after the last epoch. */
  attentionSimilarity: number | null;
  ms: number;
}

export interface FeatureCurvePoint {
  variant: string;
  seed: number;
  epoch: number;
  testAcc: number;
  attentionSimilarity: number | null;
  parts: Record<string, number>;
}

export interface FeatureTrialResult {
  row: FeatureRow;
  curve: FeatureCurvePoint[];
  params: number;
  adapterParams: number;
  /** The student's attention maps [heads][seq][seq] (probe layer) on the picture row. */
  picture: number[][][] | null;
}

/** Per-process setup: tensors and the trained teacher rebuilt from its weights. */
export function featureSetup(s: FeatureShared): FeatureContext {
  const nTrain = s.trainY.length;
  const nTest = s.testY.length;
  const data: SplitTensors = {
    trainX: tf.tensor2d(s.trainX, [nTrain, s.numFeatures], "float32"),
    trainY: tf.tensor1d(s.trainY, "int32"),
    testX: tf.tensor2d(s.testX, [nTest, s.numFeatures], "float32"),
    testY: tf.tensor1d(s.testY, "int32"),
  };
  const teacher = buildTransformer(s.config.teacher);
  importWeights(teacher, s.teacherWeights);
  return {
    data,
    teacher,
    dispose() {
      Object.values(data).forEach((t) => t.dispose());
      teacher.dispose();
    },
  };
}

/** Student training rows of a seed (stratified, seeded); every variant of a seed shares them. */
export function featureRows(labels: ArrayLike<number>, fraction: number, seed: number): number[] {
  const all = Array.from({ length: labels.length }, (_, i) => i);
  return fraction < 1 ? labelledFraction(labels, all, fraction, deriveSeed(seed, "subset", "features")).labelled : all;
}

/** The attention maps [heads][seq][seq] of `model` (layer) on one row of x. */
export function attentionPicture(model: FeatureModel, x: tf.Tensor2D, row: number, layer: number): number[][][] {
  return tf.tidy(() => {
    const o = model.forward(x.slice([row, 0], [1, x.shape[1]]), false);
    return (pickLayer(o.attentions, layer, model.name).arraySync() as number[][][][])[0];
  });
}

/** One student run. */
export async function featureTrial(trial: FeatureTrial, ctx: TrialContext<FeatureShared, FeatureContext>): Promise<FeatureTrialResult> {
  const c = ctx.shared.config;
  const variant = c.variants.find((v) => v.name === trial.variant);
  if (!variant) throw new Error(`unknown variant "${trial.variant}" (variants: ${c.variants.map((v) => v.name).join(", ")})`);
  const d = ctx.setup.data;
  const rows = featureRows(ctx.shared.trainY, c.trainFraction, trial.seed);
  const idx = tf.tensor1d(rows, "int32");
  const sub: SplitTensors = { trainX: tf.gather(d.trainX, idx) as tf.Tensor2D, trainY: tf.gather(d.trainY, idx) as tf.Tensor1D, testX: d.testX, testY: d.testY };
  const student = buildTransformer({ ...c.student, seed: deriveSeed(trial.seed, "student") });
  try {
    const t0 = performance.now();
    let adapterParams = 0;
    const history = await fit(
      student,
      { train: { x: sub.trainX, y: sub.trainY }, test: { x: d.testX, y: d.testY }, teacherModel: ctx.setup.teacher },
      { epochs: c.epochs, batchSize: c.batchSize, learningRate: c.learningRate, seed: deriveSeed(trial.seed, "train"), losses: variantLosses(variant), probe: c.probe },
      { onStart: (i) => (adapterParams = i.extraParams) },
    );
    const last = history[history.length - 1];
    return {
      row: { variant: trial.variant, seed: trial.seed, trainSamples: rows.length, testAcc: last.testAcc, attentionSimilarity: last.attentionSimilarity, ms: performance.now() - t0 },
      curve: history.map((h) => ({ variant: trial.variant, seed: trial.seed, epoch: h.epoch, testAcc: h.testAcc, attentionSimilarity: h.attentionSimilarity, parts: h.parts })),
      params: countParams(student),
      adapterParams,
      picture: attentionPicture(student, d.testX, c.pictureRow, c.probe.studentLayer),
    };
  } finally {
    student.dispose();
    [idx, sub.trainX, sub.trainY].forEach((t) => t.dispose());
  }
}

export interface TrainedFeatureTeacher {
  model: FeatureModel;
  params: number;
  testAcc: number;
  history: EpochRecord[];
}

/** Trains the Transformer teacher on all training rows (hard labels). */
export async function trainFeatureTeacher(data: SplitTensors, spec: FeatureSweepConfig["teacher"], onEpoch?: (r: EpochRecord) => void): Promise<TrainedFeatureTeacher> {
  const model = buildTransformer(spec);
  const history = await fit(
    model,
    { train: { x: data.trainX, y: data.trainY }, test: { x: data.testX, y: data.testY } },
    { epochs: spec.epochs, batchSize: spec.batchSize, learningRate: spec.learningRate, seed: deriveSeed(spec.seed, "teacher-train"), losses: [{ loss: "ce", weight: 1 }] },
    { onEpoch },
  );
  return { model, params: countParams(model), testAcc: history[history.length - 1].testAcc, history };
}

export interface FeatureSweepResult {
  teacherArch: string;
  studentArch: string;
  studentParams: number;
  adapterParams: Record<string, number>;
  rows: FeatureRow[];
  curves: FeatureCurvePoint[];
  /** Student attention maps on the picture row, by variant (seed = first seed). */
  pictures: Record<string, number[][][]>;
  teacherPicture: number[][][];
}

export function checkSweep(c: FeatureSweepConfig): void {
  if (c.seeds.length === 0) throw new Error("seeds must list at least one seed");
  if (!(c.trainFraction > 0 && c.trainFraction <= 1)) throw new Error(`trainFraction must be in (0, 1]; got ${c.trainFraction}`);
  const names = c.variants.map((v) => v.name);
  if (new Set(names).size !== names.length) throw new Error(`variant names must be unique; got ${names.join(", ")}`);
  if (!names.includes(c.reference)) throw new Error(`reference "${c.reference}" is not a variant (${names.join(", ")})`);
}

/** Every (seed, variant) student run, across processes with runTrials (same results serially). */
export async function featureSweep(
  data: SplitTensors,
  teacher: FeatureModel,
  config: FeatureSweepConfig,
  opts: { workers?: number; onTrial?: (r: TrialDone<FeatureTrial, FeatureTrialResult>) => void } = {},
): Promise<FeatureSweepResult> {
  checkSweep(config);
  const trials: FeatureTrial[] = [];
  for (const seed of config.seeds) for (const v of config.variants) trials.push({ variant: v.name, seed });
  const f32 = (t: tf.Tensor) => Float32Array.from(t.dataSync() as Float32Array);
  const shared: FeatureShared = {
    config,
    numFeatures: data.trainX.shape[1],
    trainX: f32(data.trainX),
    trainY: Int32Array.from(data.trainY.dataSync() as Int32Array),
    testX: f32(data.testX),
    testY: Int32Array.from(data.testY.dataSync() as Int32Array),
    teacherWeights: exportWeights(teacher),
  };
  const progress = new Progress("features", trials.length);
  const results = await runTrials<FeatureTrial, FeatureTrialResult, FeatureShared, FeatureContext>({
    module: path.join(__dirname, "feature-distill.ts"),
    fn: "featureTrial",
    setup: "featureSetup",
    local: { fn: featureTrial, setup: featureSetup },
    trials,
    shared,
    workers: opts.workers,
    describe: (t) => `${t.variant} · seed ${t.seed}`,
    onResult: (r) => {
      const sim = r.result.row.attentionSimilarity;
      progress.log(`${r.description}: test accuracy ${pct(r.result.row.testAcc)}${sim === null ? "" : `, attention similarity ${sim.toFixed(3)}`} (${(r.result.row.ms / 1000).toFixed(1)} s)`, r.done);
      opts.onTrial?.(r);
    },
  });
  const pictures: Record<string, number[][][]> = {};
  const adapterParams: Record<string, number> = {};
  results.forEach((r, i) => {
    if (trials[i].seed === config.seeds[0] && r.picture) pictures[trials[i].variant] = r.picture;
    adapterParams[trials[i].variant] = r.adapterParams;
  });
  return {
    teacherArch: describeTransformer(config.teacher),
    studentArch: describeTransformer(config.student),
    studentParams: results[0]?.params ?? 0,
    adapterParams,
    rows: results.map((r) => r.row),
    curves: results.flatMap((r) => r.curve),
    pictures,
    teacherPicture: attentionPicture(teacher, data.testX, config.pictureRow, config.probe.teacherLayer),
  };
}

export interface FeatureSummaryRow {
  variant: string;
  seeds: number;
  meanAcc: number;
  stdAcc: number;
  minAcc: number;
  maxAcc: number;
  meanSimilarity: number | null;
  /** Mean paired difference (same seed) to the reference variant. */
  gainOverReference: number;
  pairedT: number | null;
  /** Same for the attention similarity. */
  similarityGain: number | null;
  similarityT: number | null;
}

const ACC_BY_SEED: PairBy<FeatureRow> = { key: (r) => r.seed, value: (r) => r.testAcc, group: (r) => r.variant };
const SIM_BY_SEED: PairBy<FeatureRow> = { ...ACC_BY_SEED, value: (r) => r.attentionSimilarity };

export function summarizeFeatureSweep(rows: FeatureRow[], reference: string): FeatureSummaryRow[] {
  const variants = [...new Set(rows.map((r) => r.variant))];
  return variants.map((variant) => {
    const g = rows.filter((r) => r.variant === variant);
    const acc = summarize(g.map((r) => r.testAcc));
    const diffs = pairedDiffs(rows, ACC_BY_SEED, variant, reference);
    const sims = g.map((r) => r.attentionSimilarity).filter((s): s is number => s !== null);
    const simDiffs = pairedDiffs(rows, SIM_BY_SEED, variant, reference);
    return {
      variant,
      seeds: acc.n,
      meanAcc: acc.mean,
      stdAcc: acc.std,
      minAcc: acc.min,
      maxAcc: acc.max,
      meanSimilarity: sims.length ? summarize(sims).mean : null,
      gainOverReference: diffs.length ? summarize(diffs).mean : 0,
      pairedT: variant === reference ? null : pairedT(diffs),
      similarityGain: variant === reference || !simDiffs.length ? null : summarize(simDiffs).mean,
      similarityT: variant === reference ? null : pairedT(simDiffs),
    };
  });
}

/** A plain-language reading generated from the summary: what helped, what hurt, what made no clear difference. */
export function readFeatureSweep(summary: FeatureSummaryRow[], reference: string, baseline?: string): string[] {
  const ref = summary.find((r) => r.variant === reference);
  if (!ref) throw new Error(`reference "${reference}" not in the summary`);
  const df = ref.seeds - 1;
  const crit = df >= 1 ? tCrit95(df).toFixed(2) : "n/a";
  const clear = (t: number | null) => clearAt95(t, df);
  const lines: string[] = [];
  lines.push(`- **${reference}** (the reference): ${meanSd(ref.meanAcc, ref.stdAcc)} over ${ref.seeds} seeds${ref.meanSimilarity !== null ? `, attention similarity to the teacher ${ref.meanSimilarity.toFixed(3)}` : ""}.`);
  const helped: string[] = [];
  const hurt: string[] = [];
  const neutral: string[] = [];
  for (const r of summary) {
    if (r.variant === reference) continue;
    const verdict = clear(r.pairedT) ? (r.gainOverReference > 0 ? "clearly better" : "clearly worse") : "no clear difference";
    if (r.variant !== baseline) (verdict === "clearly better" ? helped : verdict === "clearly worse" ? hurt : neutral).push(r.variant);
    const simVerdict = clear(r.similarityT) ? (r.similarityGain! > 0 ? ", clearly closer to the teacher's" : ", clearly further from the teacher's") : ", no clear change";
    const sim = r.similarityGain !== null && r.meanSimilarity !== null ? `; attention similarity ${r.meanSimilarity.toFixed(3)} (${r.similarityGain >= 0 ? "+" : "−"}${Math.abs(r.similarityGain).toFixed(3)}, paired t = ${tValue(r.similarityT)}${simVerdict})` : "";
    lines.push(`- **${r.variant}**: ${meanSd(r.meanAcc, r.stdAcc)}, ${pts(r.gainOverReference)} vs ${reference} (paired t = ${tValue(r.pairedT)}, 95 % threshold ${crit}): ${verdict}${sim}.`);
  }
  const list = (xs: string[]) => (xs.length ? xs.join(", ") : "none");
  lines.push(`- **In short**: on top of ${reference}, helped: ${list(helped)}; hurt: ${list(hurt)}; no clear effect: ${list(neutral)}.`);
  return lines;
}

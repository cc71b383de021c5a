/**
 * The feature-distillation sweep (notebook 06): Transformer students trained by
 * the one trainer (src/train/trainer.ts) with any mix of response, hint,
 * attention and relational terms from the loss registry, variants × seeds
 * through runSweep; its summary and generated reading are in feature-summary.ts.
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
import type { TrialContext } from "./parallel";
import { pct } from "../analysis/format";
import { deriveSeed } from "../core/seed";
import { SweepTrialSpec, runSweep } from "./sweep";

// The summary and reading live in feature-summary.ts; re-exported for existing users.
export { summarizeFeatureSweep, readFeatureSweep } from "./feature-summary";
export type { FeatureRow, FeatureSummaryRow } from "./feature-summary";
import type { FeatureRow } from "./feature-summary";

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

/**
 * The registry terms of a composition: ce, kd (when weighted), hints, attention, relational, in that order.
 * A hint's or attention pair's own `loss` (l2 | cosine, kl | mse) shares its key with the term's
 * name, so a term spec cannot carry it: the default (l2, kl) is dropped, any other is refused.
 */
export function compositionLosses(c: Composition): LossSpec[] {
  const on = <T extends { weight: number }>(xs: T[] | undefined) => (xs ?? []).filter((p) => p.weight > 0);
  // A pair's own "loss" (l2/cosine, kl/mse) is the registry term's "metric": "loss" names the term.
  const metric = (m: string | undefined) => (m === undefined ? {} : { metric: m });
  return [
    { loss: "ce", weight: c.ce ?? 1 },
    ...((c.kd ?? 0) > 0 ? [{ loss: "kd", weight: c.kd!, temperature: c.temperature ?? 4 }] : []),
    ...on(c.features).map(({ weight, loss, ...p }) => ({ loss: "hint", weight, ...p, ...metric(loss) })),
    ...on(c.attention).map(({ weight, loss, ...p }) => ({ loss: "attention", weight, ...p, ...metric(loss) })),
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

/** A sweep trial: one variant (by name) and one seed. */
export type FeatureTrial = SweepTrialSpec<{ variant: string }>;


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
export async function featureTrial(spec: FeatureTrial, ctx: TrialContext<FeatureShared, FeatureContext>): Promise<FeatureTrialResult> {
  const c = ctx.shared.config;
  const trial = { variant: spec.point.variant, seed: spec.seed };
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

/** Every (seed, variant) student run, across processes with runSweep (same results serially), in the order seeds × variants. */
export async function featureSweep(data: SplitTensors, teacher: FeatureModel, config: FeatureSweepConfig, opts: { workers?: number } = {}): Promise<FeatureSweepResult> {
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
  const swept = await runSweep<{ variant: string }, FeatureTrialResult, FeatureShared, FeatureContext>({
    label: "features",
    points: config.variants.map((v) => ({ variant: v.name })),
    seeds: config.seeds,
    order: "seed-major",
    module: path.join(__dirname, "feature-distill.ts"),
    fn: "featureTrial",
    setup: "featureSetup",
    local: { fn: featureTrial, setup: featureSetup },
    shared,
    workers: opts.workers,
    describe: (p, seed) => `${p.variant} · seed ${seed}`,
    report: (r) => `test accuracy ${pct(r.row.testAcc)}${r.row.attentionSimilarity === null ? "" : `, attention similarity ${r.row.attentionSimilarity.toFixed(3)}`}`,
  });
  const pictures: Record<string, number[][][]> = {};
  const adapterParams: Record<string, number> = {};
  for (const s of swept) {
    if (s.seed === config.seeds[0] && s.result.picture) pictures[s.point.variant] = s.result.picture;
    adapterParams[s.point.variant] = s.result.adapterParams;
  }
  const results = swept.map((s) => s.result);
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

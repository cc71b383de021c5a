/**
 * Training models that expose their insides (src/models/probe.ts) with any mix
 * of knowledge from a teacher, composed by weights from configuration (as
 * torchdistill composes losses):
 *
 *   loss = ce·CE(labels) + kd·T²·KL(teacher_T ‖ student_T)
 *        + Σ w·hint(adapter(student feature), teacher feature)
 *        + Σ w·attention(student layer, teacher layer)
 *        + Σ w·relational(student feature, teacher feature)
 *
 * Every part is recorded per epoch under its own name. The teacher is frozen:
 * its outputs on the training rows are computed once (inference mode) and
 * gathered per batch, so no gradient can reach it; the optimiser updates the
 * student's variables and the adapters'. Seeded shuffling, Adam, tf.variableGrads,
 * everything a step allocates released by tf.tidy.
 *
 * Also: the feature-distillation sweep (variants × seeds through runTrials)
 * and its summary and generated reading.
 */
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { labelledFraction } from "../data/split";
import { AttentionLossKind, HeadMode, attentionLoss, attentionSimilarity, pickLayer } from "../distill/attention";
import { FeaturePair, HintTerm, buildHintTerm } from "../distill/features";
import { crossEntropy, kdLoss } from "../distill/losses";
import { RelationalKind, relationalLoss } from "../distill/relational";
import { FeatureModel, ModelOutputs, countParams, exportWeights, importWeights } from "../models/probe";
import { TransformerSpec, buildTransformer, describeTransformer } from "../models/transformer";
import { TrialContext, TrialDone, runTrials } from "./parallel";
import { Progress, pct } from "./progress";
import { Rng, deriveSeed, shuffleInPlace } from "../core/seed";
import { pairedT, summarize, tCrit95 } from "./stats";

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

/** The composed objective: a weight per part (0 or absent = off). */
export interface Composition {
  /** Hard-label cross-entropy weight (default 1). */
  ce?: number;
  /** Response-level KD weight (T²·KL on logits; default 0). */
  kd?: number;
  temperature?: number;
  features?: WeightedFeaturePair[];
  attention?: WeightedAttentionPair[];
  relational?: WeightedRelational[];
}

export interface FeatureTrainConfig extends Composition {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Seeds the shuffling and the adapters' init. */
  seed: number;
  /** Attention layers whose similarity (student vs teacher, on the test rows) is measured every epoch. */
  probe?: { studentLayer: number; teacherLayer: number; heads?: HeadMode };
}

export interface FeatureEpoch {
  epoch: number;
  /** Weighted total. */
  loss: number;
  /** Unweighted mean of each part over the epoch ("ce", "kd", "feat …", "att …", "rel …"). */
  parts: Record<string, number>;
  trainAcc: number;
  testAcc: number;
  /** Mean cosine between student and teacher attention maps on the test rows (with a probe and a teacher). */
  attentionSimilarity: number | null;
  ms: number;
}

export interface SplitTensors {
  trainX: tf.Tensor2D;
  trainY: tf.Tensor1D;
  testX: tf.Tensor2D;
  testY: tf.Tensor1D;
}

/** Forward in inference mode, batch by batch, keeping only what `keep` picks, concatenated. */
function forwardAll(model: FeatureModel, x: tf.Tensor2D, pick: (o: ModelOutputs) => tf.Tensor[], batchSize = 512): tf.Tensor[] {
  return tf.tidy(() => {
    const chunks: tf.Tensor[][] = [];
    for (let s = 0; s < x.shape[0]; s += batchSize) {
      const size = Math.min(batchSize, x.shape[0] - s);
      chunks.push(pick(model.forward(x.slice([s, 0], [size, x.shape[1]]), false)));
    }
    return chunks[0].map((_, i) => (chunks.length === 1 ? chunks[0][i] : tf.concat(chunks.map((c) => c[i]), 0)));
  });
}

function accuracyOf(logits: tf.Tensor2D, y: tf.Tensor1D): number {
  return tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), tf.cast(y, "int32")), "float32")).dataSync()[0]);
}

/** Checks weights and configuration before anything is built. */
export function checkComposition(c: FeatureTrainConfig, hasTeacher: boolean): void {
  const w = (name: string, v: number | undefined) => {
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw new Error(`${name} weight must be ≥ 0; got ${v}`);
  };
  w("ce", c.ce);
  w("kd", c.kd);
  (c.features ?? []).forEach((p, i) => w(`features[${i}]`, p.weight));
  (c.attention ?? []).forEach((p, i) => w(`attention[${i}]`, p.weight));
  (c.relational ?? []).forEach((p, i) => w(`relational[${i}]`, p.weight));
  for (const [k, v] of [["epochs", c.epochs], ["batchSize", c.batchSize]] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new Error(`${k} must be a positive integer; got ${v}`);
  }
  if (!(c.learningRate > 0)) throw new Error(`learningRate must be > 0; got ${c.learningRate}`);
  const needsTeacher = (c.kd ?? 0) > 0 || (c.features ?? []).length > 0 || (c.attention ?? []).length > 0 || (c.relational ?? []).length > 0;
  if (needsTeacher && !hasTeacher) throw new Error("kd, features, attention and relational terms need a teacher");
  if (c.temperature !== undefined && !(c.temperature > 0)) throw new Error(`temperature must be > 0; got ${c.temperature}`);
}

/** Shape of each named feature of `model` for a batch of `batch` rows. */
function featureShapes(model: FeatureModel, inputDim: number, batch = 2): { features: Record<string, number[]>; attentions: number[][] } {
  return tf.tidy(() => {
    const o = model.forward(tf.zeros([batch, inputDim]) as tf.Tensor2D, false);
    const features: Record<string, number[]> = {};
    for (const [k, v] of Object.entries(o.features)) features[k] = v.shape.slice();
    return { features, attentions: (o.attentions ?? []).map((a) => a.shape.slice()) };
  });
}

function need(shapes: Record<string, number[]>, name: string, who: string): number[] {
  const s = shapes[name];
  if (!s) throw new Error(`${who} has no feature "${name}" (it has: ${Object.keys(shapes).join(", ")})`);
  return s;
}

export interface FeatureTrainResult {
  history: FeatureEpoch[];
  testAcc: number;
  /** Parameters of the adapters (trained alongside, dropped afterwards). */
  adapterParams: number;
  partNames: string[];
}

/**
 * Trains `student` in place on data.train with the composed objective; evaluates
 * on data.test every epoch. The adapters are created (seeded) here and disposed
 * at the end.
 */
export async function trainFeatureDistill(args: {
  student: FeatureModel;
  teacher?: FeatureModel;
  data: SplitTensors;
  config: FeatureTrainConfig;
  onEpoch?: (r: FeatureEpoch) => void;
}): Promise<FeatureTrainResult> {
  const { student, teacher, data, config } = args;
  checkComposition(config, !!teacher);
  const inputDim = data.trainX.shape[1];
  const n = data.trainX.shape[0];
  const ceW = config.ce ?? 1;
  const kdW = config.kd ?? 0;
  const T = config.temperature ?? 4;
  const featPairs = (config.features ?? []).filter((p) => p.weight > 0);
  const attPairs = (config.attention ?? []).filter((p) => p.weight > 0);
  const relPairs = (config.relational ?? []).filter((p) => p.weight > 0);

  // Validate pairings against the models' shapes and build adapters.
  const sShapes = featureShapes(student, inputDim);
  const tShapes = teacher ? featureShapes(teacher, inputDim) : { features: {}, attentions: [] };
  const hints: HintTerm[] = featPairs.map((p, i) =>
    buildHintTerm(p, need(sShapes.features, p.student, `student ${student.name}`), need(tShapes.features, p.teacher, `teacher ${teacher!.name}`), deriveSeed(config.seed, "adapter", i)),
  );
  for (const p of relPairs) {
    need(sShapes.features, p.student, `student ${student.name}`);
    need(tShapes.features, p.teacher, `teacher ${teacher!.name}`);
  }
  for (const p of attPairs) {
    const s = pickLayer(sShapes.attentions, p.studentLayer, `student ${student.name}`);
    const t = pickLayer(tShapes.attentions, p.teacherLayer, `teacher ${teacher!.name}`);
    if (s[2] !== t[2] || s[3] !== t[3]) throw new Error(`attention pair: student maps [${s}] and teacher maps [${t}] differ in sequence length`);
    if ((p.heads ?? "mean") === "match" && s[1] !== t[1]) throw new Error(`attention pair with heads "match": student maps [${s}] and teacher maps [${t}] have different head counts`);
  }
  const adapterVars = hints.flatMap((h) => (h.adapter ? h.adapter.variables : []));
  const adapterParams = adapterVars.reduce((a, v) => a + v.size, 0);
  const varList = [...student.variables, ...adapterVars];

  // Teacher outputs on the training rows, once (frozen teacher: no gradient can reach it).
  const tLayer = (i: number) => (i < 0 ? tShapes.attentions.length + i : i);
  const cacheNames = {
    logits: kdW > 0,
    feats: [...new Set([...featPairs.map((p) => p.teacher), ...relPairs.map((p) => p.teacher)])],
    atts: [...new Set(attPairs.map((p) => tLayer(p.teacherLayer)))],
  };
  const tCache: { logits?: tf.Tensor; feats: Record<string, tf.Tensor>; atts: Record<number, tf.Tensor> } = { feats: {}, atts: {} };
  if (teacher) {
    const got = forwardAll(teacher, data.trainX, (o) => [
      ...(cacheNames.logits ? [o.logits] : []),
      ...cacheNames.feats.map((f) => o.features[f]),
      ...cacheNames.atts.map((l) => o.attentions![l]),
    ]);
    let k = 0;
    if (cacheNames.logits) tCache.logits = got[k++];
    cacheNames.feats.forEach((f) => (tCache.feats[f] = got[k++]));
    cacheNames.atts.forEach((l) => (tCache.atts[l] = got[k++]));
  }
  // Teacher attention on the test rows for the similarity probe.
  const probe = teacher && config.probe && tShapes.attentions.length && sShapes.attentions.length ? config.probe : undefined;
  const tProbe = probe ? forwardAll(teacher!, data.testX, (o) => [pickLayer(o.attentions, probe.teacherLayer, "teacher")])[0] : undefined;

  const partNames = [
    "ce",
    ...(kdW > 0 ? ["kd"] : []),
    ...featPairs.map((p) => `feat ${p.student}→${p.teacher}`),
    ...attPairs.map((p) => `att L${p.studentLayer}→L${p.teacherLayer}`),
    ...relPairs.map((p) => `rel ${p.kind} ${p.student}→${p.teacher}`),
  ];
  const rng = new Rng(deriveSeed(config.seed, "shuffle"));
  const optimizer = tf.train.adam(config.learningRate);
  const order = Array.from({ length: n }, (_, i) => i);
  const history: FeatureEpoch[] = [];
  try {
    for (let epoch = 1; epoch <= config.epochs; epoch++) {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) order[i] = i;
      shuffleInPlace(order, rng);
      const sums = new Float64Array(partNames.length + 2);
      for (let begin = 0; begin < n; begin += config.batchSize) {
        const batch = order.slice(begin, begin + config.batchSize);
        const values = tf.tidy(() => {
          const idx = tf.tensor1d(batch, "int32");
          const xb = tf.gather(data.trainX, idx) as tf.Tensor2D;
          const yb = tf.cast(tf.gather(data.trainY, idx), "int32") as tf.Tensor1D;
          const tLogits = tCache.logits ? (tf.gather(tCache.logits, idx) as tf.Tensor2D) : undefined;
          const tFeat: Record<string, tf.Tensor> = {};
          for (const f of cacheNames.feats) tFeat[f] = tf.gather(tCache.feats[f], idx);
          const tAtt: Record<number, tf.Tensor4D> = {};
          for (const l of cacheNames.atts) tAtt[l] = tf.gather(tCache.atts[l], idx) as tf.Tensor4D;
          let parts: tf.Tensor1D | undefined;
          const { grads } = tf.variableGrads(() => {
            const out = student.forward(xb, true);
            const vals: tf.Scalar[] = [crossEntropy(out.logits, yb)];
            const weights: number[] = [ceW];
            if (kdW > 0) {
              vals.push(kdLoss(out.logits, tLogits!, T));
              weights.push(kdW);
            }
            hints.forEach((h, i) => {
              vals.push(h.compute(out.features[h.pair.student], tFeat[h.pair.teacher]));
              weights.push(featPairs[i].weight);
            });
            for (const p of attPairs) {
              vals.push(attentionLoss(pickLayer(out.attentions, p.studentLayer, "student"), tAtt[tLayer(p.teacherLayer)], { loss: p.loss, heads: p.heads }));
              weights.push(p.weight);
            }
            for (const p of relPairs) {
              vals.push(relationalLoss(p.kind, out.features[p.student], tFeat[p.teacher]));
              weights.push(p.weight);
            }
            const total = vals.reduce<tf.Scalar>((acc, v, i) => (i === 0 ? (tf.mul(v, weights[0]) as tf.Scalar) : (tf.add(acc, tf.mul(v, weights[i])) as tf.Scalar)), tf.scalar(0));
            const correct = tf.mean(tf.cast(tf.equal(tf.argMax(out.logits, 1), yb), "float32"));
            parts = tf.keep(tf.stack([total, ...vals, correct]) as tf.Tensor1D);
            return total;
          }, varList);
          optimizer.applyGradients(grads as unknown as Parameters<typeof optimizer.applyGradients>[0]);
          const v = parts!.dataSync();
          parts!.dispose();
          return v;
        });
        for (let i = 0; i < values.length; i++) {
          if (!Number.isFinite(values[i])) throw new Error(`training diverged in epoch ${epoch}: ${i === 0 ? "total" : partNames[i - 1] ?? "accuracy"} is ${values[i]}`);
          sums[i] += values[i] * batch.length;
        }
      }
      const mean = Array.from(sums, (v) => v / n);
      let testAcc = 0;
      let sim: number | null = null;
      tf.tidy(() => {
        const o = student.forward(data.testX, false);
        testAcc = accuracyOf(o.logits, data.testY);
        if (probe && tProbe) sim = attentionSimilarity(pickLayer(o.attentions, probe.studentLayer, "student"), tProbe as tf.Tensor4D, probe.heads ?? "mean");
      });
      const rec: FeatureEpoch = {
        epoch,
        loss: mean[0],
        parts: Object.fromEntries(partNames.map((p, i) => [p, mean[1 + i]])),
        trainAcc: mean[partNames.length + 1],
        testAcc,
        attentionSimilarity: sim,
        ms: performance.now() - t0,
      };
      history.push(rec);
      args.onEpoch?.(rec);
      if (epoch % 10 === 0) await new Promise((r) => setImmediate(r));
    }
  } finally {
    optimizer.dispose();
    hints.forEach((h) => h.adapter?.dispose());
    tCache.logits?.dispose();
    Object.values(tCache.feats).forEach((t) => t.dispose());
    Object.values(tCache.atts).forEach((t) => t.dispose());
    tProbe?.dispose();
  }
  return { history, testAcc: history[history.length - 1].testAcc, adapterParams, partNames };
}

// ------------------------------------------------------------------ the sweep

export interface FeatureVariant {
  name: string;
  composition: Composition;
}

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
    const res = await trainFeatureDistill({
      student,
      teacher: ctx.setup.teacher,
      data: sub,
      config: { ...variant.composition, epochs: c.epochs, batchSize: c.batchSize, learningRate: c.learningRate, seed: deriveSeed(trial.seed, "train"), probe: c.probe },
    });
    const last = res.history[res.history.length - 1];
    return {
      row: { variant: trial.variant, seed: trial.seed, trainSamples: rows.length, testAcc: res.testAcc, attentionSimilarity: last.attentionSimilarity, ms: performance.now() - t0 },
      curve: res.history.map((h) => ({ variant: trial.variant, seed: trial.seed, epoch: h.epoch, testAcc: h.testAcc, attentionSimilarity: h.attentionSimilarity, parts: h.parts })),
      params: countParams(student),
      adapterParams: res.adapterParams,
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
  history: FeatureEpoch[];
}

/** Trains the Transformer teacher on all training rows (hard labels). */
export async function trainFeatureTeacher(data: SplitTensors, spec: FeatureSweepConfig["teacher"], onEpoch?: (r: FeatureEpoch) => void): Promise<TrainedFeatureTeacher> {
  const model = buildTransformer(spec);
  const res = await trainFeatureDistill({ student: model, data, config: { epochs: spec.epochs, batchSize: spec.batchSize, learningRate: spec.learningRate, seed: deriveSeed(spec.seed, "teacher-train"), ce: 1 }, onEpoch });
  return { model, params: countParams(model), testAcc: res.testAcc, history: res.history };
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

export function summarizeFeatureSweep(rows: FeatureRow[], reference: string): FeatureSummaryRow[] {
  const variants = [...new Set(rows.map((r) => r.variant))];
  const ref = new Map(rows.filter((r) => r.variant === reference).map((r) => [r.seed, r]));
  return variants.map((variant) => {
    const g = rows.filter((r) => r.variant === variant);
    const acc = summarize(g.map((r) => r.testAcc));
    const paired = g.filter((r) => ref.has(r.seed));
    const diffs = paired.map((r) => r.testAcc - ref.get(r.seed)!.testAcc);
    const sims = g.map((r) => r.attentionSimilarity).filter((s): s is number => s !== null);
    const simDiffs = paired.filter((r) => r.attentionSimilarity !== null && ref.get(r.seed)!.attentionSimilarity !== null).map((r) => r.attentionSimilarity! - ref.get(r.seed)!.attentionSimilarity!);
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

const pts = (x: number): string => `${x >= 0 ? "+" : "−"}${Math.abs(100 * x).toFixed(1)} pts`;

/** A plain-language reading generated from the summary: what helped, what hurt, what made no clear difference. */
export function readFeatureSweep(summary: FeatureSummaryRow[], reference: string, baseline?: string): string[] {
  const ref = summary.find((r) => r.variant === reference);
  if (!ref) throw new Error(`reference "${reference}" not in the summary`);
  const df = ref.seeds - 1;
  const crit = tCrit95(df);
  const clear = (t: number | null) => t !== null && Math.abs(t) > crit;
  const lines: string[] = [];
  lines.push(`- **${reference}** (the reference): ${(100 * ref.meanAcc).toFixed(1)} ± ${(100 * ref.stdAcc).toFixed(1)} % over ${ref.seeds} seeds${ref.meanSimilarity !== null ? `, attention similarity to the teacher ${ref.meanSimilarity.toFixed(3)}` : ""}.`);
  const helped: string[] = [];
  const hurt: string[] = [];
  const neutral: string[] = [];
  for (const r of summary) {
    if (r.variant === reference) continue;
    const t = r.pairedT === null ? "n/a" : r.pairedT.toFixed(2);
    const verdict = clear(r.pairedT) ? (r.gainOverReference > 0 ? "clearly better" : "clearly worse") : "no clear difference";
    if (r.variant !== baseline) (verdict === "clearly better" ? helped : verdict === "clearly worse" ? hurt : neutral).push(r.variant);
    const simVerdict = clear(r.similarityT) ? (r.similarityGain! > 0 ? ", clearly closer to the teacher's" : ", clearly further from the teacher's") : ", no clear change";
    const sim = r.similarityGain !== null && r.meanSimilarity !== null ? `; attention similarity ${r.meanSimilarity.toFixed(3)} (${r.similarityGain >= 0 ? "+" : "−"}${Math.abs(r.similarityGain).toFixed(3)}, paired t = ${r.similarityT === null ? "n/a" : r.similarityT.toFixed(2)}${simVerdict})` : "";
    lines.push(`- **${r.variant}**: ${(100 * r.meanAcc).toFixed(1)} ± ${(100 * r.stdAcc).toFixed(1)} %, ${pts(r.gainOverReference)} vs ${reference} (paired t = ${t}, 95 % threshold ${crit.toFixed(2)}): ${verdict}${sim}.`);
  }
  const list = (xs: string[]) => (xs.length ? xs.join(", ") : "none");
  lines.push(`- **In short**: on top of ${reference}, helped: ${list(helped)}; hurt: ${list(hurt)}; no clear effect: ${list(neutral)}.`);
  return lines;
}

/**
 * One student of notebook 09: an n-gram-bag model trained on the first
 * `budget` texts of its seed's query order, from one target —
 *
 *   true-labels    cross-entropy on the package languages (the reference: it
 *                  is the only variant that reads poolTrueY);
 *   teacher-top1   cross-entropy on the teacher's top-1 language;
 *   teacher-probs  T²·KL(softmax(log p / T) ‖ softmax(z / T)), p the teacher's
 *                  renormalised probabilities (the registry's kd term with
 *                  log p as the teacher's logits).
 *
 * The two teacher variants read the texts' n-grams and the teacher's answers
 * only (trainingTargets); their train.y is the teacher's top-1, so the
 * trainer's training accuracy is agreement with the teacher. Every run is
 * evaluated on the whole test set: accuracy against the true languages,
 * agreement with the teacher, accuracy per language.
 */
import * as tf from "@tensorflow/tfjs";
import { Rng, deriveSeed, shuffleInPlace } from "../core/seed";
import type { LossSpec } from "../distill/registry";
import { buildNgramBag } from "../models/ngram-bag";
import { fit } from "../train/trainer";
import type { TrialContext } from "./parallel";
import type { SweepTrialSpec } from "./sweep";
import type { PretrainedTeacherExperiment, TargetVariant } from "./schema/pretrained-teacher";
import type { TextTaskData } from "./pretrained-teacher-data";
import { predictLogits } from "../distill/teachers";

/** What every trial reads: the task's arrays (see TextTaskData), with the ids as Uint16 when the buckets fit. */
export type TextShared = Pick<TextTaskData, "slots" | "pool" | "test" | "monitor" | "poolTrueY" | "testY" | "monitorY" | "teacherLogp" | "teacherTop1"> & {
  config: PretrainedTeacherExperiment;
  classes: number;
  x: Uint16Array | Float32Array;
};

export interface TextPoint {
  /** Texts the teacher labels (resolved from "all"). */
  budget: number;
  variant: string;
  /** Return the trained weights (for the exported student). */
  keepWeights?: boolean;
  /** Return the test predictions (for the disagreement analysis). */
  keepPredictions?: boolean;
}

export interface TextTrialResult {
  budget: number;
  variant: string;
  seed: number;
  epochs: number;
  steps: number;
  testAcc: number;
  /** Fraction of test texts where student and teacher give the same language. */
  agreement: number;
  perLanguage: number[];
  /** Monitor-set accuracy after each epoch. */
  curve: number[];
  trainMs: number;
  predictions?: number[];
  weights?: { shape: number[]; values: Float32Array }[];
}

export interface TextContext {
  testX: tf.Tensor2D;
  monitorX: tf.Tensor2D;
  dispose(): void;
}

/** Rows of the id matrix as a float32 tensor [rows × slots]. */
export function idRows(s: Pick<TextShared, "x" | "slots">, rows: ArrayLike<number>): tf.Tensor2D {
  const out = new Float32Array(rows.length * s.slots);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    for (let j = 0; j < s.slots; j++) out[i * s.slots + j] = s.x[r * s.slots + j];
  }
  return tf.tensor2d(out, [rows.length, s.slots]);
}

/** The texts a seed's student may query, in query order: the pool shuffled by the seed. Budget n = the first n. */
export function queryOrder(pool: ArrayLike<number>, seed: number): number[] {
  return shuffleInPlace(Array.from({ length: pool.length }, (_, i) => i), new Rng(deriveSeed(seed, "queries")));
}

/** Epochs for n texts: the configured epochs, or more so that training has at least minSteps steps. */
export function epochsFor(n: number, t: PretrainedTeacherExperiment["training"]): number {
  return Math.max(t.epochs, Math.ceil(t.minSteps / Math.ceil(n / t.batchSize)));
}

/**
 * What a variant trains on, for pool positions `picked`: labels, and the
 * teacher's log-probabilities for the soft variant. Only "true-labels" reads
 * poolTrueY.
 */
export function trainingTargets(v: TargetVariant, s: Pick<TextShared, "pool" | "poolTrueY" | "teacherTop1" | "teacherLogp" | "classes">, picked: number[]): { y: Int32Array; logp?: Float32Array; losses: LossSpec[] } {
  if (v.target === "true-labels") return { y: Int32Array.from(picked, (i) => s.poolTrueY[i]), losses: [{ loss: "ce", weight: 1 }] };
  const y = Int32Array.from(picked, (i) => s.teacherTop1[s.pool[i]]);
  if (v.target === "teacher-top1") return { y, losses: [{ loss: "ce", weight: 1 }] };
  const L = s.classes;
  const logp = new Float32Array(picked.length * L);
  picked.forEach((i, k) => logp.set(s.teacherLogp.subarray(s.pool[i] * L, (s.pool[i] + 1) * L), k * L));
  return { y, logp, losses: [{ loss: "kd", weight: 1, temperature: v.temperature }] };
}

export function textSetup(s: TextShared): TextContext {
  const testX = idRows(s, s.test);
  const monitorX = idRows(s, s.monitor);
  return { testX, monitorX, dispose: () => [testX, monitorX].forEach((t) => t.dispose()) };
}

/** The argmax class of each row, read asynchronously. */
export async function predictClasses(model: tf.LayersModel, x: tf.Tensor2D): Promise<Int32Array> {
  const p = tf.tidy(() => tf.argMax(predictLogits(model, x, 1024), 1));
  try {
    return (await p.data()) as Int32Array;
  } finally {
    p.dispose();
  }
}

export async function textTrial(spec: SweepTrialSpec<TextPoint>, ctx: TrialContext<TextShared, TextContext>): Promise<TextTrialResult> {
  const s = ctx.shared;
  const c = s.config;
  const { point, seed } = spec;
  const variant = c.variants.find((v) => v.name === point.variant);
  if (!variant) throw new Error(`unknown variant "${point.variant}"`);
  if (point.budget > s.pool.length) throw new Error(`budget ${point.budget} exceeds the ${s.pool.length} texts of the training pool`);
  const picked = queryOrder(s.pool, seed).slice(0, point.budget);
  const targets = trainingTargets(variant, s, picked);
  const x = idRows(s, Array.from(picked, (i) => s.pool[i]));
  const y = tf.tensor1d(targets.y, "int32");
  const teacherTrain = targets.logp ? tf.tensor2d(targets.logp, [picked.length, s.classes]) : undefined;
  const monitorY = tf.tensor1d(s.monitorY, "int32");
  const model = buildNgramBag({ hashing: c.hashing, dim: c.student.dim, hidden: c.student.hidden, numClasses: s.classes, seed: deriveSeed(seed, "init") });
  const epochs = epochsFor(point.budget, c.training);
  const t0 = performance.now();
  try {
    const history = await fit(
      model,
      { train: { x, y }, test: { x: ctx.setup.monitorX, y: monitorY }, teacherTrain },
      { epochs, batchSize: c.training.batchSize, learningRate: c.training.learningRate, seed, losses: targets.losses },
    );
    const trainMs = performance.now() - t0;
    const pred = await predictClasses(model, ctx.setup.testX);
    let right = 0;
    let agree = 0;
    const perRight = new Array(s.classes).fill(0);
    const perCount = new Array(s.classes).fill(0);
    pred.forEach((p, i) => {
      const truth = s.testY[i];
      perCount[truth]++;
      if (p === truth) {
        right++;
        perRight[truth]++;
      }
      if (p === s.teacherTop1[s.test[i]]) agree++;
    });
    return {
      budget: point.budget,
      variant: point.variant,
      seed,
      epochs,
      steps: epochs * Math.ceil(point.budget / c.training.batchSize),
      testAcc: right / pred.length,
      agreement: agree / pred.length,
      perLanguage: perRight.map((r, k) => (perCount[k] ? r / perCount[k] : 0)),
      curve: history.map((h) => h.testAcc),
      trainMs,
      ...(point.keepPredictions ? { predictions: Array.from(pred) } : {}),
      ...(point.keepWeights ? { weights: await Promise.all(model.getWeights().map(async (w) => ({ shape: w.shape.slice(), values: (await w.data()) as Float32Array }))) } : {}),
    };
  } finally {
    model.dispose();
    [x, y, monitorY, teacherTrain].forEach((t) => t?.dispose());
  }
}

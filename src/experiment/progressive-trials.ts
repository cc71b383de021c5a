/**
 * The runs of notebook 05 (progressive, staged distillation vs one stage with
 * the same total budget): one student per (variant, seed), trained by
 * trainStages (train/stages.ts) with one Adam optimiser across its stages.
 * Trials are plain data run by progressiveTrial through runSweep (sweep.ts),
 * across cores, sharing the data and the teacher logits the temperature sweep
 * shares (parallel-sweep.ts: sweepShared / sweepSetup).
 */
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { labelledFraction } from "../data/split";
import { checkAlpha, checkTemperature } from "../distill/temperature";
import { Activation, buildMlp } from "../models/mlp";
import { StageBoundary, checkStages, stageSteps, trainStages } from "../train/stages";
import { pct } from "../analysis/format";
import { deriveSeed } from "../core/seed";
import type { TrialContext } from "./parallel";
import { SweepContext, SweepShared, sweepSetup } from "./parallel-sweep";
import { runSweep } from "./sweep";

export interface StageSpec {
  name: string;
  /** Fraction of the training rows this stage trains on (stratified, seeded); 1 = all. */
  fraction: number;
  temperature: number;
  /** α·CE + (1−α)·KD; 1 = hard labels only. */
  alpha: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
}

export interface ProgressiveVariant {
  name: string;
  /** Variants with the same budget label must run the same total steps. */
  budget: string;
  stages: StageSpec[];
}

export type StudentShape = { hidden: number[]; activation?: Activation; dropout?: number };

/** The programmatic configuration (experiment files go through schema/progressive-stages.ts instead). */
export interface ProgressiveConfig {
  dataSeed: number;
  teacher: { hidden: number[]; epochs: number; batchSize: number; learningRate: number; seed: number };
  student: StudentShape;
  seeds: number[];
  variants: ProgressiveVariant[];
  latency: { batchSize: number; repeats: number };
  workers?: number;
}

/** Field checks of hand-made stage lists (an experiment file's are checked by its schema). */
export function checkStageSpecs(stages: StageSpec[], field: string): void {
  if (!Array.isArray(stages) || stages.length === 0) throw new Error(`${field}.stages must list at least one stage`);
  stages.forEach((s, i) => {
    const f = `${field}.stages[${i}] (${s.name})`;
    if (!Number.isInteger(s.epochs) || s.epochs <= 0) throw new Error(`${f}.epochs must be a positive integer; got ${s.epochs}`);
    if (!Number.isInteger(s.batchSize) || s.batchSize <= 0) throw new Error(`${f}.batchSize must be a positive integer; got ${s.batchSize}`);
    if (!(Number.isFinite(s.learningRate) && s.learningRate > 0)) throw new Error(`${f}.learningRate must be > 0; got ${s.learningRate}`);
    if (!(Number.isFinite(s.fraction) && s.fraction > 0 && s.fraction <= 1)) throw new Error(`${f}.fraction must be in (0, 1]; got ${s.fraction}`);
    checkTemperature(s.temperature, `${f}.temperature`);
    checkAlpha(s.alpha, `${f}.alpha`);
  });
}

/** The training rows a stage uses for a seed. */
export function stageRows(labels: ArrayLike<number>, stage: StageSpec, seed: number, index: number): number[] {
  const all = Array.from({ length: labels.length }, (_, i) => i);
  return stage.fraction < 1 ? labelledFraction(labels, all, stage.fraction, deriveSeed(seed, "stage-rows", index)).labelled : all;
}

/** Total optimiser steps of a variant (for seed 0's rows; stratified picks have the same size for every seed). */
export function variantSteps(labels: ArrayLike<number>, v: ProgressiveVariant): number {
  return v.stages.reduce((acc, s, i) => acc + stageSteps({ epochs: s.epochs, batchSize: s.batchSize, rows: stageRows(labels, s, 0, i).length }), 0);
}

/** The budget groups whose variants do not all run the same total steps (this needs the data: the schema cannot see it). */
export function unequalBudgets(variants: ProgressiveVariant[], labels: ArrayLike<number>): { budget: string; steps: { name: string; steps: number }[] }[] {
  const out: { budget: string; steps: { name: string; steps: number }[] }[] = [];
  for (const budget of new Set(variants.map((v) => v.budget))) {
    const steps = variants.filter((v) => v.budget === budget).map((v) => ({ name: v.name, steps: variantSteps(labels, v) }));
    if (new Set(steps.map((g) => g.steps)).size > 1) out.push({ budget, steps });
  }
  return out;
}

export const describeSteps = (steps: { name: string; steps: number }[]): string => steps.map((g) => `${g.name} ${g.steps}`).join(", ");

/** Checks a hand-made config, including equal total steps inside each budget group (error names the variants and their steps). */
export function checkProgressiveConfig(c: ProgressiveConfig, labels: ArrayLike<number>): void {
  if (c.seeds.length === 0) throw new Error("seeds must list at least one seed");
  if (c.variants.length === 0) throw new Error("variants must list at least one variant");
  c.variants.forEach((v, i) => checkStageSpecs(v.stages, `variants[${i}] (${v.name})`));
  const bad = unequalBudgets(c.variants, labels)[0];
  if (bad) throw new Error(`budget "${bad.budget}": variants must run the same total steps; got ${describeSteps(bad.steps)}`);
}

/** A grid point: one variant of one budget, and the student it trains. */
export interface ProgressivePoint {
  variant: string;
  budget: string;
  stages: StageSpec[];
  student: StudentShape;
}

export interface ProgressiveTrialResult {
  variant: string;
  budget: string;
  seed: number;
  testAcc: number;
  teacherAgreement: number | null;
  steps: number;
  /** Adam's iteration count at the end (= steps: the optimiser state carried over every stage). */
  optimizerIterations: number;
  boundaries: StageBoundary[];
  curve: { epoch: number; step: number; stage: string; testAcc: number; temperature: number }[];
  params: number;
  /** The trained student's weights (a small MLP: cheap to return), so the runner can export the best one. */
  weights: { shape: number[]; values: Float32Array }[];
  ms: number;
}

/** One student: its stages in order, one optimiser throughout. */
export async function progressiveTrial(trial: { point: ProgressivePoint; seed: number }, ctx: TrialContext<SweepShared, SweepContext>): Promise<ProgressiveTrialResult> {
  const spec = trial.point;
  const seed = trial.seed;
  const t0 = performance.now();
  const d = ctx.setup;
  const owned: tf.Tensor[] = [];
  const model = buildMlp({ inputDim: ctx.shared.numFeatures, hidden: spec.student.hidden, outputDim: ctx.shared.numClasses, activation: spec.student.activation, dropout: spec.student.dropout, seed: deriveSeed(seed, "student-init") });
  const optimizer = tf.train.adam(spec.stages[0].learningRate);
  try {
    const stages = spec.stages.map((s, i) => {
      const rows = stageRows(ctx.shared.labels, s, seed, i);
      const all = rows.length === d.trainX.shape[0];
      let train = { x: d.trainX, y: d.trainY };
      let teacherTrain = d.teacherTrain;
      if (!all) {
        const idx = tf.tensor1d(rows, "int32");
        train = { x: tf.gather(d.trainX, idx) as tf.Tensor2D, y: tf.gather(d.trainY, idx) as tf.Tensor1D };
        teacherTrain = tf.gather(d.teacherTrain, idx) as tf.Tensor2D;
        owned.push(idx, train.x, train.y, teacherTrain);
      }
      return {
        name: s.name,
        data: { train, test: { x: d.testX, y: d.testY }, teacherTrain: s.alpha < 1 ? teacherTrain : undefined, teacherTest: d.teacherTest },
        temperature: s.temperature,
        alpha: s.alpha,
        epochs: s.epochs,
        batchSize: s.batchSize,
        learningRate: s.learningRate,
      };
    });
    checkStages(stages);
    const r = await trainStages(model, stages, { seed: deriveSeed(seed, "student-train"), optimizer });
    const last = r.history[r.history.length - 1];
    return {
      variant: spec.variant,
      budget: spec.budget,
      seed,
      testAcc: last.testAcc,
      teacherAgreement: last.teacherAgreement,
      steps: r.steps,
      optimizerIterations: optimizer.iterations,
      boundaries: r.boundaries,
      curve: r.history.map((h) => ({ epoch: h.epoch, step: h.step, stage: h.stage, testAcc: h.testAcc, temperature: h.temperature })),
      params: model.countParams(),
      weights: await Promise.all(model.getWeights().map(async (w) => ({ shape: w.shape.slice(), values: (await w.data()) as Float32Array }))),
      ms: performance.now() - t0,
    };
  } finally {
    optimizer.dispose();
    model.dispose();
    owned.forEach((t) => t.dispose());
  }
}

/** The sweep's per-process setup, re-exported so a worker finds it in this module. */
export const sweepSetupForProgressive = sweepSetup;

/** Every (seed, variant) student across cores (runSweep), one progress line per run; results seed-major (every variant of seed 0, then seed 1 …). */
export async function runProgressiveTrials(shared: SweepShared, variants: ProgressiveVariant[], student: StudentShape, seeds: number[], opts: { workers?: number } = {}): Promise<ProgressiveTrialResult[]> {
  const rows = await runSweep<ProgressivePoint, ProgressiveTrialResult, SweepShared, SweepContext>({
    label: "progressive",
    points: variants.map((v) => ({ variant: v.name, budget: v.budget, stages: v.stages, student })),
    seeds,
    order: "seed-major",
    module: path.join(__dirname, "progressive-trials.ts"),
    fn: "progressiveTrial",
    setup: "sweepSetupForProgressive",
    local: { fn: progressiveTrial, setup: sweepSetup },
    shared,
    workers: opts.workers,
    describe: (p, seed) => `${p.budget} · ${p.variant} · seed ${seed}`,
    report: (r) => `test accuracy ${pct(r.testAcc)} (${r.steps} steps)`,
  });
  return rows.map((r) => r.result);
}

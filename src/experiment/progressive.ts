/**
 * Progressive (staged) distillation vs single-stage distillation with the same
 * total budget (notebook 05). One teacher (trained on all training rows, its
 * logits cached); students trained by trainStages (train/stages.ts) with one
 * Adam optimiser across stages. Every variant of a budget group runs the same
 * number of optimiser steps (checked).
 *
 * Trials are plain data (variant, seed, stages) run by progressiveTrial through
 * runTrials (parallel.ts), sharing the data and teacher logits the temperature
 * sweep shares (parallel-sweep.ts: sweepShared / sweepSetup).
 */
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { labelledFraction } from "../data/split";
import { checkAlpha, checkTemperature } from "../distill/temperature";
import { Latency, measureLatency } from "../models/latency";
import { Activation, buildMlp, describeMlp } from "../models/mlp";
import { StageBoundary, checkStages, stageSteps, trainStages } from "../train/stages";
import { TrialContext, runTrials } from "./parallel";
import { SweepContext, SweepShared, sweepSetup } from "./parallel-sweep";
import { Progress } from "./progress";
import { meanSd, pct, pts, tValue } from "../analysis/format";
import { deriveSeed } from "../core/seed";
import { PairedStats, pairedStats, pairedDiffs, summarize } from "../analysis/stats";

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

export interface ProgressiveConfig {
  dataSeed: number;
  teacher: { hidden: number[]; epochs: number; batchSize: number; learningRate: number; seed: number };
  student: { hidden: number[]; activation?: Activation; dropout?: number };
  seeds: number[];
  variants: ProgressiveVariant[];
  latency: { batchSize: number; repeats: number };
  workers?: number;
}

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

/** Checks the config, including equal total steps inside each budget group (error names the variants and their steps). */
export function checkProgressiveConfig(c: ProgressiveConfig, labels: ArrayLike<number>): void {
  if (c.seeds.length === 0) throw new Error("seeds must list at least one seed");
  if (c.variants.length === 0) throw new Error("variants must list at least one variant");
  c.variants.forEach((v, i) => checkStageSpecs(v.stages, `variants[${i}] (${v.name})`));
  for (const budget of new Set(c.variants.map((v) => v.budget))) {
    const group = c.variants.filter((v) => v.budget === budget).map((v) => ({ name: v.name, steps: variantSteps(labels, v) }));
    if (new Set(group.map((g) => g.steps)).size > 1) {
      throw new Error(`budget "${budget}": variants must run the same total steps; got ${group.map((g) => `${g.name} ${g.steps}`).join(", ")}`);
    }
  }
}

export interface ProgressiveTrialSpec {
  variant: string;
  budget: string;
  seed: number;
  stages: StageSpec[];
  student: ProgressiveConfig["student"];
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
  ms: number;
}

export function progressiveTrials(config: ProgressiveConfig, labels: ArrayLike<number>): ProgressiveTrialSpec[] {
  checkProgressiveConfig(config, labels);
  return config.seeds.flatMap((seed) => config.variants.map((v) => ({ variant: v.name, budget: v.budget, seed, stages: v.stages, student: config.student })));
}

/** One student: its stages in order, one optimiser throughout. */
export async function progressiveTrial(spec: ProgressiveTrialSpec, ctx: TrialContext<SweepShared, SweepContext>): Promise<ProgressiveTrialResult> {
  checkStageSpecs(spec.stages, `variant ${spec.variant}`);
  const t0 = performance.now();
  const d = ctx.setup;
  const owned: tf.Tensor[] = [];
  const model = buildMlp({ inputDim: ctx.shared.numFeatures, hidden: spec.student.hidden, outputDim: ctx.shared.numClasses, activation: spec.student.activation, dropout: spec.student.dropout, seed: deriveSeed(spec.seed, "student-init") });
  const optimizer = tf.train.adam(spec.stages[0].learningRate);
  try {
    const stages = spec.stages.map((s, i) => {
      const rows = stageRows(ctx.shared.labels, s, spec.seed, i);
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
    const r = await trainStages(model, stages, { seed: deriveSeed(spec.seed, "student-train"), optimizer });
    const last = r.history[r.history.length - 1];
    return {
      variant: spec.variant,
      budget: spec.budget,
      seed: spec.seed,
      testAcc: last.testAcc,
      teacherAgreement: last.teacherAgreement,
      steps: r.steps,
      optimizerIterations: optimizer.iterations,
      boundaries: r.boundaries,
      curve: r.history.map((h) => ({ epoch: h.epoch, step: h.step, stage: h.stage, testAcc: h.testAcc, temperature: h.temperature })),
      params: model.countParams(),
      ms: performance.now() - t0,
    };
  } finally {
    optimizer.dispose();
    model.dispose();
    owned.forEach((t) => t.dispose());
  }
}

export async function runProgressiveTrials(shared: SweepShared, trials: ProgressiveTrialSpec[], opts: { workers?: number; log?: boolean } = {}): Promise<ProgressiveTrialResult[]> {
  const progress = new Progress("progressive", trials.length);
  return runTrials<ProgressiveTrialSpec, ProgressiveTrialResult, SweepShared, SweepContext>({
    module: path.join(__dirname, "progressive.ts"),
    fn: "progressiveTrial",
    setup: "sweepSetupForProgressive",
    local: { fn: progressiveTrial, setup: sweepSetup },
    trials,
    shared,
    workers: opts.workers,
    describe: (t) => `${t.budget} · ${t.variant} · seed ${t.seed}`,
    onResult: (r) => {
      if (opts.log ?? true) progress.log(`${r.description}: test accuracy ${pct(r.result.testAcc)} (${r.result.steps} steps, ${(r.result.ms / 1000).toFixed(1)} s)`, r.done);
    },
  });
}

/** The sweep's per-process setup, re-exported so a worker finds it in this module. */
export const sweepSetupForProgressive = sweepSetup;

// ---------------------------------------------------------------------------
// Speed and the summary

export interface SpeedComparison {
  teacher: { arch: string; params: number; latency: Latency };
  student: { arch: string; params: number; latency: Latency };
  paramRatio: number;
  /** Teacher ms per single sample / student ms per single sample. */
  latencySpeedup: number;
  /** Student samples/s / teacher samples/s at the batch size. */
  throughputSpeedup: number;
}

/** Measures both models' inference (measureLatency: medians after warm-up); the student's weights do not matter for its speed. */
export function compareSpeed(teacher: tf.LayersModel, teacherHidden: number[], student: ProgressiveConfig["student"], inputDim: number, numClasses: number, opts: { batchSize: number; repeats: number }): SpeedComparison {
  const sModel = buildMlp({ inputDim, hidden: student.hidden, outputDim: numClasses, activation: student.activation, seed: 0 });
  try {
    const tl = measureLatency(teacher, opts);
    const sl = measureLatency(sModel, opts);
    const tArch = describeMlp({ inputDim, hidden: teacherHidden, outputDim: numClasses });
    return {
      teacher: { arch: tArch, params: teacher.countParams(), latency: tl },
      student: { arch: describeMlp({ inputDim, hidden: student.hidden, outputDim: numClasses }), params: sModel.countParams(), latency: sl },
      paramRatio: teacher.countParams() / sModel.countParams(),
      latencySpeedup: tl.msPerSample / sl.msPerSample,
      throughputSpeedup: sl.throughput / tl.throughput,
    };
  } finally {
    sModel.dispose();
  }
}

export interface ProgressiveSummaryRow {
  budget: string;
  variant: string;
  seeds: number;
  steps: number;
  meanAcc: number;
  stdAcc: number;
  minAcc: number;
  maxAcc: number;
  /** Mean student accuracy / teacher accuracy. */
  ofTeacher: number;
  meanAgreement: number | null;
}

export function summarizeProgressive(results: ProgressiveTrialResult[], teacherAcc: number): ProgressiveSummaryRow[] {
  const keys = [...new Set(results.map((r) => `${r.budget}\u0000${r.variant}`))];
  return keys.map((k) => {
    const [budget, variant] = k.split("\u0000");
    const g = results.filter((r) => r.budget === budget && r.variant === variant);
    const s = summarize(g.map((r) => r.testAcc));
    const agr = g.map((r) => r.teacherAgreement).filter((a): a is number => a !== null);
    return { budget, variant, seeds: s.n, steps: g[0].steps, meanAcc: s.mean, stdAcc: s.std, minAcc: s.min, maxAcc: s.max, ofTeacher: s.mean / teacherAcc, meanAgreement: agr.length ? summarize(agr).mean : null };
  });
}

function paired(results: ProgressiveTrialResult[], budget: string, a: string, b: string): PairedStats {
  const by = { key: (r: ProgressiveTrialResult) => r.seed, value: (r: ProgressiveTrialResult) => r.testAcc };
  const diffs = pairedDiffs(results, by, (r) => r.budget === budget && r.variant === a, (r) => r.budget === budget && r.variant === b);
  if (!diffs.length) throw new Error(`no paired seeds for "${a}" vs "${b}" in budget "${budget}"`);
  return pairedStats(diffs);
}

/**
 * A reading generated from the numbers: per budget, the progressive variant
 * against each single-stage one (paired over seeds); the student as a
 * percentage of the teacher, the parameter ratio and the measured speedups,
 * and the claim "98 % of the teacher at 5× the speed" checked against them.
 */
export function readProgressive(summary: ProgressiveSummaryRow[], results: ProgressiveTrialResult[], speed: SpeedComparison, progressiveName: string, backendName: string, claim = { ofTeacher: 0.98, speedup: 5 }): string[] {
  const lines: string[] = [];
  for (const budget of [...new Set(summary.map((r) => r.budget))]) {
    const rows = summary.filter((r) => r.budget === budget);
    const prog = rows.find((r) => r.variant === progressiveName);
    if (!prog) continue;
    const parts = rows
      .filter((r) => r !== prog)
      .map((r) => {
        const d = paired(results, budget, prog.variant, r.variant);
        return `vs ${r.variant} ${pct(r.meanAcc)}: ${pts(d.meanDiff, 2)} (paired t ${tValue(d.t)}, ${d.clear ? "clear" : "within the spread"})`;
      });
    lines.push(`- **${budget}** (${prog.steps} steps each): ${prog.variant} ${meanSd(prog.meanAcc, prog.stdAcc)} (${(100 * prog.ofTeacher).toFixed(1)} % of the teacher); ${parts.join("; ")}.`);
  }
  const best = summary.reduce((a, b) => (b.meanAcc > a.meanAcc ? b : a));
  lines.push(
    `- **Speed** (measured, ${speed.teacher.latency.repeats} repeats, medians): one sample ${speed.teacher.latency.msPerSample.toFixed(3)} ms (teacher) vs ${speed.student.latency.msPerSample.toFixed(3)} ms (student) = ${speed.latencySpeedup.toFixed(1)}× lower latency; batch of ${speed.student.latency.batchSize}: ${Math.round(speed.teacher.latency.throughput)} vs ${Math.round(speed.student.latency.throughput)} samples/s = ${speed.throughputSpeedup.toFixed(1)}× the throughput; ${speed.paramRatio.toFixed(0)}× fewer parameters${speed.latencySpeedup < speed.paramRatio / 2 ? " — the measured speedup is far below the parameter ratio (a small forward pass is dominated by per-call overhead, not arithmetic)" : ""}.`,
  );
  const accOk = best.ofTeacher >= claim.ofTeacher;
  const speedOk = speed.latencySpeedup >= claim.speedup || speed.throughputSpeedup >= claim.speedup;
  lines.push(
    `- **The claim "${(100 * claim.ofTeacher).toFixed(0)} % of the teacher at ${claim.speedup}× the speed"**: the best student (${best.variant}, ${best.budget}) reaches ${(100 * best.ofTeacher).toFixed(1)} % of the teacher (${accOk ? "meets" : "misses"} ${(100 * claim.ofTeacher).toFixed(0)} %) at ${speed.latencySpeedup.toFixed(1)}× the single-sample speed and ${speed.throughputSpeedup.toFixed(1)}× the batch throughput (${speedOk ? "meets" : "misses"} ${claim.speedup}×) on this machine (${backendName} backend).`,
  );
  return lines;
}

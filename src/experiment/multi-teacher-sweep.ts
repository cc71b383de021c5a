/**
 * Every (seed, variant) student run of a multi-teacher configuration, through
 * the sweep runner (runSweep: across cores, the same numbers as one process),
 * with the ensembles' own test accuracy and what the reports show of the
 * budget (rows, epochs, optimiser steps).
 */
import * as path from "path";
import { describeMlp } from "../models/mlp";
import { pct } from "../analysis/format";
import type { TrialDone } from "./parallel";
import { SweepTrialSpec, runSweep } from "./sweep";
import { checkMultiTeacherRunConfig } from "./multi-teacher-checks";
import { multiTeacherShared } from "./multi-teacher-context";
import { MultiTeacherPoint, ensembleTestAccuracy, multiTeacherSweepTrial, staticWeights, studentRows, studentSteps } from "./multi-teacher-trial";
import type { MultiTeacherContext, MultiTeacherRunConfig, MultiTeacherTrialResult, MultiTeacherTrialSpec, TeacherSummary } from "./multi-teacher-types";

/** The trials of a configuration, seed by seed, every variant of a seed in order. */
export function multiTeacherTrials<C extends MultiTeacherRunConfig>(config: C): MultiTeacherTrialSpec[] {
  checkMultiTeacherRunConfig(config);
  const trainFraction = config.trainFraction ?? 1;
  return config.seeds.flatMap((seed) =>
    config.variants.map((v) => ({ variant: v.name, weighting: v.weighting, seed, student: config.student, trainFraction, temperature: config.temperature, alpha: v.weighting.kind === "hard" ? 1 : config.alpha })),
  );
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
 * Every (seed, variant) student run of a config: across `workers` processes
 * (default DISTILL_WORKERS or the number of cores; 1 = serially in this
 * process), with the same results either way. The context's teachers must be
 * the config's (same names, same order).
 */
export async function multiTeacherSweep(
  ctx: MultiTeacherContext,
  config: MultiTeacherRunConfig,
  opts: {
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
  // Points are the variants of seed 0's trials (every seed has the same); seed-major order = the trials' order.
  const points: MultiTeacherPoint[] = trials.slice(0, config.variants.length).map(({ seed: _seed, ...p }) => p);
  const specOf = (t: SweepTrialSpec<MultiTeacherPoint>): MultiTeacherTrialSpec => trials.find((s) => s.seed === t.seed && s.variant === t.point.variant)!;
  const rows = await runSweep({
    label: opts.label ?? "multi-teacher",
    points,
    seeds: config.seeds,
    order: "seed-major",
    module: path.join(__dirname, "multi-teacher-trial.ts"),
    fn: "multiTeacherSweepTrial",
    setup: "multiTeacherSetup",
    // In this process the caller's context serves as is (not disposed here).
    local: { fn: multiTeacherSweepTrial, setup: () => ({ ...ctx, dispose() {} }) },
    shared: multiTeacherShared(ctx),
    workers: opts.workers,
    describe: (p, seed) => `${p.variant} · seed ${seed}`,
    report: (r) => `test accuracy ${pct(r.testAcc)}`,
    onTrial: opts.onTrial ? (r) => opts.onTrial!({ ...r, trial: specOf(r.trial) }) : undefined,
  });
  const results = rows.map((r) => r.result);
  const ensembles = config.variants
    .filter((v) => v.weighting.kind === "uniform" || v.weighting.kind === "val-accuracy")
    .map((v) => {
      const weights = staticWeights(ctx, v.weighting)!;
      return { weighting: v.name, weights, testAcc: ensembleTestAccuracy(ctx, weights) };
    });
  const trainFraction = config.trainFraction ?? 1;
  const nRows = studentRows(ctx.fitLabels, trainFraction, config.seeds[0]).length;
  return {
    studentArch: describeMlp({ inputDim: ctx.fit.x.shape[1], hidden: config.student.hidden, outputDim: ctx.numClasses }),
    fitRows: ctx.fit.x.shape[0],
    trainFraction,
    studentRows: nRows,
    epochs: config.student.epochs,
    steps: studentSteps(nRows, config.student.batchSize, config.student.epochs),
    temperature: config.temperature,
    valRows: ctx.val.x.shape[0],
    teachers: ctx.bank.teachers,
    ensembles,
    trials,
    results,
  };
}

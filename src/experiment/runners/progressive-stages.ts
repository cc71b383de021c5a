/**
 * Notebook 05 as a function: the teacher, both models' measured speed, every
 * (variant, seed) staged student across cores, the summary per (budget,
 * variant), the reading with the claim checked — everything the results file
 * holds — plus the mean curves and stage boundaries the charts show.
 */
import * as path from "path";
import { currentBackend } from "../../backend";
import { pct } from "../../analysis/format";
import { ConfigError } from "../config";
import { loadDataset } from "../data-source";
import { RunOptions } from "../experiment-results";
import { sweepShared } from "../parallel-sweep";
import { compareSpeed, meanCurves, readProgressive, stageBounds, summarizeProgressive } from "../progressive";
import { describeSteps, runProgressiveTrials, unequalBudgets } from "../progressive-trials";
import { trainTeacher } from "../runs";
import { resultPath } from "../results";
import { digitsImageInput, exportImagePair } from "../export-image-pair";
import type { ExperimentFile } from "../schema/experiment-file";
import type { ProgressiveStagesExperiment } from "../schema/progressive-stages";

export async function runProgressiveStages(exp: ExperimentFile<ProgressiveStagesExperiment>, opts: RunOptions = {}) {
  const c = exp.config;
  const log = opts.log ?? console.log;
  const data = loadDataset(c.data);
  const unequal = unequalBudgets(c.variants, data.train.y);
  if (unequal.length) {
    throw new ConfigError(
      unequal.map((u) => ({ path: "config.variants", value: `budget "${u.budget}": ${describeSteps(u.steps)} steps`, expected: `the same total optimiser steps for every variant of budget "${u.budget}" (${data.train.numSamples} training rows)` })),
      `experiment ${exp.file}${exp.budget === "full" ? "" : ` (budget ${exp.budget})`}`,
    );
  }
  const tensors = { train: data.train, test: data.test, trainT: data.train.toTensors(), testT: data.test.toTensors() };
  const teacher = await trainTeacher(tensors, c.teacher, c.teacher.seed);
  try {
    log(`teacher ${teacher.arch}: test accuracy ${pct(teacher.testAcc)}`);
    // Timed before the students train, on an otherwise idle process.
    const speed = compareSpeed(teacher.model, c.teacher.hidden, c.student, data.train.numFeatures, data.train.numClasses, c.latency);
    log(`parameter ratio ${speed.paramRatio.toFixed(0)}×; measured speedup: ${speed.latencySpeedup.toFixed(2)}× per sample, ${speed.throughputSpeedup.toFixed(2)}× throughput per batch`);
    const runs = await runProgressiveTrials(sweepShared(tensors, teacher.outputs), c.variants, c.student, c.seeds, { workers: opts.workers });
    const summary = summarizeProgressive(runs, teacher.testAcc);
    const reading = readProgressive(summary, runs, speed, c.progressive, currentBackend()?.name ?? "unknown", c.claim);
    // The best (budget, variant) by mean accuracy; its first seed's student is exported with the teacher (digits only: images).
    const best = summary.reduce((a, b) => (b.meanAcc > a.meanAcc ? b : a));
    const bestRun = runs.find((r) => r.budget === best.budget && r.variant === best.variant && r.seed === c.seeds[0])!;
    const exported =
      c.data.kind === "digits"
        ? await exportImagePair({
            studentDir: resultPath(`${exp.name}.student`),
            teacherDir: resultPath(`${exp.name}.teacher`),
            meta: digitsImageInput(data),
            student: c.student,
            run: { budget: bestRun.budget, variant: bestRun.variant, seed: bestRun.seed, testAcc: bestRun.testAcc, weights: bestRun.weights },
            teacher: teacher.model,
          })
        : null;
    if (exported) log(`best student (${best.budget} · ${best.variant}, seed ${bestRun.seed}) and the teacher exported to ${exported.studentDir} and ${exported.teacherDir}: npm run deploy -- ${exp.name}`);
    const results = {
      teacher: { arch: speed.teacher.arch, params: speed.teacher.params, testAcc: teacher.testAcc, latency: speed.teacher.latency },
      student: { arch: speed.student.arch, params: speed.student.params, latency: speed.student.latency },
      paramRatio: speed.paramRatio,
      latencySpeedup: speed.latencySpeedup,
      throughputSpeedup: speed.throughputSpeedup,
      summary,
      reading,
      /** Adam's iteration count equals the steps in every run (the optimiser carried over every stage). */
      exported: exported ? { ...exported, studentDir: path.relative(resultPath("."), exported.studentDir), teacherDir: path.relative(resultPath("."), exported.teacherDir) } : null,
      optimizerIterationsMatchSteps: runs.every((r) => r.optimizerIterations === r.steps),
      runs: runs.map((r) => ({ variant: r.variant, budget: r.budget, seed: r.seed, testAcc: r.testAcc, teacherAgreement: r.teacherAgreement, steps: r.steps, optimizerIterations: r.optimizerIterations, boundaries: r.boundaries, ms: r.ms })),
      curves: runs.map((r) => ({ variant: r.variant, budget: r.budget, seed: r.seed, step: r.curve.map((p) => p.step), testAcc: r.curve.map((p) => Math.round(p.testAcc * 1e4) / 1e4) })),
    };
    return {
      results,
      /** Each run's test accuracy (label "budget · variant"), for the accuracy chart. */
      accuracies: runs.map((r) => ({ variant: `${r.budget} · ${r.variant}`, seed: r.seed, testAcc: r.testAcc })),
      /** Mean test accuracy per (budget, variant, step) over seeds, and the progressive runs' stage boundaries (first seed). */
      meanCurves: meanCurves(runs),
      stageBounds: stageBounds(runs, c.seeds[0]),
    };
  } finally {
    teacher.dispose();
    [tensors.trainT.x, tensors.trainT.y, tensors.testT.x, tensors.testT.y].forEach((t) => t.dispose());
  }
}

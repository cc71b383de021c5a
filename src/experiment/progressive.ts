/**
 * The analysis of notebook 05 (progressive, staged distillation vs one stage
 * with the same total budget): the teacher's and the student's measured speed,
 * the summary per (budget, variant), the mean learning curves and the stage
 * boundaries the chart marks, and a reading generated from the numbers. The
 * runs are in progressive-trials.ts; runners/progressive-stages.ts puts it together.
 */
import * as tf from "@tensorflow/tfjs";
import { Latency, measureLatency } from "../models/latency";
import { buildMlp, describeMlp } from "../models/mlp";
import { meanSd, pct, pts, tValue } from "../analysis/format";
import { PairedStats, pairedStats, pairedDiffs, summarize } from "../analysis/stats";
import type { ProgressiveTrialResult, StudentShape } from "./progressive-trials";

// The runs' types and checks live with the trial; re-exported for the users of this module.
export { checkProgressiveConfig, checkStageSpecs, progressiveTrial, runProgressiveTrials, stageRows, unequalBudgets, variantSteps } from "./progressive-trials";
export type { ProgressiveConfig, ProgressivePoint, ProgressiveTrialResult, ProgressiveVariant, StageSpec, StudentShape } from "./progressive-trials";

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
export function compareSpeed(teacher: tf.LayersModel, teacherHidden: number[], student: StudentShape, inputDim: number, numClasses: number, opts: { batchSize: number; repeats: number }): SpeedComparison {
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

/** Mean test accuracy per (budget, variant, step) over seeds, in order of first appearance. */
export function meanCurves(results: ProgressiveTrialResult[]): { budget: string; variant: string; step: number; testAcc: number }[] {
  const groups = new Map<string, { budget: string; variant: string; step: number; sum: number; n: number }>();
  for (const r of results) {
    for (const p of r.curve) {
      const k = `${r.budget}\u0000${r.variant}\u0000${p.step}`;
      const e = groups.get(k) ?? { budget: r.budget, variant: r.variant, step: p.step, sum: 0, n: 0 };
      e.sum += p.testAcc;
      e.n += 1;
      groups.set(k, e);
    }
  }
  return [...groups.values()].map((e) => ({ budget: e.budget, variant: e.variant, step: e.step, testAcc: e.sum / e.n }));
}

/** Where each multi-stage run of one seed moves to its next stage (the step after the stage's last). */
export function stageBounds(results: ProgressiveTrialResult[], seed: number): { budget: string; stage: string; step: number }[] {
  return results
    .filter((r) => r.seed === seed && r.boundaries.length > 1)
    .flatMap((r) => r.boundaries.slice(0, -1).map((b) => ({ budget: r.budget, stage: b.stage, step: b.stepsAfter })));
}

/**
 * Summaries of the semi-supervised runs: mean and spread per variant, as a
 * fraction of full supervision and paired against the labelled-only baseline
 * (same seeds, same labelled rows), the teachers' accuracy, a reading
 * generated from the numbers, and the rows of the notebook's table.
 */
import { meanSd, pts, tValue } from "../analysis/format";
import { PairBy, pairedComparison, pairedDiffs, pairedT, summarize } from "../analysis/stats";
import type { SslConfig, StudentTrialResult, TeacherTrialResult } from "./semi-supervised-types";

export interface SslSummaryRow {
  variant: string;
  seeds: number;
  steps: number;
  trainRows: number;
  meanAcc: number;
  stdAcc: number;
  minAcc: number;
  maxAcc: number;
  /** Mean accuracy as a fraction of the fully supervised variant's mean (null without one). */
  ofFull: number | null;
  /** Paired difference to the hard-labels-on-the-labelled-rows baseline (same seeds). */
  gainOverHard: number | null;
  pairedT: number | null;
}

const BY_SEED: PairBy<StudentTrialResult> = { key: (s) => s.seed, value: (s) => s.testAcc, group: (s) => s.variant };

type Variants = Pick<SslConfig, "variants">;

/** Mean and spread per variant, relative to full supervision and paired against the labelled-only baseline. */
export function summarizeSsl(config: Variants, students: StudentTrialResult[]): SslSummaryRow[] {
  const full = config.variants.find((v) => v.method.allLabels);
  const hard = config.variants.find((v) => v.method.rows === "labelled" && !v.method.allLabels);
  const fullMean = full ? summarize(students.filter((s) => s.variant === full.name).map((s) => s.testAcc)).mean : null;
  return config.variants.map((v) => {
    const rows = students.filter((s) => s.variant === v.name);
    const acc = summarize(rows.map((s) => s.testAcc));
    const diffs = hard ? pairedDiffs(students, BY_SEED, v.name, hard.name) : [];
    const isHard = hard !== undefined && v.name === hard.name;
    return {
      variant: v.name,
      seeds: acc.n,
      steps: rows[0].steps,
      trainRows: rows[0].trainRows,
      meanAcc: acc.mean,
      stdAcc: acc.std,
      minAcc: acc.min,
      maxAcc: acc.max,
      ofFull: fullMean ? acc.mean / fullMean : null,
      gainOverHard: isHard || diffs.length === 0 ? null : summarize(diffs).mean,
      pairedT: isHard ? null : pairedT(diffs),
    };
  });
}

/** Paired difference a − b over seeds. */
export function pairedDiff(students: StudentTrialResult[], a: string, b: string): { mean: number; t: number | null; n: number; clear: boolean } {
  const c = pairedComparison(students, BY_SEED, a, b);
  return { mean: c.meanDiff, t: c.t, n: c.pairs, clear: c.clear };
}

/** The teachers' test accuracy over seeds. */
export function teacherAccuracy(teachers: TeacherTrialResult[]): { mean: number; std: number; seeds: number } | null {
  if (teachers.length === 0) return null;
  const s = summarize(teachers.map((t) => t.testAcc));
  return { mean: s.mean, std: s.std, seeds: s.n };
}

const accStr = (r: SslSummaryRow): string => meanSd(r.meanAcc, r.stdAcc);

/**
 * A reading generated from the numbers: each rung of the ladder against the
 * one before it (paired over seeds), the best semi-supervised variant as a
 * percentage of full supervision, the circulating claim checked against it,
 * and the teacher against the students that trained on all rows.
 */
export function readSsl(config: Pick<SslConfig, "variants" | "student" | "seeds" | "labelledFraction">, summary: SslSummaryRow[], students: StudentTrialResult[], claimedOfFull = 0.92, teachers: TeacherTrialResult[] = []): string[] {
  const lines: string[] = [];
  const isFull = (r: SslSummaryRow) => !!config.variants.find((v) => v.name === r.variant)?.method.allLabels;
  const full = summary.find(isFull);
  const semi = summary.filter((r) => !isFull(r));
  const steps = [...new Set(summary.map((r) => r.steps))];
  lines.push(`- **Budget**: every student ran ${steps.length === 1 ? `${steps[0]} optimiser steps` : `${steps.join(" / ")} optimiser steps (not identical: see the table)`} of batch ${config.student.batchSize}; ${config.seeds.length} seeds; ${Math.round(100 * config.labelledFraction)} % of the training rows labelled.`);
  for (let i = 1; i < semi.length; i++) {
    const d = pairedComparison(students, BY_SEED, semi[i].variant, semi[i - 1].variant);
    const verdict = d.clear ? (d.meanDiff > 0 ? "a clear gain" : "a clear loss") : "within the seed-to-seed spread";
    lines.push(`- **${semi[i].variant}** ${accStr(semi[i])} vs ${semi[i - 1].variant} ${accStr(semi[i - 1])}: ${pts(d.meanDiff)} (paired t = ${tValue(d.t)} over ${d.pairs} seeds, 95 % threshold ${d.crit === null ? "n/a" : d.crit.toFixed(2)}: ${verdict}).`);
  }
  if (full) {
    const best = semi.reduce((a, b) => (b.meanAcc > a.meanAcc ? b : a));
    const hard = semi[0];
    lines.push(`- **Against full supervision** (${full.variant}, ${accStr(full)}): ${hard.variant} reaches ${(100 * (hard.ofFull ?? 0)).toFixed(1)} % of it; the best semi-supervised variant, ${best.variant}, reaches ${(100 * (best.ofFull ?? 0)).toFixed(1)} %.`);
    const verdict = (best.ofFull ?? 0) >= claimedOfFull ? `at least the claimed ${(100 * claimedOfFull).toFixed(0)} %: the claim holds here` : `below the claimed ${(100 * claimedOfFull).toFixed(0)} %: the claim does not hold here`;
    const hardVerdict = (hard.ofFull ?? 0) >= claimedOfFull ? ` — but so does hard-label training on the labelled rows alone (${(100 * (hard.ofFull ?? 0)).toFixed(1)} %), so the figure says little about the method` : "";
    lines.push(`- **The claim "92 % of full supervision with 10 % labels"**: measured ${(100 * (best.ofFull ?? 0)).toFixed(1)} % (best variant), ${verdict}${hardVerdict}.`);
  }
  const t = teacherAccuracy(teachers);
  if (t) {
    const onAllRows = summary.filter((r) => r.trainRows > 200 && r.ofFull !== null).map((r) => `${r.variant} ${(100 * r.meanAcc).toFixed(1)} %`);
    lines.push(`- **The teacher** (trained on the labelled rows only) reaches ${meanSd(t.mean, t.std)} on the test rows; the semi-supervised students: ${onAllRows.join(", ")}.`);
  }
  return lines;
}

/** The rows of the notebook's main table (accuracies in %, differences in points). */
export function sslTableRows(summary: SslSummaryRow[]): Record<string, string | number>[] {
  return summary.map((r) => ({
    variant: r.variant,
    seeds: r.seeds,
    "train rows": r.trainRows,
    steps: r.steps,
    "test acc %": +(100 * r.meanAcc).toFixed(2),
    "sd %": +(100 * r.stdAcc).toFixed(2),
    "min %": +(100 * r.minAcc).toFixed(2),
    "max %": +(100 * r.maxAcc).toFixed(2),
    "% of full supervision": r.ofFull === null ? "" : +(100 * r.ofFull).toFixed(1),
    "vs hard 10 % (pts)": r.gainOverHard === null ? "" : +(100 * r.gainOverHard).toFixed(2),
    "paired t": r.pairedT === null ? "" : +r.pairedT.toFixed(2),
  }));
}

/**
 * The same question on two data sets, side by side: for each setting, hard
 * labels against the best distilled variant (paired over seeds). Rows come from
 * a summary in memory (this run) or from an earlier notebook's results file
 * (e.g. notebook 01's digits sweep, read from reports/), so a notebook can put
 * its numbers next to another's without re-running it.
 */
import * as fs from "fs";
import { clearAt95 } from "../analysis/stats";
import { MultiTeacherTrialResult, VariantSummary, pairedComparison } from "./multi-teacher";
import { resultPath } from "./results";
import { SweepSummaryRow } from "./temperature-sweep";

export interface GainRow {
  dataset: string;
  student: string;
  setting: string;
  seeds: number;
  hardAcc: number;
  best: string;
  bestAcc: number;
  /** bestAcc − hardAcc, paired over seeds. */
  gain: number;
  pairedT: number | null;
  /** |t| above the two-sided 95 % critical value. */
  clear: boolean;
}

/** One row per setting of a temperature sweep: hard labels vs the best temperature. */
export function sweepGains(dataset: string, student: string, summary: SweepSummaryRow[]): GainRow[] {
  return [...new Set(summary.map((r) => r.setting))].map((setting) => {
    const rows = summary.filter((r) => r.setting === setting);
    const hard = rows.find((r) => r.temperature === null);
    if (!hard) throw new Error(`sweep setting "${setting}" has no hard-label rows`);
    const kd = rows.filter((r) => r.temperature !== null);
    if (kd.length === 0) throw new Error(`sweep setting "${setting}" has no distilled rows`);
    const best = kd.reduce((a, b) => (b.meanAcc > a.meanAcc ? b : a));
    const t = best.pairedT;
    return { dataset, student, setting, seeds: hard.seeds, hardAcc: hard.meanAcc, best: best.variant, bestAcc: best.meanAcc, gain: best.gainOverHard, pairedT: t, clear: clearAt95(t, hard.seeds - 1) };
  });
}

/** One row for a multi-teacher regime: hard labels vs the best variant that is not hard labels. */
export function multiTeacherGain(dataset: string, student: string, setting: string, summary: VariantSummary[], results: MultiTeacherTrialResult[]): GainRow {
  const hard = summary.find((r) => r.kind === "hard");
  if (!hard) throw new Error(`multi-teacher setting "${setting}" has no hard-label variant`);
  const others = summary.filter((r) => r.kind !== "hard");
  if (others.length === 0) throw new Error(`multi-teacher setting "${setting}" has only hard labels`);
  const best = others.reduce((a, b) => (b.meanAcc > a.meanAcc ? b : a));
  const c = pairedComparison(results, best.variant, hard.variant);
  return { dataset, student, setting, seeds: c.pairs, hardAcc: hard.meanAcc, best: best.variant, bestAcc: best.meanAcc, gain: c.meanDiff, pairedT: c.pairedT, clear: c.clear };
}

/** An earlier notebook's results file (reports/<name>.json), or null when it has not been run. */
export function loadSavedResults(name: string): { createdAt: string; results: Record<string, unknown> } | null {
  const file = resultPath(`${name}.json`);
  if (!fs.existsSync(file)) return null;
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`results file ${file} is not valid JSON (${(e as Error).message}); re-run notebook ${name}`);
  }
}

/** Notebook 01's digits sweep as gain rows, or null when its results file is missing. */
export function digitsSweepGains(): GainRow[] | null {
  const r = loadSavedResults("01-temperature-sweep");
  if (!r) return null;
  const res = r.results as { student: { arch: string }; summary: SweepSummaryRow[] };
  return sweepGains("digits (8×8)", res.student.arch, res.summary);
}

/** Notebook 03's digits multi-teacher regimes as gain rows, or null when its results file is missing. */
export function digitsMultiTeacherGains(): GainRow[] | null {
  const r = loadSavedResults("03-multi-teacher-weighting");
  if (!r) return null;
  const res = r.results as { student: string; regimes: { name: string; steps: number; temperature: number; summary: VariantSummary[]; runs: MultiTeacherTrialResult[] }[] };
  return res.regimes.map((g) => multiTeacherGain("digits (8×8)", res.student, `${g.name} · ${g.steps} steps · T = ${g.temperature}`, g.summary, g.runs));
}

/** Rows for a table (percentages and points rounded for reading). */
export function gainTable(rows: GainRow[]): Record<string, string | number>[] {
  return rows.map((r) => ({
    "data set": r.dataset,
    student: r.student,
    setting: r.setting,
    seeds: r.seeds,
    "hard labels %": +(100 * r.hardAcc).toFixed(2),
    "best distilled": r.best,
    "best %": +(100 * r.bestAcc).toFixed(2),
    "gain (pts)": +(100 * r.gain).toFixed(2),
    "paired t": r.pairedT === null ? "n/a" : +r.pairedT.toFixed(2),
    "clear at 95 %": r.clear ? "yes" : "no",
  }));
}

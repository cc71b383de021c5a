/** Result rows shaped for display as danfojs DataFrames (rounded, percent units, readable column names). */
import * as dfd from "danfojs-node";

const round = (x: number, digits: number): number => Number(x.toFixed(digits));

/** A DataFrame from plain rows (all rows must have the same keys). */
export function frame(rows: Record<string, string | number | boolean | null>[]): dfd.DataFrame {
  if (rows.length === 0) throw new Error("frame: no rows to show");
  return new dfd.DataFrame(rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v ?? ""]))));
}

/**
 * What sweepTable shows of a row: the fields of a temperature sweep's summary
 * row (experiment/temperature-sweep.ts, SweepSummaryRow), declared here so viz
 * takes plain data and never imports experiment/. Accuracies are fractions.
 */
export interface SweepTableRow {
  setting: string;
  variant: string;
  seeds: number;
  meanAcc: number;
  stdAcc: number;
  minAcc: number;
  maxAcc: number;
  /** Mean accuracy minus the hard-label baseline's mean in the same setting. */
  gainOverHard: number;
  /** Paired t over seeds (same seed, same rows) against the baseline; null for the baseline itself. */
  pairedT: number | null;
}

export function sweepTable(summary: SweepTableRow[]): dfd.DataFrame {
  return frame(
    summary.map((r) => ({
      setting: r.setting,
      variant: r.variant,
      seeds: r.seeds,
      "test acc %": round(100 * r.meanAcc, 2),
      "sd %": round(100 * r.stdAcc, 2),
      "min %": round(100 * r.minAcc, 2),
      "max %": round(100 * r.maxAcc, 2),
      "gain vs hard (pts)": round(100 * r.gainOverHard, 2),
      "paired t": r.pairedT === null ? "" : round(r.pairedT, 2),
    })),
  );
}

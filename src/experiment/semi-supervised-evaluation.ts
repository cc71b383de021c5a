/**
 * Evaluation after training, the only place the hidden labels of the
 * unlabelled rows are read: coverage and accuracy of the teacher's
 * pseudo-labels per threshold, of the pseudo-labels each student round
 * actually trained on, and their summaries over seeds. A set of pseudo-labels
 * of which none was kept has no accuracy: it is null ("none kept"), never 0 %.
 */
import { confidences, pseudoLabelQuality } from "../distill/semi-supervised";
import { summarize } from "../analysis/stats";
import { readLabels } from "./semi-supervised-sweep";
import type { PseudoQualityRow, StudentTrialResult, TeacherTrialResult } from "./semi-supervised-types";

/** Coverage and accuracy of the teacher's pseudo-labels on each seed's unlabelled rows, per threshold. */
export function thresholdCurve(teachers: TeacherTrialResult[], splits: Map<number, { unlabelled: number[] }>, hiddenLabels: ArrayLike<number>, numClasses: number, thresholds: number[]): PseudoQualityRow[] {
  const out: PseudoQualityRow[] = [];
  for (const t of teachers) {
    const un = splits.get(t.seed)!.unlabelled;
    const logits = new Float32Array(un.length * numClasses);
    un.forEach((r, i) => logits.set(t.trainLogits.subarray(r * numClasses, (r + 1) * numClasses), i * numClasses));
    const { confidence, predicted } = confidences(logits, numClasses);
    const hidden = readLabels(hiddenLabels, un);
    for (const th of thresholds) out.push({ seed: t.seed, source: "teacher", ...pseudoLabelQuality(confidence, predicted, hidden, th) });
  }
  return out;
}

export type UsedPseudoLabels = PseudoQualityRow & { variant: string; round: number };

/** The pseudo-labels each student round actually used: kept count, coverage, accuracy against the hidden labels. */
export function usedPseudoLabels(students: StudentTrialResult[], splits: Map<number, { unlabelled: number[] }>, hiddenLabels: ArrayLike<number>, threshold: (variant: string) => number): UsedPseudoLabels[] {
  const out: UsedPseudoLabels[] = [];
  for (const s of students) {
    const hidden = readLabels(hiddenLabels, splits.get(s.seed)!.unlabelled);
    for (const r of s.rounds) {
      if (!r.pseudoPredicted || !r.pseudoConfidence) continue;
      const q = pseudoLabelQuality(r.pseudoConfidence, r.pseudoPredicted, hidden, threshold(s.variant));
      out.push({ variant: s.variant, round: r.round, seed: s.seed, source: r.round === 1 ? "teacher" : `round-${r.round - 1} student`, ...q });
    }
  }
  return out;
}

export interface ThresholdSummaryRow {
  threshold: number;
  coverage: number;
  coverageMin: number;
  coverageMax: number;
  /** Over the seeds that kept at least one row; null when none did. */
  accuracy: number | null;
  accuracyMin: number | null;
  accuracyMax: number | null;
}

/** Threshold curve averaged over seeds: mean and min–max of coverage and accuracy per threshold. */
export function summarizeThresholds(rows: PseudoQualityRow[]): ThresholdSummaryRow[] {
  const ths = [...new Set(rows.map((r) => r.threshold))].sort((a, b) => a - b);
  return ths.map((threshold) => {
    const g = rows.filter((r) => r.threshold === threshold);
    const cov = summarize(g.map((r) => r.coverage));
    const accs = g.map((r) => r.accuracy).filter((a): a is number => a !== null);
    const acc = accs.length ? summarize(accs) : null;
    return { threshold, coverage: cov.mean, coverageMin: cov.min, coverageMax: cov.max, accuracy: acc ? acc.mean : null, accuracyMin: acc ? acc.min : null, accuracyMax: acc ? acc.max : null };
  });
}

export interface UsedPseudoLabelSummary {
  variant: string;
  round: number;
  /** Who made the pseudo-labels: "teacher" or "round-r student". */
  source: string;
  threshold: number;
  seeds: number;
  /** Mean fraction of the unlabelled rows kept, over every seed. */
  coverage: number;
  /** Mean and sd of the kept pseudo-labels' accuracy over the seeds that kept any; null when no seed kept one. */
  accuracy: number | null;
  accuracySd: number | null;
  /** Seeds whose run kept no pseudo-label (they have no accuracy, and are left out of it). */
  noneKept: number;
}

/** The used pseudo-labels per (variant, round), over seeds. */
export function summarizeUsedPseudoLabels(used: UsedPseudoLabels[]): UsedPseudoLabelSummary[] {
  const key = (u: UsedPseudoLabels) => `${u.variant}\u0000${u.round}`;
  return [...new Set(used.map(key))].map((k) => {
    const g = used.filter((u) => key(u) === k);
    const accs = g.map((u) => u.accuracy).filter((a): a is number => a !== null);
    const acc = accs.length ? summarize(accs) : null;
    return {
      variant: g[0].variant,
      round: g[0].round,
      source: g[0].source,
      threshold: g[0].threshold,
      seeds: g.length,
      coverage: summarize(g.map((u) => u.coverage)).mean,
      accuracy: acc ? acc.mean : null,
      accuracySd: acc ? acc.std : null,
      noneKept: g.length - accs.length,
    };
  });
}

/** The rows of the used-pseudo-labels table: in %, "none kept" where no seed kept a pseudo-label. */
export function usedPseudoLabelTable(rows: UsedPseudoLabelSummary[]): Record<string, string | number>[] {
  return rows.map((r) => ({
    variant: r.variant,
    round: r.round,
    labelled_by: r.source,
    threshold: r.threshold,
    "coverage %": +(100 * r.coverage).toFixed(1),
    "accuracy of kept %": r.accuracy === null ? "none kept" : +(100 * r.accuracy).toFixed(2),
    "sd %": r.accuracySd === null ? "" : +(100 * r.accuracySd).toFixed(2),
    "seeds with none kept": r.noneKept,
  }));
}

/** The rows of the threshold table: coverage, accuracy of the kept pseudo-labels ("none kept" where no seed kept one), kept rows. */
export function thresholdTable(summary: ThresholdSummaryRow[], unlabelledRows: number): Record<string, string | number>[] {
  return summary.map((r) => ({
    threshold: r.threshold,
    "coverage %": +(100 * r.coverage).toFixed(1),
    "accuracy of kept %": r.accuracy === null ? "none kept" : +(100 * r.accuracy).toFixed(1),
    "kept (mean rows)": Math.round(r.coverage * unlabelledRows),
  }));
}

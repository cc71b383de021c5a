/**
 * Summaries of multi-teacher runs: mean and spread per variant, paired
 * comparisons over seeds (same seed: same rows, initialisation and shuffling),
 * every variant against the best and against hard labels, a plain-language
 * reading generated from the numbers, the teacher weights over epochs and the
 * rows of the notebook's tables.
 */
import { meanSd, pts } from "../analysis/format";
import { PairBy, pairedComparison as pairedOverSeeds, summarize, tCrit95 } from "../analysis/stats";
import type { MultiTeacherTrialResult, MultiTeacherTrialSpec, TeacherSummary, Weighting } from "./multi-teacher-types";

export interface VariantSummary {
  variant: string;
  kind: Weighting["kind"];
  seeds: number;
  meanAcc: number;
  stdAcc: number;
  minAcc: number;
  maxAcc: number;
}

export interface PairedComparison {
  a: string;
  b: string;
  /** Mean over seeds of acc(a) − acc(b), same seed. */
  meanDiff: number;
  stdDiff: number;
  pairs: number;
  /** Paired t statistic; null with fewer than 2 pairs or no spread. */
  pairedT: number | null;
  /** |t| above the two-sided 95 % critical value. */
  clear: boolean;
}

export function summarizeVariants(results: MultiTeacherTrialResult[], trials: MultiTeacherTrialSpec[]): VariantSummary[] {
  const kinds = new Map(trials.map((t) => [t.variant, t.weighting.kind]));
  return [...new Set(results.map((r) => r.variant))].map((variant) => {
    const s = summarize(results.filter((r) => r.variant === variant).map((r) => r.testAcc));
    return { variant, kind: kinds.get(variant) ?? "uniform", seeds: s.n, meanAcc: s.mean, stdAcc: s.std, minAcc: s.min, maxAcc: s.max };
  });
}

const BY_SEED: PairBy<MultiTeacherTrialResult> = { key: (r) => r.seed, value: (r) => r.testAcc, group: (r) => r.variant };

/** Paired (same seed: same init, same shuffling) difference in final test accuracy, a − b. */
export function pairedComparison(results: MultiTeacherTrialResult[], a: string, b: string): PairedComparison {
  const c = pairedOverSeeds(results, BY_SEED, a, b);
  return { a, b, meanDiff: c.meanDiff, stdDiff: c.stdDiff, pairs: c.pairs, pairedT: c.t, clear: c.clear };
}

export interface VariantComparisons {
  variant: string;
  /** Against the best variant of the run (null for the best itself). */
  vsBest: PairedComparison | null;
  /** Against hard labels (null for hard labels itself, or without a hard-label variant). */
  vsHard: PairedComparison | null;
}

const bestOf = (rows: VariantSummary[]) => rows.reduce((x, y) => (y.meanAcc > x.meanAcc ? y : x));

/** Every variant paired against the run's best and against hard labels. */
export function compareVariants(summary: VariantSummary[], results: MultiTeacherTrialResult[]): VariantComparisons[] {
  const best = bestOf(summary);
  const hard = summary.find((r) => r.kind === "hard");
  return summary.map((r) => ({
    variant: r.variant,
    vsBest: r.variant === best.variant ? null : pairedComparison(results, r.variant, best.variant),
    vsHard: !hard || r.variant === hard.variant ? null : pairedComparison(results, r.variant, hard.variant),
  }));
}

/** The rows of a regime's table: accuracy per variant, in %, and the paired differences in points. */
export function variantTableRows(summary: VariantSummary[], comparisons: VariantComparisons[]): Record<string, string | number>[] {
  const best = bestOf(summary);
  const p2 = (x: number) => +(100 * x).toFixed(2);
  const t2 = (c: PairedComparison | null) => (c && c.pairedT !== null ? +c.pairedT.toFixed(2) : "");
  return summary.map((r, j) => {
    const c = comparisons[j];
    return {
      variant: r.variant,
      seeds: r.seeds,
      "test acc %": p2(r.meanAcc),
      "sd %": p2(r.stdAcc),
      "min %": p2(r.minAcc),
      "max %": p2(r.maxAcc),
      [`vs best: ${best.variant} (pts)`]: c.vsBest ? p2(c.vsBest.meanDiff) : "",
      "paired t": t2(c.vsBest),
      "vs hard labels (pts)": c.vsHard ? p2(c.vsHard.meanDiff) : "",
      "paired t (hard)": t2(c.vsHard),
    };
  });
}

const acc = (v: VariantSummary): string => meanSd(v.meanAcc, v.stdAcc);

function sentence(c: PairedComparison): string {
  const t = c.pairedT === null ? "paired t n/a" : `paired t = ${c.pairedT.toFixed(2)}, 95 % threshold ${tCrit95(c.pairs - 1).toFixed(2)}`;
  const verdict = c.clear ? "larger than the seed-to-seed spread" : "within the seed-to-seed spread";
  return `${pts(c.meanDiff, 2)} vs ${c.b} (${t} over ${c.pairs} seeds: ${verdict})`;
}

/**
 * Which variant wins and by how much, generated from the numbers: the best
 * ensemble weighting against the runner-up weighting, uniform weights, the best
 * single teacher and hard labels, each as a paired comparison over seeds.
 */
export function readMultiTeacher(summary: VariantSummary[], results: MultiTeacherTrialResult[]): string[] {
  const best = bestOf;
  const ensembles = summary.filter((r) => r.kind !== "single" && r.kind !== "hard");
  const singles = summary.filter((r) => r.kind === "single");
  const hard = summary.find((r) => r.kind === "hard");
  const overall = best(summary);
  const lines = [`- **Best of all variants**: ${overall.variant}, ${acc(overall)} over ${overall.seeds} seeds.`];
  if (ensembles.length) {
    const top = best(ensembles);
    lines.push(`- **Best ensemble weighting**: ${top.variant}, ${acc(top)}.`);
    const others = ensembles.filter((r) => r !== top);
    if (others.length) {
      const second = best(others);
      lines.push(`  - against the runner-up weighting ${second.variant}: ${sentence(pairedComparison(results, top.variant, second.variant))}.`);
      const worst = others.reduce((x, y) => (y.meanAcc < x.meanAcc ? y : x));
      if (worst !== second) lines.push(`  - against the weakest weighting ${worst.variant}: ${sentence(pairedComparison(results, top.variant, worst.variant))}.`);
      const uniform = ensembles.find((r) => r.kind === "uniform");
      if (uniform && uniform !== top && uniform !== second && uniform !== worst) lines.push(`  - against uniform weights: ${sentence(pairedComparison(results, top.variant, uniform.variant))}.`);
    }
    if (singles.length) {
      const single = best(singles);
      lines.push(`  - against the best single teacher (${single.variant}, ${acc(single)}): ${sentence(pairedComparison(results, top.variant, single.variant))}.`);
    }
    if (hard) lines.push(`  - against hard labels only (${acc(hard)}): ${sentence(pairedComparison(results, top.variant, hard.variant))}.`);
  }
  if (singles.length > 1) {
    const single = best(singles);
    const worstSingle = singles.reduce((x, y) => (y.meanAcc < x.meanAcc ? y : x));
    lines.push(`- **Single teachers**: best ${single.variant} ${acc(single)}, worst ${worstSingle.variant} ${acc(worstSingle)}: ${sentence(pairedComparison(results, single.variant, worstSingle.variant))}.`);
  }
  return lines;
}

/** Mean teacher weight per (variant, epoch, teacher) over seeds, for the weights-over-epochs chart. */
export function weightCurves(sweep: { results: MultiTeacherTrialResult[]; teachers: TeacherSummary[] }): { variant: string; teacher: string; epoch: number; weight: number }[] {
  const sums = new Map<string, { variant: string; teacher: string; epoch: number; sum: number; n: number }>();
  for (const r of sweep.results) {
    for (const w of r.weights) {
      w.weights.forEach((v, k) => {
        const teacher = sweep.teachers[k].name;
        const key = `${r.variant}\u0000${teacher}\u0000${w.epoch}`;
        if (!sums.has(key)) sums.set(key, { variant: r.variant, teacher, epoch: w.epoch, sum: 0, n: 0 });
        const a = sums.get(key)!;
        a.sum += v;
        a.n++;
      });
    }
  }
  return [...sums.values()].map((a) => ({ variant: a.variant, teacher: a.teacher, epoch: a.epoch, weight: a.sum / a.n }));
}

/**
 * The analysis of notebook 02 (fixed vs scheduled distillation temperature):
 * epochs to reach given test accuracies, final accuracy per variant, the
 * paired (same seed) speed-up of one variant over another, and readings of a
 * claimed speed-up generated from the numbers. The runs themselves are in
 * dynamic-temperature-trials.ts; runners/dynamic-temperature.ts puts it together.
 */
import { pct } from "../analysis/format";
import { Summary, pairedStats, summarize, summarizeBy } from "../analysis/stats";
import type { DynamicTrialResult } from "./dynamic-temperature-trials";

export type { DynamicTrialResult, DynamicTrialSpec, DynamicVariant } from "./dynamic-temperature-trials";

/** First epoch whose test accuracy is ≥ x; null if never within the budget. */
export function epochsToReach(curve: { epoch: number; testAcc: number }[], x: number): number | null {
  return curve.find((p) => p.testAcc >= x)?.epoch ?? null;
}

export interface ConvergenceRow {
  variant: string;
  threshold: number;
  /** Runs that reached the threshold within the budget, of `runs`. */
  reached: number;
  runs: number;
  /** Over the runs that reached it; null if none did. */
  meanEpochs: number | null;
  stdEpochs: number | null;
  minEpochs: number | null;
  maxEpochs: number | null;
}

export function convergenceTable(results: DynamicTrialResult[], thresholds: number[]): ConvergenceRow[] {
  const variants = [...new Set(results.map((r) => r.variant))];
  return variants.flatMap((variant) =>
    thresholds.map((threshold) => {
      const runs = results.filter((r) => r.variant === variant);
      const hit = runs.map((r) => epochsToReach(r.curve, threshold)).filter((e): e is number => e !== null);
      const s = hit.length ? summarize(hit) : null;
      return { variant, threshold, reached: hit.length, runs: runs.length, meanEpochs: s?.mean ?? null, stdEpochs: s?.std ?? null, minEpochs: s?.min ?? null, maxEpochs: s?.max ?? null };
    }),
  );
}

/** Final test accuracy per variant over seeds (n, mean, sample sd, min, max), in order of first appearance. */
export function finalAccuracy(results: DynamicTrialResult[]): ({ variant: string } & Summary)[] {
  return [...summarizeBy(results, (r) => r.variant, (r) => r.finalAcc)].map(([variant, s]) => ({ variant, ...s }));
}

export interface SpeedupRow {
  candidate: string;
  baseline: string;
  threshold: number;
  /** Seeds where both runs reached the threshold (the paired comparison uses only these). */
  pairs: number;
  /** Seeds where only one of the two reached it. */
  onlyCandidate: number;
  onlyBaseline: number;
  /** Mean over paired seeds of 1 − epochs(candidate) / epochs(baseline): 0.3 = 30 % fewer epochs. */
  meanReduction: number | null;
  stdReduction: number | null;
  /** 95 % confidence interval of the mean reduction (paired t). */
  ciLow: number | null;
  ciHigh: number | null;
}


/** Paired (same seed) reduction in epochs-to-threshold of `candidate` against `baseline`. */
export function speedup(results: DynamicTrialResult[], candidate: string, baseline: string, thresholds: number[]): SpeedupRow[] {
  const bySeed = (variant: string) => new Map(results.filter((r) => r.variant === variant).map((r) => [r.seed, r]));
  const cand = bySeed(candidate);
  const base = bySeed(baseline);
  if (cand.size === 0) throw new Error(`no runs of variant "${candidate}"`);
  if (base.size === 0) throw new Error(`no runs of variant "${baseline}"`);
  return thresholds.map((threshold) => {
    const ratios: number[] = [];
    let onlyCandidate = 0;
    let onlyBaseline = 0;
    for (const [seed, c] of cand) {
      const b = base.get(seed);
      if (!b) continue;
      const ec = epochsToReach(c.curve, threshold);
      const eb = epochsToReach(b.curve, threshold);
      if (ec !== null && eb !== null) ratios.push(1 - ec / eb);
      else if (ec !== null) onlyCandidate++;
      else if (eb !== null) onlyBaseline++;
    }
    const s = ratios.length ? pairedStats(ratios) : null;
    return {
      candidate,
      baseline,
      threshold,
      pairs: ratios.length,
      onlyCandidate,
      onlyBaseline,
      meanReduction: s?.meanDiff ?? null,
      stdReduction: s && s.pairs > 1 ? s.stdDiff : null,
      ciLow: s?.ciLow ?? null,
      ciHigh: s?.ciHigh ?? null,
    };
  });
}

const pc = (x: number): string => pct(x, 0);

/**
 * A plain reading of speedup rows against a claimed reduction (0.3 = "30 % faster"),
 * one markdown bullet per threshold, generated from the numbers. "Supported" means the
 * 95 % interval of the paired reduction lies at or above the claim, "contradicted"
 * that it lies below it; otherwise the runs cannot tell.
 */
export function readSpeedup(rows: SpeedupRow[], claimed: number): string[] {
  return rows.map((r) => {
    const head = `- **${pc(r.threshold)} accuracy**, ${r.candidate} vs ${r.baseline}:`;
    const censored = r.onlyCandidate + r.onlyBaseline > 0 ? ` (${r.onlyCandidate} seed(s) where only ${r.candidate} got there, ${r.onlyBaseline} where only ${r.baseline} did, within the budget)` : "";
    if (r.meanReduction === null) return `${head} no seed has both runs reaching it within the budget${censored}; no comparison possible.`;
    const dir = r.meanReduction >= 0 ? `${pc(r.meanReduction)} fewer epochs` : `${pc(-r.meanReduction)} more epochs`;
    if (r.ciLow === null || r.ciHigh === null) return `${head} ${dir} on the one paired seed${censored}; too few seeds to judge the ${pc(claimed)} claim.`;
    const ci = `reduction ${pc(r.meanReduction)}, 95 % interval ${pc(r.ciLow)} to ${pc(r.ciHigh)} over ${r.pairs} paired seeds`;
    const verdict =
      r.ciLow >= claimed ? `consistent with the claimed ${pc(claimed)} speed-up`
        : r.ciHigh < claimed ? `the claimed ${pc(claimed)} speed-up is ruled out here`
          : `the runs cannot confirm or rule out the claimed ${pc(claimed)}`;
    const sign = r.ciLow > 0 ? "clearly faster" : r.ciHigh < 0 ? "clearly slower" : "no clear difference in speed";
    return `${head} ${dir} on average (${ci}): ${sign}; ${verdict}${censored}.`;
  });
}

/**
 * One sentence on the claim over all thresholds: at how many the claimed reduction
 * is supported, ruled out, or undecided (see readSpeedup for the rule).
 */
export function claimVerdict(rows: SpeedupRow[], claimed: number): string {
  const judged = rows.filter((r) => r.ciLow !== null && r.ciHigh !== null);
  const supported = judged.filter((r) => r.ciLow! >= claimed).map((r) => pc(r.threshold));
  const ruledOut = judged.filter((r) => r.ciHigh! < claimed).map((r) => pc(r.threshold));
  const best = judged.length ? Math.max(...judged.map((r) => r.meanReduction!)) : null;
  const name = rows.length ? `${rows[0].candidate} vs ${rows[0].baseline}` : "no comparison";
  const list = (xs: string[]) => (xs.length ? xs.join(", ") : "none");
  return `**Verdict on the ${pc(claimed)} claim (${name})**: supported at ${list(supported)}; ruled out at ${list(ruledOut)}; undecided at ${rows.length - supported.length - ruledOut.length} of ${rows.length} thresholds` +
    (best === null ? "." : `. The largest mean reduction measured is ${pc(best)}${best < 0 ? " (i.e. slower)" : ""}.`);
}

/**
 * Does a published ordering of methods hold here? Given per-seed runs of the
 * methods (by variant name), the measured means in the published order, the
 * paired comparison of each adjacent pair and a plain verdict: "holds" only
 * when every step goes the published way by a clear paired t (95 %),
 * "reversed" when some step clearly goes the other way, otherwise "not
 * shown" (the means may agree in order without the seeds to tell).
 */
import { meanSd, pts, tValue } from "./format";
import { PairedStats, pairedComparison, summarize } from "./stats";

export interface PublishedMethod {
  /** The method's name in the paper, e.g. "KD". */
  label: string;
  /** The variant that implements it here. */
  variant: string;
  /** The published accuracy (fraction). */
  published: number;
}

export interface OrderingStep {
  lower: string;
  higher: string;
  /** higher − lower, paired by seed. */
  paired: PairedStats;
}

export interface OrderingCheck {
  means: { label: string; variant: string; mean: number; std: number; seeds: number; published: number }[];
  steps: OrderingStep[];
  verdict: "holds" | "reversed" | "not shown";
  lines: string[];
}

export function checkPublishedOrdering<R extends { variant: string; seed: number; testAcc: number }>(rows: R[], methods: PublishedMethod[], source: string): OrderingCheck {
  if (methods.length < 2) throw new Error(`published ordering: needs at least 2 methods; got ${methods.length}`);
  const sorted = [...methods].sort((a, b) => a.published - b.published);
  const means = sorted.map((m) => {
    const accs = rows.filter((r) => r.variant === m.variant).map((r) => r.testAcc);
    if (!accs.length) throw new Error(`published ordering: no runs of variant "${m.variant}" (for ${m.label}); variants: ${[...new Set(rows.map((r) => r.variant))].join(", ")}`);
    const s = summarize(accs);
    return { label: m.label, variant: m.variant, mean: s.mean, std: s.std, seeds: s.n, published: m.published };
  });
  const by = { key: (r: R) => r.seed, value: (r: R) => r.testAcc, group: (r: R) => r.variant };
  const steps = sorted.slice(1).map((m, i) => ({ lower: sorted[i].label, higher: m.label, paired: pairedComparison(rows, by, m.variant, sorted[i].variant) }));
  const reversed = steps.some((s) => s.paired.clear && s.paired.meanDiff < 0);
  const holds = steps.every((s) => s.paired.clear && s.paired.meanDiff > 0);
  const verdict = holds ? "holds" : reversed ? "reversed" : "not shown";
  const pub = sorted.map((m) => `${m.label} ${(100 * m.published).toFixed(2)} %`).join(" < ");
  const here = means.map((m) => `${m.label} ${meanSd(m.mean, m.std)}`).join(", ");
  const stepText = steps.map((s) => `${s.higher} − ${s.lower} ${pts(s.paired.meanDiff)} (paired t ${tValue(s.paired.t)}, ${s.paired.pairs} seeds${s.paired.clear ? ", clear" : ", not clear"})`).join("; ");
  const said = {
    holds: "the published ordering holds here, each step clear over the seeds",
    reversed: "the published ordering does **not** hold here: at least one step clearly goes the other way",
    "not shown": "these seeds do not show the published ordering: no step that goes the other way is clear, but not every step the published way is clear either",
  }[verdict];
  return { means, steps, verdict, lines: [`Published (${source}): ${pub}.`, `Here: ${here}. ${stepText}.`, `So ${said}.`] };
}

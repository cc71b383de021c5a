/**
 * The beyond-KD experiment's comparisons: per arm the mean and spread over
 * seeds, the paired (same seed) difference to the comparison's reference arm
 * with its t and 95 % interval, a sentence per arm generated from those
 * numbers, and the published-ordering check where the configuration names one.
 */
import { meanSd, pts, tValue } from "../../analysis/format";
import { OrderingCheck, checkPublishedOrdering } from "../../analysis/published-ordering";
import { pairedComparison, summarize } from "../../analysis/stats";
import type { FashionBeyondKdExperiment } from "../schema/fashion-beyond-kd";
import type { BeyondKdRow } from "./trial";

export interface ArmSummary {
  arm: string;
  seeds: number;
  meanAcc: number;
  stdAcc: number;
  minAcc: number;
  maxAcc: number;
  trainRows: number;
  labelledRows: number;
  steps: number;
  /** Mean paired difference to the reference arm (0 for the reference itself). */
  gain: number;
  pairedT: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  clear: boolean;
}

export interface ComparisonSummary {
  title: string;
  reference: string;
  arms: ArmSummary[];
  reading: string[];
  ordering: OrderingCheck | null;
}

const BY_SEED = { key: (r: BeyondKdRow) => r.seed, value: (r: BeyondKdRow) => r.testAcc, group: (r: BeyondKdRow) => r.arm };

export function summarizeComparison(rows: BeyondKdRow[], cmp: FashionBeyondKdExperiment["comparisons"][number]): ComparisonSummary {
  const arms = cmp.arms.map((arm): ArmSummary => {
    const mine = rows.filter((r) => r.arm === arm);
    if (!mine.length) throw new Error(`comparison "${cmp.title}": no runs of arm "${arm}"`);
    const s = summarize(mine.map((r) => r.testAcc));
    const p = arm === cmp.reference ? null : pairedComparison(rows, BY_SEED, arm, cmp.reference);
    return {
      arm, seeds: s.n, meanAcc: s.mean, stdAcc: s.std, minAcc: s.min, maxAcc: s.max,
      trainRows: mine[0].trainRows, labelledRows: mine[0].labelledRows, steps: mine[0].steps,
      gain: p ? p.meanDiff : 0, pairedT: p ? p.t : null, ciLow: p ? p.ciLow : null, ciHigh: p ? p.ciHigh : null, clear: p ? p.clear : false,
    };
  });
  const ref = arms.find((a) => a.arm === cmp.reference)!;
  const reading = [`- **${ref.arm}** (the reference): ${meanSd(ref.meanAcc, ref.stdAcc)} over ${ref.seeds} seeds (${ref.labelledRows} labelled of ${ref.trainRows} rows, ${ref.steps} steps).`];
  const helped: string[] = [];
  const hurt: string[] = [];
  for (const a of arms) {
    if (a === ref) continue;
    const verdict = a.clear ? (a.gain > 0 ? "clearly better" : "clearly worse") : "no clear difference";
    if (a.clear) (a.gain > 0 ? helped : hurt).push(a.arm);
    const ci = a.ciLow === null ? "" : `, 95 % interval ${pts(a.ciLow)} … ${pts(a.ciHigh!)}`;
    reading.push(`- **${a.arm}**: ${meanSd(a.meanAcc, a.stdAcc)}, ${pts(a.gain)} vs ${ref.arm} (paired t = ${tValue(a.pairedT)}${ci}): ${verdict}.`);
  }
  reading.push(`- **In short**: against ${ref.arm}, clearly better: ${helped.join(", ") || "none"}; clearly worse: ${hurt.join(", ") || "none"}.`);
  const ordering = cmp.publishedOrdering ? checkPublishedOrdering(rows.map((r) => ({ variant: r.arm, seed: r.seed, testAcc: r.testAcc })), cmp.publishedOrdering.methods, cmp.publishedOrdering.source) : null;
  return { title: cmp.title, reference: cmp.reference, arms, reading, ordering };
}

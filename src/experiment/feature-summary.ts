/**
 * Notebook 06's summary and reading: per variant mean and spread, the paired
 * (same seed) gain over the reference variant in accuracy and attention
 * similarity, and a plain-language reading generated from those numbers.
 */
import { meanSd, pts, tValue } from "../analysis/format";
import { PairBy, clearAt95, pairedDiffs, pairedT, summarize, tCrit95 } from "../analysis/stats";
/** One student run's outcome (a row of the sweep). */
export interface FeatureRow {
  variant: string;
  seed: number;
  trainSamples: number;
  testAcc: number;
  /** Attention similarity to the teacher after the last epoch. */
  attentionSimilarity: number | null;
  ms: number;
}

export interface FeatureSummaryRow {
  variant: string;
  seeds: number;
  meanAcc: number;
  stdAcc: number;
  minAcc: number;
  maxAcc: number;
  meanSimilarity: number | null;
  /** Mean paired difference (same seed) to the reference variant. */
  gainOverReference: number;
  pairedT: number | null;
  /** Same for the attention similarity. */
  similarityGain: number | null;
  similarityT: number | null;
}

const ACC_BY_SEED: PairBy<FeatureRow> = { key: (r) => r.seed, value: (r) => r.testAcc, group: (r) => r.variant };
const SIM_BY_SEED: PairBy<FeatureRow> = { ...ACC_BY_SEED, value: (r) => r.attentionSimilarity };

export function summarizeFeatureSweep(rows: FeatureRow[], reference: string): FeatureSummaryRow[] {
  const variants = [...new Set(rows.map((r) => r.variant))];
  return variants.map((variant) => {
    const g = rows.filter((r) => r.variant === variant);
    const acc = summarize(g.map((r) => r.testAcc));
    const diffs = pairedDiffs(rows, ACC_BY_SEED, variant, reference);
    const sims = g.map((r) => r.attentionSimilarity).filter((s): s is number => s !== null);
    const simDiffs = pairedDiffs(rows, SIM_BY_SEED, variant, reference);
    return {
      variant,
      seeds: acc.n,
      meanAcc: acc.mean,
      stdAcc: acc.std,
      minAcc: acc.min,
      maxAcc: acc.max,
      meanSimilarity: sims.length ? summarize(sims).mean : null,
      gainOverReference: diffs.length ? summarize(diffs).mean : 0,
      pairedT: variant === reference ? null : pairedT(diffs),
      similarityGain: variant === reference || !simDiffs.length ? null : summarize(simDiffs).mean,
      similarityT: variant === reference ? null : pairedT(simDiffs),
    };
  });
}

/** A plain-language reading generated from the summary: what helped, what hurt, what made no clear difference. */
export function readFeatureSweep(summary: FeatureSummaryRow[], reference: string, baseline?: string): string[] {
  const ref = summary.find((r) => r.variant === reference);
  if (!ref) throw new Error(`reference "${reference}" not in the summary`);
  const df = ref.seeds - 1;
  const crit = df >= 1 ? tCrit95(df).toFixed(2) : "n/a";
  const clear = (t: number | null) => clearAt95(t, df);
  const lines: string[] = [];
  lines.push(`- **${reference}** (the reference): ${meanSd(ref.meanAcc, ref.stdAcc)} over ${ref.seeds} seeds${ref.meanSimilarity !== null ? `, attention similarity to the teacher ${ref.meanSimilarity.toFixed(3)}` : ""}.`);
  const helped: string[] = [];
  const hurt: string[] = [];
  const neutral: string[] = [];
  for (const r of summary) {
    if (r.variant === reference) continue;
    const verdict = clear(r.pairedT) ? (r.gainOverReference > 0 ? "clearly better" : "clearly worse") : "no clear difference";
    if (r.variant !== baseline) (verdict === "clearly better" ? helped : verdict === "clearly worse" ? hurt : neutral).push(r.variant);
    const simVerdict = clear(r.similarityT) ? (r.similarityGain! > 0 ? ", clearly closer to the teacher's" : ", clearly further from the teacher's") : ", no clear change";
    const sim = r.similarityGain !== null && r.meanSimilarity !== null ? `; attention similarity ${r.meanSimilarity.toFixed(3)} (${r.similarityGain >= 0 ? "+" : "−"}${Math.abs(r.similarityGain).toFixed(3)}, paired t = ${tValue(r.similarityT)}${simVerdict})` : "";
    lines.push(`- **${r.variant}**: ${meanSd(r.meanAcc, r.stdAcc)}, ${pts(r.gainOverReference)} vs ${reference} (paired t = ${tValue(r.pairedT)}, 95 % threshold ${crit}): ${verdict}${sim}.`);
  }
  const list = (xs: string[]) => (xs.length ? xs.join(", ") : "none");
  lines.push(`- **In short**: on top of ${reference}, helped: ${list(helped)}; hurt: ${list(hurt)}; no clear effect: ${list(neutral)}.`);
  return lines;
}

/**
 * Summaries of the federated runs over seeds: accuracy per (α, method, round),
 * bytes sent, paired comparisons at the last round (matched by seed), and a
 * reading written from those numbers.
 */
import { meanSd, pct, pts, tValue } from "../../analysis/format";
import { PairedStats, Summary, pairedComparison, summarize } from "../../analysis/stats";
import type { FedTrialResult } from "./types";

export interface RoundSummary {
  alpha: number;
  method: string;
  round: number;
  /** The clients' mean test accuracy, over seeds. */
  client: Summary;
  /** The ensemble's (mean of client probabilities) test accuracy, over seeds. */
  ensemble: Summary;
  /** Mean over clients and seeds of the bytes a client sent in this round. */
  bytesPerClient: number;
  /** Distillation rounds: the clients' mean accuracy right after distilling (before their own labels again), over seeds. */
  distilled: Summary | null;
}

export interface BytesSummary {
  method: string;
  /** Bytes one client sends per communicating round (0: never communicates; null: not a client protocol). */
  perRound: number | null;
  /** Bytes one client sends over the whole run. */
  total: number | null;
  communicatingRounds: number;
}

export interface Comparison {
  alpha: number;
  candidate: string;
  baseline: string;
  measure: "client" | "ensemble";
  stats: PairedStats;
}

/** The runs of every α; the centralised model (α null) appears under each α. */
export function byAlpha(runs: FedTrialResult[], alphas: number[]): (FedTrialResult & { alpha: number })[] {
  return alphas.flatMap((alpha) => runs.filter((r) => r.alpha === alpha || r.alpha === null).map((r) => ({ ...r, alpha })));
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export function summarizeRounds(runs: FedTrialResult[], alphas: number[], methods: string[]): RoundSummary[] {
  const rows = byAlpha(runs, alphas);
  const out: RoundSummary[] = [];
  for (const alpha of alphas) {
    for (const method of methods) {
      const mine = rows.filter((r) => r.alpha === alpha && r.method === method);
      if (mine.length === 0) continue;
      const rounds = mine[0].rounds.length;
      for (let i = 0; i < rounds; i++) {
        out.push({
          alpha,
          method,
          round: mine[0].rounds[i].round,
          client: summarize(mine.map((r) => r.rounds[i].meanClientAcc)),
          ensemble: summarize(mine.map((r) => r.rounds[i].ensembleAcc)),
          bytesPerClient: mean(mine.map((r) => mean(r.rounds[i].bytesPerClient))),
          distilled: mine.every((r) => r.rounds[i].distilledClientAcc !== null) ? summarize(mine.map((r) => r.rounds[i].distilledClientAcc as number)) : null,
        });
      }
    }
  }
  return out;
}

export function summarizeBytes(runs: FedTrialResult[], methods: string[]): BytesSummary[] {
  return methods.map((method) => {
    const mine = runs.filter((r) => r.method === method);
    if (mine[0]?.kind === "central") return { method, perRound: null, total: null, communicatingRounds: 0 };
    const perRun = mine.map((r) => r.rounds.map((x) => mean(x.bytesPerClient)));
    const sent = perRun[0]?.filter((b) => b > 0).length ?? 0;
    const total = mean(perRun.map((b) => b.reduce((a, v) => a + v, 0)));
    return { method, perRound: sent ? total / sent : 0, total, communicatingRounds: sent };
  });
}

/** Each candidate against the baseline at the last round, per α and measure, paired by seed. */
export function compareFinal(runs: FedTrialResult[], alphas: number[], pairs: [string, string][]): Comparison[] {
  const rows = byAlpha(runs, alphas);
  const out: Comparison[] = [];
  for (const alpha of alphas) {
    const at = rows.filter((r) => r.alpha === alpha);
    for (const [candidate, baseline] of pairs) {
      if (!at.some((r) => r.method === candidate) || !at.some((r) => r.method === baseline)) continue;
      for (const measure of ["client", "ensemble"] as const) {
        const value = (r: FedTrialResult) => {
          const last = r.rounds[r.rounds.length - 1];
          return measure === "client" ? last.meanClientAcc : last.ensembleAcc;
        };
        out.push({ alpha, candidate, baseline, measure, stats: pairedComparison(at, { key: (r) => r.seed, value, group: (r) => r.method }, candidate, baseline) });
      }
    }
  }
  return out;
}

const verdict = (s: PairedStats) => (s.clear ? "clear at 95 %" : "not clear at 95 %");

/** Plain sentences from the numbers: where distillation helps the clients, where it does not, and at what cost in bytes. */
export function readFederated(o: {
  rounds: RoundSummary[];
  comparisons: Comparison[];
  bytes: BytesSummary[];
  alphas: number[];
  reference: string;
  distilMethods: string[];
  fedavg: string | null;
  central: string | null;
  skew: { alpha: number; skew: number }[];
}): string[] {
  const lines: string[] = [];
  const last = (alpha: number, method: string) => {
    const rs = o.rounds.filter((r) => r.alpha === alpha && r.method === method);
    return rs[rs.length - 1];
  };
  const cmp = (alpha: number, candidate: string, baseline: string, measure: "client" | "ensemble") =>
    o.comparisons.find((c) => c.alpha === alpha && c.candidate === candidate && c.baseline === baseline && c.measure === measure);
  for (const alpha of o.alphas) {
    const skew = o.skew.find((s) => s.alpha === alpha)?.skew;
    const ref = last(alpha, o.reference);
    if (!ref) continue;
    lines.push(`**α = ${alpha}** (class skew ${skew === undefined ? "n/a" : skew.toFixed(2)}): ${o.reference} ends at ${meanSd(ref.client.mean, ref.client.std)} per client, ${meanSd(ref.ensemble.mean, ref.ensemble.std)} as an ensemble.`);
    for (const m of o.distilMethods) {
      const r = last(alpha, m);
      const c = cmp(alpha, m, o.reference, "client");
      const e = cmp(alpha, m, o.reference, "ensemble");
      if (!r || !c || !e) continue;
      const helps = c.stats.meanDiff > 0 && c.stats.clear ? "helps the clients" : c.stats.meanDiff < 0 && c.stats.clear ? "hurts the clients" : "makes no clear difference to the clients";
      lines.push(
        `- ${m} ${helps}: ${meanSd(r.client.mean, r.client.std)} per client, ${pts(c.stats.meanDiff)} against ${o.reference} (paired t ${tValue(c.stats.t)}, ${verdict(c.stats)}); ensemble ${pct(r.ensemble.mean)} (${pts(e.stats.meanDiff)}, ${verdict(e.stats)}).`,
      );
      if (r.distilled) {
        const lost = r.distilled.mean - r.client.mean;
        lines.push(
          `  Right after distilling, the clients are at ${pct(r.distilled.mean)}; training again on their own labels ${lost > 0 ? `takes ${pts(lost).slice(1)} of that away (the shard's class skew pulls them back)` : `adds ${pts(-lost).slice(1)}`}.`,
        );
      }
    }
    if (o.fedavg) {
      const r = last(alpha, o.fedavg);
      const c = cmp(alpha, o.fedavg, o.reference, "client");
      if (r && c) lines.push(`- ${o.fedavg} (one shared architecture): ${meanSd(r.client.mean, r.client.std)}, ${pts(c.stats.meanDiff)} against ${o.reference} per client (${verdict(c.stats)}).`);
      for (const m of o.distilMethods) {
        const d = cmp(alpha, m, o.fedavg, "client");
        if (d) lines.push(`- ${m} against ${o.fedavg}, per client: ${pts(d.stats.meanDiff)} (${verdict(d.stats)}).`);
      }
    }
    if (o.central) {
      const r = last(alpha, o.central);
      if (r) lines.push(`- The centralised model on every private row (the upper bound) reaches ${meanSd(r.client.mean, r.client.std)}.`);
    }
  }
  const logits = o.bytes.filter((b) => o.distilMethods.includes(b.method) && b.perRound);
  const avg = o.bytes.find((b) => b.method === o.fedavg);
  if (logits.length && avg?.perRound) {
    const ratio = avg.perRound / logits[0].perRound!;
    lines.push(`**Bytes**: a distilling client sends ${logits[0].perRound!.toLocaleString("en-US")} bytes per round (logits on the public rows), a FedAvg client ${avg.perRound.toLocaleString("en-US")} (its parameters): ${ratio >= 1 ? `${ratio.toFixed(1)}× less` : `${(1 / ratio).toFixed(1)}× more`} for distillation, whatever the clients' architectures.`);
  }
  return lines;
}

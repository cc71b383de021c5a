/**
 * Summaries of the federated runs over seeds: accuracy per (α, method, round),
 * bytes sent, paired comparisons at the last round (matched by seed).
 */
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

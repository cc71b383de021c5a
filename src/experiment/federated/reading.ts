/**
 * The reading of a federated run, written from its summaries alone (so a
 * recorded run's numbers can be read again by the same code): per α, each
 * distillation rule against local training and FedAvg, what distilling does
 * before the clients train on their own labels again, the bytes, and a short
 * verdict saying where logits-only sharing helps and where it does not.
 */
import { meanSd, pct, pts, tValue } from "../../analysis/format";
import type { PairedStats } from "../../analysis/stats";
import type { BytesSummary, Comparison, RoundSummary } from "./summary";
import type { FedMethod } from "./types";

export interface ReadingParts {
  rounds: RoundSummary[];
  comparisons: Comparison[];
  bytes: BytesSummary[];
  skew: { alpha: number; skew: number }[];
}

const verdict = (s: PairedStats) => (s.clear ? "clear at 95 %" : "not clear at 95 %");
const size = (x: number) => pts(x).replace(/^[+−]/, "");
const list = (xs: string[]) => (xs.length <= 1 ? xs.join("") : `${xs.slice(0, -1).join(", ")} and ${xs[xs.length - 1]}`);

/** The reading, for a configuration's α values, methods and reference. */
export function readFederated(c: { alphas: number[]; methods: FedMethod[]; reference: string }, p: ReadingParts): string[] {
  const distil = c.methods.filter((m) => m.kind === "distil").map((m) => m.name);
  const fedavg = c.methods.find((m) => m.kind === "fedavg")?.name ?? null;
  const central = c.methods.find((m) => m.kind === "central")?.name ?? null;
  const ref = c.reference;
  const last = (alpha: number, method: string) => {
    const rs = p.rounds.filter((r) => r.alpha === alpha && r.method === method);
    return rs[rs.length - 1];
  };
  const cmp = (alpha: number, candidate: string, baseline: string, measure: "client" | "ensemble" = "client") =>
    p.comparisons.find((x) => x.alpha === alpha && x.candidate === candidate && x.baseline === baseline && x.measure === measure)?.stats;
  const lines: string[] = [];
  for (const alpha of c.alphas) {
    const skew = p.skew.find((s) => s.alpha === alpha)?.skew;
    const base = last(alpha, ref);
    if (!base) continue;
    lines.push(`**α = ${alpha}** (class skew ${skew === undefined ? "n/a" : skew.toFixed(2)}): ${ref} ends at ${meanSd(base.client.mean, base.client.std)} per client, ${meanSd(base.ensemble.mean, base.ensemble.std)} as an ensemble.`);
    for (const m of distil) {
      const r = last(alpha, m);
      const s = cmp(alpha, m, ref);
      const e = cmp(alpha, m, ref, "ensemble");
      if (!r || !s || !e) continue;
      const effect = s.clear ? (s.meanDiff > 0 ? "helps the clients" : "hurts the clients") : "makes no clear difference to the clients";
      lines.push(`- ${m} ${effect}: ${meanSd(r.client.mean, r.client.std)} per client, ${pts(s.meanDiff)} against ${ref} (paired t ${tValue(s.t)}, ${verdict(s)}); ensemble ${pct(r.ensemble.mean)} (${pts(e.meanDiff)}, ${verdict(e)}).`);
      if (r.distilled) {
        const drop = r.distilled.mean - r.client.mean;
        lines.push(`  Right after distilling, its clients are at ${pct(r.distilled.mean)} (${pts(r.distilled.mean - r.ensemble.mean)} from their ensemble); training again on their own labels ${drop >= 0 ? `brings them down by ${size(drop)}` : `adds ${size(-drop)}`}.`);
      }
    }
    if (fedavg) {
      const r = last(alpha, fedavg);
      const s = cmp(alpha, fedavg, ref);
      if (r && s) lines.push(`- ${fedavg} (one shared architecture): ${meanSd(r.client.mean, r.client.std)}, ${pts(s.meanDiff)} against ${ref} per client (${verdict(s)}).`);
      for (const m of distil) {
        const d = cmp(alpha, m, fedavg);
        if (d) lines.push(`- ${m} against ${fedavg}, per client: ${pts(d.meanDiff)} (${verdict(d)}).`);
      }
    }
    const mean = c.methods.find((m) => m.kind === "distil" && m.fusion === "mean")?.name;
    for (const m of distil.filter((x) => x !== mean)) {
      const d = mean ? cmp(alpha, m, mean) : undefined;
      if (d) lines.push(`- ${m} against ${mean}, per client: ${pts(d.meanDiff)} (${verdict(d)}).`);
    }
    const top = central ? last(alpha, central) : undefined;
    if (top) lines.push(`- The centralised model on every private row (the upper bound, not federated) reaches ${meanSd(top.client.mean, top.client.std)}.`);
  }
  const logits = p.bytes.find((b) => distil.includes(b.method) && b.perRound);
  const avg = p.bytes.find((b) => b.method === fedavg);
  let bytesRatio: number | null = null;
  if (logits?.perRound && avg?.perRound) {
    bytesRatio = avg.perRound / logits.perRound;
    lines.push(`**Bytes**: a distilling client sends ${logits.perRound.toLocaleString("en-US")} bytes per round (its logits on the public rows, whatever its model), a FedAvg client ${avg.perRound.toLocaleString("en-US")} (its parameters): ${bytesRatio >= 1 ? `${bytesRatio.toFixed(1)}× less` : `${(1 / bytesRatio).toFixed(1)}× more`} for distillation.`);
  }
  lines.push(...inShort(c.alphas, distil, ref, fedavg, last, cmp, bytesRatio));
  return lines;
}

/** The verdict: the best distillation rule per α against local training and FedAvg. */
function inShort(
  alphas: number[],
  distil: string[],
  ref: string,
  fedavg: string | null,
  last: (alpha: number, method: string) => RoundSummary | undefined,
  cmp: (alpha: number, candidate: string, baseline: string, measure?: "client" | "ensemble") => PairedStats | undefined,
  bytesRatio: number | null,
): string[] {
  const best = alphas
    .map((alpha) => {
      const scored = distil.map((m) => ({ m, s: cmp(alpha, m, ref) })).filter((x): x is { m: string; s: PairedStats } => !!x.s);
      scored.sort((a, b) => b.s.meanDiff - a.s.meanDiff);
      return scored.length ? { alpha, ...scored[0], r: last(alpha, scored[0].m) } : null;
    })
    .filter((x): x is NonNullable<typeof x> => x !== null);
  if (!best.length) return [];
  const clearWins = best.filter((b) => b.s.clear && b.s.meanDiff > 0).map((b) => `α = ${b.alpha}`);
  const gains = best.map((b) => `${pts(b.s.meanDiff)} at α = ${b.alpha} (${b.m}${b.s.clear ? ", clear" : ", not clear"})`);
  const out = [
    `**In short.** Sharing only logits on the public rows ${clearWins.length ? `clearly helps the clients at ${list(clearWins)}` : "clearly helps the clients at no α here"}: the better fusion rule gains ${list(gains)} per client over ${ref}.`,
  ];
  for (const b of best) {
    const base = last(b.alpha, ref);
    const d = b.r?.distilled;
    const e = cmp(b.alpha, b.m, ref, "ensemble");
    if (!base || !b.r || !d || !e) continue;
    const lead = d.mean - base.client.mean;
    const kept = lead > 0 ? (b.r.client.mean - base.client.mean) / lead : null;
    const ensemble = e.clear ? `${e.meanDiff > 0 ? "better" : "worse"} for it (${pts(e.meanDiff)}, clear)` : `not clearly different (${pts(e.meanDiff)})`;
    out.push(
      `At α = ${b.alpha}, right after distilling the clients (${b.m}) are at ${pct(d.mean)}, ${pts(lead)} above ${ref}'s final clients` +
        (kept === null ? "" : `; after training again on their own labels they keep ${Math.round(100 * Math.max(0, kept))} % of that lead`) +
        `. The clients' ensemble is ${ensemble}.`,
    );
  }
  if (fedavg) {
    const vs = best.map((b) => ({ alpha: b.alpha, d: cmp(b.alpha, b.m, fedavg) })).filter((x): x is { alpha: number; d: PairedStats } => !!x.d);
    const cost = bytesRatio !== null && bytesRatio > 1 ? ` — while sending ${bytesRatio.toFixed(1)}× more bytes per round and forcing one architecture on every client` : "";
    const each = vs.map((x) => `${size(x.d.meanDiff)} at α = ${x.alpha} (${x.d.clear ? "clear" : "not clear"})`);
    if (vs.length && vs.every((x) => x.d.meanDiff < 0)) out.push(`${fedavg} is ahead of the best distillation rule by ${list(each)}${cost}.`);
    else if (vs.length && vs.every((x) => x.d.meanDiff > 0)) out.push(`The best distillation rule is ahead of ${fedavg} by ${list(each)}.`);
    else if (vs.length) out.push(`Best distillation rule against ${fedavg}: ${list(vs.map((x) => `${pts(x.d.meanDiff)} at α = ${x.alpha} (${x.d.clear ? "clear" : "not clear"})`))}.`);
  }
  return out;
}

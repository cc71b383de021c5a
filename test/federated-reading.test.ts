/** Notebook 10's reading says what its numbers say: a clear gain is called one, an unclear one is not, FedAvg's lead is sized. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { pairedStats, summarize } from "../src/analysis/stats";
import { readFederated } from "../src/experiment/federated/reading";
import type { Comparison, RoundSummary } from "../src/experiment/federated/summary";
import type { FedMethod } from "../src/experiment/federated/types";

const methods: FedMethod[] = [
  { name: "local", kind: "local" },
  { name: "kd", kind: "distil", fusion: "mean" },
  { name: "avg", kind: "fedavg" },
];
const row = (alpha: number, method: string, acc: number, distilled: number | null = null): RoundSummary => ({
  alpha,
  method,
  round: 3,
  client: summarize([acc, acc]),
  ensemble: summarize([0.7, 0.7]),
  bytesPerClient: 0,
  distilled: distilled === null ? null : summarize([distilled, distilled]),
});
const comparison = (alpha: number, candidate: string, baseline: string, diffs: number[], measure: "client" | "ensemble" = "client"): Comparison => ({ alpha, candidate, baseline, measure, stats: pairedStats(diffs) });

function reading(kdDiffs: number[]) {
  return readFederated(
    { alphas: [0.1], methods, reference: "local" },
    {
      rounds: [row(0.1, "local", 0.5), row(0.1, "kd", 0.55, 0.6), row(0.1, "avg", 0.65)],
      comparisons: [
        comparison(0.1, "kd", "local", kdDiffs),
        comparison(0.1, "kd", "local", [0, 0.001, -0.001], "ensemble"),
        comparison(0.1, "avg", "local", [0.15, 0.14, 0.16]),
        comparison(0.1, "kd", "avg", [-0.1, -0.11, -0.09]),
      ],
      bytes: [
        { method: "kd", perRound: 1000, total: 3000, communicatingRounds: 3 },
        { method: "avg", perRound: 4000, total: 16000, communicatingRounds: 4 },
      ],
      skew: [{ alpha: 0.1, skew: 0.7 }],
    },
  ).join("\n");
}

test("a clear gain is reported as help; a noisy one as no clear difference", () => {
  const clear = reading([0.05, 0.051, 0.049]);
  assert.match(clear, /kd helps the clients: 55\.0 ± 0\.0 % per client, \+5\.0 pts against local/);
  assert.match(clear, /clearly helps the clients at α = 0\.1/);
  const noisy = reading([0.2, -0.1, 0.05]);
  assert.match(noisy, /kd makes no clear difference to the clients/);
  assert.match(noisy, /clearly helps the clients at no α here/);
});

test("the lead kept after training on own labels, FedAvg's lead and the bytes come from the numbers", () => {
  const r = reading([0.05, 0.051, 0.049]);
  // Right after distilling 60 %, 10 pts above local's 50 %; at the end 55 %: half the lead kept.
  assert.match(r, /are at 60\.0 %, \+10\.0 pts above local's final clients; after training again on their own labels they keep 50 % of that lead/);
  assert.match(r, /avg is ahead of the best distillation rule by 10\.0 pts at α = 0\.1 \(clear\) — while sending 4\.0× more bytes per round/);
  assert.match(r, /a distilling client sends 1,000 bytes per round .* a FedAvg client 4,000 .*: 4\.0× less for distillation/);
});

test.run();

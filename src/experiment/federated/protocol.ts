/**
 * The rounds of each method, on clients that are already built. Distillation
 * (FedMD / FedDF style): every client trains on its shard; then each round it
 * sends its public-row logits, the server fuses them, the client distils from
 * the fused targets on the public rows and trains again on its own labels.
 * Local only: the same label epochs, no communication. FedAvg: clients start
 * each round from the averaged parameters. Round 0 is the state after the
 * first local training (no communication yet); every round is evaluated.
 */
import { deriveSeed } from "../../core/seed";
import type { DistilSpec, FedClient, FedClientLike } from "./client";
import { LogitsMessage, logitBytes, weightsMessageBytes } from "./messages";
import { averageWeights } from "./server";

/** Fuses one round's messages into soft targets [publicRows × classes]; sees nothing but the messages. */
export type ServerFn = (messages: readonly LogitsMessage[]) => Promise<Float32Array>;

export interface RoundRecord {
  round: number;
  /** Each client's test accuracy after the round. */
  clientAcc: number[];
  meanClientAcc: number;
  /** Test accuracy of the mean of the clients' probabilities. */
  ensembleAcc: number;
  /** Bytes each client sent in the round. */
  bytesPerClient: number[];
  /** Distillation only: the clients' mean test accuracy right after distilling, before training again on their labels. */
  distilledClientAcc: number | null;
}

export interface Schedule {
  rounds: number;
  /** Epochs on the shard per round (and before round 1). */
  localEpochs: number;
  seed: number;
}

/** Accuracy of each probability matrix and of their mean, against the test labels. */
export function evaluateProbs(probs: Float32Array[], labels: ArrayLike<number>, classes: number): { clientAcc: number[]; ensembleAcc: number } {
  const n = labels.length;
  probs.forEach((p, k) => {
    if (p.length !== n * classes) throw new Error(`probs[${k}] has ${p.length} values; expected ${n} × ${classes}`);
  });
  const argmaxAcc = (at: (i: number, c: number) => number) => {
    let right = 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let c = 1; c < classes; c++) if (at(i, c) > at(i, best)) best = c;
      if (best === labels[i]) right++;
    }
    return right / n;
  };
  const clientAcc = probs.map((p) => argmaxAcc((i, c) => p[i * classes + c]));
  const ensembleAcc = argmaxAcc((i, c) => probs.reduce((a, p) => a + p[i * classes + c], 0));
  return { clientAcc, ensembleAcc };
}

async function record(round: number, clients: FedClientLike[], testY: ArrayLike<number>, classes: number, bytes: number[]): Promise<RoundRecord> {
  const probs: Float32Array[] = [];
  for (const c of clients) probs.push(await c.testProbs());
  const { clientAcc, ensembleAcc } = evaluateProbs(probs, testY, classes);
  return { round, clientAcc, meanClientAcc: clientAcc.reduce((a, b) => a + b, 0) / clientAcc.length, ensembleAcc, bytesPerClient: bytes, distilledClientAcc: null };
}

const localSeed = (s: Schedule, client: number, round: number) => deriveSeed(s.seed, "fed-local", client, round);

/**
 * Distillation rounds (server given) or local training only (server null).
 * `onRound` sees the round's messages and fused targets (tests record them).
 */
export async function runDistillation(
  clients: FedClientLike[],
  server: ServerFn | null,
  s: Schedule & { distil: DistilSpec },
  test: { labels: ArrayLike<number>; classes: number },
  onRound?: (r: { round: number; messages: LogitsMessage[]; targets: Float32Array }) => void,
): Promise<RoundRecord[]> {
  for (const c of clients) await c.trainLocal(s.localEpochs, localSeed(s, c.id, 0));
  const records = [await record(0, clients, test.labels, test.classes, clients.map(() => 0))];
  for (let round = 1; round <= s.rounds; round++) {
    let bytes = clients.map(() => 0);
    let distilled: number | null = null;
    if (server) {
      const messages: LogitsMessage[] = [];
      for (const c of clients) messages.push(await c.send());
      bytes = messages.map((m) => logitBytes(m.rows, m.classes));
      const targets = await server(messages);
      onRound?.({ round, messages, targets });
      for (const c of clients) await c.distil(targets, s.distil, deriveSeed(s.seed, "fed-distil", c.id, round));
      distilled = (await record(round, clients, test.labels, test.classes, bytes)).meanClientAcc;
    }
    for (const c of clients) await c.trainLocal(s.localEpochs, localSeed(s, c.id, round));
    records.push({ ...(await record(round, clients, test.labels, test.classes, bytes)), distilledClientAcc: distilled });
  }
  return records;
}

/**
 * FedAvg: every client starts from the same parameters (they share one
 * initialisation); each round every client trains its local epochs and
 * sends its weights, and the server's shard-weighted average goes back to
 * all. Round 0 is the first average, so the label epochs match the others'.
 */
export async function runFedAvg(clients: FedClient[], s: Schedule, test: { labels: ArrayLike<number>; classes: number }): Promise<RoundRecord[]> {
  const records: RoundRecord[] = [];
  for (let round = 0; round <= s.rounds; round++) {
    const messages = [];
    for (const c of clients) {
      await c.trainLocal(s.localEpochs, localSeed(s, c.id, round));
      messages.push(await c.sendWeights());
    }
    const global = averageWeights(messages);
    for (const c of clients) c.setWeights(global);
    records.push(await record(round, clients, test.labels, test.classes, messages.map((m) => weightsMessageBytes(m))));
  }
  return records;
}

/** One model on every private row, evaluated after the same number of epochs as a round. */
export async function runCentral(model: FedClientLike, s: Schedule, test: { labels: ArrayLike<number>; classes: number }): Promise<RoundRecord[]> {
  const records: RoundRecord[] = [];
  for (let round = 0; round <= s.rounds; round++) {
    await model.trainLocal(s.localEpochs, localSeed(s, model.id, round));
    records.push(await record(round, [model], test.labels, test.classes, [0]));
  }
  return records;
}

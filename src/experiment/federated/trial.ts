/**
 * The trial module of the federated experiment (for runSweep, in this process
 * or a worker thread — the same numbers): one (method, α, seed) run. The
 * clients are built from their shards alone; the server is fuseLogitMessages,
 * which gets only the clients' messages.
 */
import * as tf from "@tensorflow/tfjs";
import { deriveSeed } from "../../core/seed";
import { Tensors } from "../../data/dataset";
import { buildMlp } from "../../models/mlp";
import type { TrialContext } from "../parallel";
import type { SweepTrialSpec } from "../sweep";
import { FedClient } from "./client";
import { RoundRecord, runCentral, runDistillation, runFedAvg } from "./protocol";
import { fuseLogitMessages } from "./server";
import type { FedData, FedPoint, FedShared, FedSplit, FedTrialResult, Shard } from "./types";

export interface FedContext {
  poolX: tf.Tensor2D;
  publicX: tf.Tensor2D;
  testX: tf.Tensor2D;
  monitor: Tensors;
  dispose(): void;
}

export function fedSetup(s: FedShared): FedContext {
  const d: FedData = s.data;
  const rows = (x: Float32Array) => x.length / d.numFeatures;
  const poolX = tf.tensor2d(d.poolX, [rows(d.poolX), d.numFeatures]);
  const publicX = tf.tensor2d(d.publicX, [rows(d.publicX), d.numFeatures]);
  const testX = tf.tensor2d(d.testX, [d.testY.length, d.numFeatures]);
  const m = d.monitorRows;
  const monitor = { x: tf.tensor2d(d.testX.subarray(0, m * d.numFeatures), [m, d.numFeatures]), y: tf.tensor1d(d.testY.subarray(0, m), "int32") };
  return {
    poolX,
    publicX,
    testX,
    monitor,
    dispose() {
      [poolX, publicX, testX, monitor.x, monitor.y].forEach((t) => t.dispose());
    },
  };
}

/** The split of (α, seed); throws naming both when there is none. */
export function splitOf(splits: FedSplit[], alpha: number, seed: number): FedSplit {
  const s = splits.find((x) => x.alpha === alpha && x.seed === seed);
  if (!s) throw new Error(`no split for alpha ${alpha} and seed ${seed} (splits: ${splits.map((x) => `${x.alpha}/${x.seed}`).join(", ")})`);
  return s;
}

/** A client on `shard`: its rows gathered from the pool, its labels, a fresh MLP. */
export function makeClient(id: number, shard: Shard, hidden: number[], initSeed: number, s: FedShared, ctx: FedContext): FedClient {
  if (shard.rows.length !== shard.labels.length) throw new Error(`client ${id}: ${shard.rows.length} rows but ${shard.labels.length} labels`);
  const x = tf.tidy(() => tf.gather(ctx.poolX, tf.tensor1d(shard.rows, "int32")) as tf.Tensor2D);
  const model = buildMlp({ inputDim: s.data.numFeatures, hidden, outputDim: s.data.numClasses, seed: initSeed });
  return new FedClient({
    id,
    model,
    shard: { x, y: tf.tensor1d(shard.labels, "int32") },
    publicX: ctx.publicX,
    monitor: ctx.monitor,
    testX: ctx.testX,
    optimiser: { batchSize: s.spec.batchSize, learningRate: s.spec.learningRate },
  });
}

/** Every shard's rows and labels, as one shard (the centralised model's data). */
export function mergeShards(shards: Shard[]): Shard {
  return { rows: shards.flatMap((s) => s.rows), labels: shards.flatMap((s) => s.labels) };
}

export async function fedTrial(t: SweepTrialSpec<FedPoint>, ctx: TrialContext<FedShared, FedContext>): Promise<FedTrialResult> {
  const t0 = performance.now();
  const s = ctx.shared;
  const spec = s.spec;
  const { method } = t.point;
  const seed = t.seed;
  const test = { labels: s.data.testY, classes: s.data.numClasses };
  const schedule = { rounds: spec.rounds, localEpochs: spec.localEpochs, seed };
  // The centralised model has no α of its own: it trains on the whole pool, which every split of the seed covers.
  const split = splitOf(s.splits, t.point.alpha ?? s.splits.find((x) => x.seed === seed)?.alpha ?? NaN, seed);
  const clients: FedClient[] =
    method.kind === "central"
      ? [makeClient(0, mergeShards(split.shards), spec.centralHidden, deriveSeed(seed, "fed-central-init"), s, ctx.setup)]
      : split.shards.map((shard, k) =>
          method.kind === "fedavg"
            ? makeClient(k, shard, spec.fedavgHidden, deriveSeed(seed, "fed-avg-init"), s, ctx.setup)
            : makeClient(k, shard, spec.clientModels[k % spec.clientModels.length], deriveSeed(seed, "fed-init", k), s, ctx.setup),
        );
  try {
    let rounds: RoundRecord[];
    if (method.kind === "central") rounds = await runCentral(clients[0], schedule, test);
    else if (method.kind === "fedavg") rounds = await runFedAvg(clients, schedule, test);
    else {
      const server = method.kind === "distil" ? (m: Parameters<typeof fuseLogitMessages>[0]) => fuseLogitMessages(m, method.fusion, spec.distil.temperature) : null;
      rounds = await runDistillation(clients, server, { ...schedule, distil: spec.distil }, test);
    }
    return {
      method: method.name,
      kind: method.kind,
      alpha: t.point.alpha,
      seed,
      rounds,
      clientRows: clients.map((c) => c.rows),
      clientParams: clients.map((c) => c.params()),
      ms: performance.now() - t0,
    };
  } finally {
    clients.forEach((c) => c.dispose());
  }
}

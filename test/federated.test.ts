/**
 * Federated distillation (notebook 10): the Dirichlet split, the server's
 * fusion against hand-computed values, bytes, bad input, tensors, and — the
 * point of the design — that nothing but public-row logits leaves a client:
 * poisoning one client's labels or rows changes nothing another client or the
 * server gets except through that client's messages, and the public rows'
 * labels are never read.
 */
import * as fs from "fs";
import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { initBackend, tf } from "../src/backend";
import { Rng } from "../src/core/seed";
import { loadDigits } from "../src/data/digits";
import { Prepared } from "../src/data/prepare";
import type { FedClientLike } from "../src/experiment/federated/client";
import { cutPublic, prepareFederated } from "../src/experiment/federated/data";
import { LOGITS_MESSAGE_FIELDS, LogitsMessage, checkLogitsMessage, logitBytes, paramBytes } from "../src/experiment/federated/messages";
import { runDistillation } from "../src/experiment/federated/protocol";
import { averageWeights, fuseLogitMessages } from "../src/experiment/federated/server";
import { fedSetup, fedTrial, makeClient, splitOf } from "../src/experiment/federated/trial";
import type { FedContext } from "../src/experiment/federated/trial";
import type { FedMethod, FedRunSpec, FedShared, FedSplit } from "../src/experiment/federated/types";
import { loadRecordedRun } from "../src/experiment/recorded-run";
import { loadExperiment, resolveExperiment } from "../src/experiment/schema/experiment-file";
import { FederatedExperiment, federatedKind } from "../src/experiment/schema/federated";
import { runSweep } from "../src/experiment/sweep";
import { deriveSeed } from "../src/core/seed";

let p: Prepared;
test.before(async () => {
  await initBackend({ log: false });
  p = loadDigits({ seed: 0 });
});

const close = (a: ArrayLike<number>, b: number[], tol = 1e-6) => {
  assert.is(a.length, b.length);
  b.forEach((v, i) => assert.ok(Math.abs(a[i] - v) < tol, `[${i}] ${a[i]} vs ${v}`));
};

// ------------------------------------------------------------------ the server

const msg = (client: number, logits: number[], rows: number, classes: number): LogitsMessage => ({ client, logits: Float32Array.from(logits), rows, classes });

test("fusion: mean and confidence-weighted against hand-computed values", async () => {
  // Client 0: p = [1/4, 3/4] (max 3/4); client 1: p = [1/2, 1/2] (max 1/2) → confidence weights [0.6, 0.4].
  const m = [msg(0, [0, Math.log(3)], 1, 2), msg(1, [0, 0], 1, 2)];
  close(await fuseLogitMessages(m, "mean", 1), [0.375, 0.625]);
  close(await fuseLogitMessages(m, "confidence", 1), [0.6 * 0.25 + 0.4 * 0.5, 0.6 * 0.75 + 0.4 * 0.5]);
  // At T = 2 client 0's probabilities soften to [1, √3] / (1 + √3); the confidence weights stay those at T = 1.
  const s = Math.sqrt(3);
  close(await fuseLogitMessages(m, "mean", 2), [(1 / (1 + s) + 0.5) / 2, (s / (1 + s) + 0.5) / 2]);
  close(await fuseLogitMessages(m, "confidence", 2), [0.6 / (1 + s) + 0.2, (0.6 * s) / (1 + s) + 0.2]);
  // FedAvg: shard sizes 1 and 3.
  close(averageWeights([{ client: 0, weights: [Float32Array.from([0, 4])], rows: 1 }, { client: 1, weights: [Float32Array.from([4, 0])], rows: 3 }])[0], [3, 1]);
});

test("the server refuses anything but well-formed logits messages", async () => {
  const good = msg(0, [0, 1, 2, 3], 2, 2);
  assert.throws(() => checkLogitsMessage({ ...good, labels: [1, 0] } as unknown as LogitsMessage), /message has field\(s\) labels; a message holds only client, logits, rows, classes/);
  assert.throws(() => checkLogitsMessage({ ...good, rows: 3 }), /message\.logits has 4 values; rows × classes = 3 × 2 = 6/);
  assert.throws(() => checkLogitsMessage({ ...good, logits: [0, 1, 2, 3] as unknown as Float32Array }), /message\.logits must be a Float32Array; got \[object Array\]/);
  assert.throws(() => checkLogitsMessage({ ...good, logits: Float32Array.from([0, NaN, 0, 0]) }), /message\.logits\[1\] must be finite; got NaN/);
  assert.throws(() => checkLogitsMessage({ ...good, classes: 1, logits: new Float32Array(2) }), /message\.classes must be an integer ≥ 2; got 1/);
  await assert.not.throws(() => checkLogitsMessage(good));
  const fails = async (p: Promise<unknown>, re: RegExp) => {
    try {
      await p;
    } catch (e) {
      assert.match((e as Error).message, re);
      return;
    }
    assert.unreachable(`expected ${re}`);
  };
  await fails(fuseLogitMessages([good, msg(1, [0, 1], 1, 2)], "mean", 1), /messages\[1\] is \[1, 2\]; messages\[0\] is \[2, 2\]/);
  await fails(fuseLogitMessages([good, { ...good }], "mean", 1), /messages: client 0 sent twice/);
  await fails(fuseLogitMessages([good], "median" as "mean", 1), /fusion rule must be one of mean, confidence; got "median"/);
  await fails(fuseLogitMessages([], "mean", 1), /messages must list at least one client's message/);
  await fails(fuseLogitMessages([good], "mean", 0), /temperature/);
  assert.throws(() => averageWeights([{ client: 0, weights: [new Float32Array(2)], rows: 1 }, { client: 1, weights: [new Float32Array(3)], rows: 1 }]), /messages\[1\] has weights of sizes \[3\]; messages\[0\] has \[2\] \(FedAvg needs one architecture\)/);
});

test("bytes: logits rows × classes × 4, parameters × 4", () => {
  assert.is(logitBytes(1000, 10), 40000);
  assert.is(paramBytes(1210), 4840);
});

// ------------------------------------------------------------------ runs on digits

const SPEC: FedRunSpec = {
  clients: 3,
  rounds: 2,
  localEpochs: 2,
  batchSize: 64,
  learningRate: 1e-2,
  clientModels: [[8], [16]],
  fedavgHidden: [16],
  centralHidden: [16],
  distil: { epochs: 1, temperature: 2, losses: [{ loss: "kd", weight: 1, temperature: 2 }] },
};
const PUBLIC = 300;

function prepare(y: ArrayLike<number> = p.train.y, x: Float32Array = p.train.x) {
  return prepareFederated(
    { train: { x, y, numFeatures: 64, numClasses: 10 }, test: { x: p.test.x, y: p.test.y } },
    { publicRows: PUBLIC, dataSeed: 0, clients: SPEC.clients, alphas: [0.3], seeds: [5], minRows: 10, monitorRows: 50 },
  );
}

function sharedOf(splits: FedSplit[], data = prepare().data): FedShared {
  return { data, splits, spec: SPEC };
}

/** A distillation run on `splits`; client 0 may be replaced (e.g. by a replay of another run's messages). Records the server's inputs. */
async function distilRun(shared: FedShared, wrap0?: (c: FedClientLike) => FedClientLike) {
  const ctx = fedSetup(shared);
  const split = splitOf(shared.splits, 0.3, 5);
  const clients = split.shards.map((s, k) => makeClient(k, s, SPEC.clientModels[k % 2], deriveSeed(5, "fed-init", k), shared, ctx));
  const actors: FedClientLike[] = wrap0 ? [wrap0(clients[0]), ...clients.slice(1)] : clients;
  const seen: { round: number; messages: LogitsMessage[]; targets: Float32Array }[] = [];
  const server = async (messages: readonly LogitsMessage[]) => fuseLogitMessages(messages, "confidence", SPEC.distil.temperature);
  try {
    const rounds = await runDistillation(actors, server, { rounds: SPEC.rounds, localEpochs: SPEC.localEpochs, seed: 5, distil: SPEC.distil }, { labels: shared.data.testY, classes: 10 }, (r) => seen.push(r));
    const probs = [];
    for (const c of clients) probs.push(await c.testProbs());
    return { rounds, seen, probs };
  } finally {
    clients.forEach((c) => c.dispose());
    ctx.dispose();
  }
}

const sameBits = (a: Float32Array, b: Float32Array) => a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;

test("messages hold only the four fields and the logits of the public rows", async () => {
  const { splits } = prepare();
  const run = await distilRun(sharedOf(splits));
  assert.is(run.seen.length, SPEC.rounds);
  for (const r of run.seen) {
    for (const m of r.messages) {
      assert.equal(Object.keys(m).sort(), [...LOGITS_MESSAGE_FIELDS].sort());
      assert.ok(m.logits instanceof Float32Array);
      assert.is(m.rows, PUBLIC);
      assert.is(m.logits.length, PUBLIC * 10);
    }
    assert.is(r.targets.length, PUBLIC * 10);
  }
  // Bytes per round are exactly the logits' (none before round 1).
  assert.equal(run.rounds.map((r) => r.bytesPerClient), [[0, 0, 0], ...Array.from({ length: SPEC.rounds }, () => [PUBLIC * 10 * 4, PUBLIC * 10 * 4, PUBLIC * 10 * 4])]);
});

/** The splits with client 0's labels permuted (a seeded shuffle that moves them) or its rows' features replaced by noise. */
function poisonLabels(splits: FedSplit[]): FedSplit[] {
  return splits.map((s) => ({ ...s, shards: s.shards.map((sh, k) => (k === 0 ? { rows: sh.rows, labels: sh.labels.map((y) => (y + 1) % 10) } : sh)) }));
}
function poisonRows(shared: FedShared): FedShared {
  const rows = splitOf(shared.splits, 0.3, 5).shards[0].rows;
  const poolX = Float32Array.from(shared.data.poolX);
  const rng = new Rng(99);
  for (const r of rows) for (let j = 0; j < 64; j++) poolX[r * 64 + j] = rng.next();
  return { ...shared, data: { ...shared.data, poolX } };
}

test("a client's labels or rows reach the others only through its messages (poisoned client 0, replayed messages)", async () => {
  const { splits, data } = prepare();
  const clean = await distilRun(sharedOf(splits, data));
  for (const [what, shared] of [["labels", sharedOf(poisonLabels(splits), data)], ["rows", poisonRows(sharedOf(splits, data))]] as const) {
    const poisoned = await distilRun(shared);
    // Client 0's own messages change (so this test can see a leak) …
    assert.not.ok(sameBits(poisoned.seen[0].messages[0].logits, clean.seen[0].messages[0].logits), `poisoned ${what} change client 0's logits`);
    // … the others' first messages are bit-identical: nothing of client 0 reached them before the server spoke.
    for (let k = 1; k < 3; k++) assert.ok(sameBits(poisoned.seen[0].messages[k].logits, clean.seen[0].messages[k].logits), `${what}: client ${k}, round 1`);
    // With client 0's messages replayed from the clean run, every other client and the server get bit-identical inputs in every round.
    let call = 0;
    const replay = (c: FedClientLike): FedClientLike => ({
      id: c.id,
      trainLocal: (e, s) => c.trainLocal(e, s),
      distil: (t, spec, s) => c.distil(t, spec, s),
      testProbs: () => c.testProbs(),
      send: async () => clean.seen[call++].messages[0],
    });
    const replayed = await distilRun(shared, replay);
    for (let r = 0; r < SPEC.rounds; r++) {
      assert.ok(sameBits(replayed.seen[r].targets, clean.seen[r].targets), `${what}: server output, round ${r + 1}`);
      for (let k = 0; k < 3; k++) assert.ok(sameBits(replayed.seen[r].messages[k].logits, clean.seen[r].messages[k].logits), `${what}: server input from client ${k}, round ${r + 1}`);
    }
    for (let k = 1; k < 3; k++) assert.ok(sameBits(replayed.probs[k], clean.probs[k]), `${what}: client ${k}'s final model`);
    assert.not.ok(sameBits(replayed.probs[0], clean.probs[0]), `${what}: client 0 itself did learn from the poison`);
  }
});

test("the public rows' labels are never read: a Proxy that throws on them, and out-of-range values, change nothing", async () => {
  const { publicRows } = cutPublic(p.train.numSamples, PUBLIC, 0);
  const hidden = new Set(publicRows);
  const reads: number[] = [];
  const trap = new Proxy(p.train.y, {
    get(target, prop, receiver) {
      if (typeof prop === "string" && /^\d+$/.test(prop) && hidden.has(Number(prop))) {
        reads.push(Number(prop));
        throw new Error(`public label ${prop} read`);
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  assert.throws(() => trap[publicRows[0]], /public label .* read/, "the trap works");
  reads.length = 0;
  const clean = prepare();
  const trapped = prepare(trap);
  assert.equal(reads, []);
  assert.equal(trapped.splits, clean.splits);
  assert.ok(sameBits(trapped.data.publicX, clean.data.publicX) && sameBits(trapped.data.poolX, clean.data.poolX));
  // Out-of-range public labels: a whole distillation trial gives the same numbers.
  const garbage = Int32Array.from(p.train.y);
  for (const r of publicRows) garbage[r] = 999;
  const method: FedMethod = { name: "d", kind: "distil", fusion: "mean" };
  const run = async (y: ArrayLike<number>) => {
    const pr = prepare(y);
    const shared = sharedOf(pr.splits, pr.data);
    const ctx = fedSetup(shared);
    try {
      return await fedTrial({ point: { method, alpha: 0.3 }, seed: 5 }, { shared, setup: ctx, index: 0, worker: 0 });
    } finally {
      ctx.dispose();
    }
  };
  const a = await run(p.train.y);
  const b = await run(garbage);
  assert.equal({ ...b, ms: 0 }, { ...a, ms: 0 });
});

test("every method's trial leaves no tensor behind, reports bytes, and repeats exactly; runSweep in threads gives the same numbers", async () => {
  const { splits, data } = prepare();
  const shared = sharedOf(splits, data);
  const ctx: FedContext = fedSetup(shared);
  const methods: FedMethod[] = [
    { name: "local", kind: "local" },
    { name: "mean", kind: "distil", fusion: "mean" },
    { name: "conf", kind: "distil", fusion: "confidence" },
    { name: "avg", kind: "fedavg" },
    { name: "central", kind: "central" },
  ];
  const results = [];
  try {
    for (const method of methods) {
      const point = { method, alpha: method.kind === "central" ? null : 0.3 };
      const before = tf.memory().numTensors;
      const r = await fedTrial({ point, seed: 5 }, { shared, setup: ctx, index: 0, worker: 0 });
      assert.is(tf.memory().numTensors, before, `${method.name}: tensors`);
      results.push(r);
      assert.is(r.rounds.length, SPEC.rounds + 1);
      r.rounds.forEach((x) => assert.ok(x.ensembleAcc > 0.1 && x.ensembleAcc <= 1));
    }
    const [local, mean, , avg, central] = results;
    assert.equal(local.rounds.map((r) => r.bytesPerClient), Array.from({ length: SPEC.rounds + 1 }, () => [0, 0, 0]));
    assert.equal(mean.rounds[1].bytesPerClient, [logitBytes(PUBLIC, 10), logitBytes(PUBLIC, 10), logitBytes(PUBLIC, 10)]);
    assert.equal(avg.rounds[0].bytesPerClient, [0, 1, 2].map(() => paramBytes(64 * 16 + 16 + 16 * 10 + 10)));
    // Round 0 is the same first local training for local only and distillation (same seeds): a fair pairing.
    assert.equal(mean.rounds[0].clientAcc, local.rounds[0].clientAcc);
    assert.is(central.clientRows[0], data.poolX.length / 64);
    const again = await fedTrial({ point: { method: methods[2], alpha: 0.3 }, seed: 5 }, { shared, setup: ctx, index: 0, worker: 0 });
    assert.equal({ ...again, ms: 0 }, { ...results[2], ms: 0 });
  } finally {
    ctx.dispose();
  }
  const module = path.join(__dirname, "..", "src", "experiment", "federated", "trial.ts");
  const sweep = (workers: number) =>
    runSweep({ label: "fed-test", points: [{ method: methods[2], alpha: 0.3 }, { method: methods[3], alpha: 0.3 }], seeds: [5], module, fn: "fedTrial", setup: "fedSetup", local: { fn: fedTrial, setup: fedSetup }, shared, workers, describe: (pt) => pt.method.name });
  const threaded = (await sweep(2)).map((r) => ({ ...r.result, ms: 0 }));
  assert.equal(threaded, [{ ...results[2], ms: 0 }, { ...results[3], ms: 0 }]);
});

test("the experiment file validates at both budgets; bad configurations name the field and value", () => {
  const raw = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "experiments", "10-federated-distillation.json"), "utf8"));
  for (const budget of ["full", "ci"] as const) resolveExperiment(raw, { file: "10-federated-distillation.json", budget, kinds: federatedKind });
  const bad = (over: (c: any) => void, re: RegExp) => {
    const r = JSON.parse(JSON.stringify(raw));
    over(r.config);
    assert.throws(() => resolveExperiment(r, { file: "x.json", budget: "full", kinds: federatedKind }), re);
  };
  bad((c) => (c.reference = "nobody"), /reference: got "nobody"; expected "nobody" is not a method/);
  bad((c) => (c.distillation.losses = [{ loss: "ce", weight: 1 }]), /distillation\.losses\[0\]\.loss: got "ce"; expected "kd" only \(the public rows have no labels\)/);
  bad((c) => (c.distillation.losses = [{ loss: "kd", weight: 1, temperature: 5 }]), /distillation\.losses\[0\]\.temperature: got 5; expected the fusion temperature 2/);
  bad((c) => (c.data.publicRows = c.data.trainRows), /data\.publicRows/);
  bad((c) => (c.alphas = [0.1, 0.1]), /alphas.*distinct/);
  bad((c) => (c.alphas = [0]), /alphas/);
  bad((c) => (c.clients = 1), /clients/);
  bad((c) => (c.methods[1].fusion = "median"), /methods\[1\]\.fusion/);
});

test("the recorded full-budget run is of the experiment file's full configuration and complete", () => {
  const recorded = loadRecordedRun<{ runs: { method: string; alpha: number; rounds: unknown[] }[]; rounds: { client: { n: number } }[] }>("10-federated-distillation");
  assert.ok(recorded, "results/10-federated-distillation.full.json is committed");
  const exp = loadExperiment<FederatedExperiment>("10-federated-distillation", { budget: "full", kinds: federatedKind });
  assert.is(recorded!.fingerprint, exp.fingerprint, "same configuration as experiments/10-federated-distillation.json at its full budget");
  const c = exp.config;
  // Every (method, α, seed) run, the centralised model listed under each α.
  assert.is(recorded!.results.runs.length, c.methods.length * c.alphas.length * c.seeds.length);
  assert.ok(recorded!.results.runs.every((r) => r.rounds.length === c.rounds + 1));
  assert.ok(recorded!.results.rounds.every((r) => r.client.n === c.seeds.length));
});

test.run();

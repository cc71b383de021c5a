import { test } from "uvu";
import * as assert from "uvu/assert";
import { currentBackend, initBackend, tf } from "../src/backend";
import { measureLatency } from "../src/models/latency";
import { buildMlp, describeMlp } from "../src/models/mlp";
import { SeededDropout } from "../src/models/seeded-dropout";
import { summarize } from "../src/analysis/stats";
import { Rng, deriveSeed, shuffleInPlace } from "../src/core/seed";

test.before(async () => {
  await initBackend({ log: false });
});

test("backend: one is chosen and described in one line; a bad forced name is rejected", async () => {
  const b = currentBackend()!;
  assert.ok(["tensorflow", "wasm", "cpu"].includes(b.name));
  assert.is(tf.getBackend(), b.name);
  assert.not.match(b.summary, /\n/);
  assert.match(b.summary, new RegExp(`^tfjs backend: ${b.name}`));
  try {
    await initBackend({ force: "quantum", log: false });
    assert.unreachable();
  } catch (err) {
    assert.match(String(err), /DISTILL_BACKEND must be one of .*; got "quantum"/);
  }
});

test("MLP: parameter count by hand, logits out, seeded init", () => {
  const m = buildMlp({ inputDim: 64, hidden: [16], outputDim: 10, seed: 1 });
  assert.is(m.countParams(), 64 * 16 + 16 + 16 * 10 + 10);
  const t = buildMlp({ inputDim: 64, hidden: [512, 512], outputDim: 10, seed: 1 });
  assert.is(t.countParams(), 65 * 512 + 513 * 512 + 513 * 10);
  assert.is(describeMlp({ inputDim: 64, hidden: [512, 512], outputDim: 10 }), "64-512-512-10");
  const same = buildMlp({ inputDim: 64, hidden: [16], outputDim: 10, seed: 1 });
  const other = buildMlp({ inputDim: 64, hidden: [16], outputDim: 10, seed: 2 });
  const w = (x: tf.LayersModel) => Array.from(x.getWeights()[0].dataSync());
  assert.equal(w(m), w(same));
  assert.not.equal(w(m), w(other));
  const out = tf.tidy(() => (m.predict(tf.ones([3, 64])) as tf.Tensor).arraySync() as number[][]);
  assert.is(out.length, 3);
  assert.ok(out[0].some((v) => v < 0), "raw logits, not probabilities");
  [m, t, same, other].forEach((x) => x.dispose());
});

test("MLP: bad specs are rejected with the field and value", () => {
  assert.throws(() => buildMlp({ inputDim: 0, hidden: [4], outputDim: 2, seed: 0 }), /inputDim must be a positive integer; got 0/);
  assert.throws(() => buildMlp({ inputDim: 4, hidden: [4, -1], outputDim: 2, seed: 0 }), /hidden\[1\] must be a positive integer width; got -1/);
  assert.throws(() => buildMlp({ inputDim: 4, hidden: [4], outputDim: 2, seed: 0, activation: "gelu" as never }), /activation must be one of .* got "gelu"/);
  assert.throws(() => buildMlp({ inputDim: 4, hidden: [4], outputDim: 2, seed: 0, dropout: 1 }), /dropout rate must be in \[0, 1\); got 1/);
});

test("seeded dropout: a new mask each step, the same sequence for the same seed, identity at inference", () => {
  const masks = (seed: number) => {
    const layer = new SeededDropout({ rate: 0.5, seed });
    const x = tf.ones([1, 64]);
    const out = [0, 1].map(() => tf.tidy(() => Array.from((layer.apply(x, { training: true }) as tf.Tensor).dataSync())));
    const inference = tf.tidy(() => Array.from((layer.apply(x, { training: false }) as tf.Tensor).dataSync()));
    x.dispose();
    return { out, inference };
  };
  const a = masks(3);
  const b = masks(3);
  assert.equal(a.out, b.out, "reproducible");
  assert.not.equal(a.out[0], a.out[1], "a fresh mask at each call");
  assert.ok(a.out[0].every((v) => v === 0 || Math.abs(v - 2) < 1e-6), "kept units are scaled by 1/(1-rate)");
  assert.ok(a.inference.every((v) => v === 1), "no dropout at inference");
});

test("latency: measured, positive, and a 250× larger model is slower per batch", () => {
  const small = buildMlp({ inputDim: 64, hidden: [16], outputDim: 10, seed: 0 });
  const big = buildMlp({ inputDim: 64, hidden: [512, 512], outputDim: 10, seed: 0 });
  const ls = measureLatency(small, { repeats: 10 });
  const lb = measureLatency(big, { repeats: 10 });
  assert.ok(ls.msPerSample > 0 && ls.throughput > 0);
  assert.ok(lb.msPerBatch > ls.msPerBatch, `big ${lb.msPerBatch} ms vs small ${ls.msPerBatch} ms per batch of 256`);
  small.dispose();
  big.dispose();
});

test("seeds: Rng reproducible and restorable; shuffles are permutations; derived seeds independent", () => {
  const a = new Rng(42);
  const first = [a.next(), a.next()];
  const state = a.getState();
  const third = a.next();
  a.setState(state);
  assert.is(a.next(), third);
  assert.equal([new Rng(42).next(), (() => { const r = new Rng(42); r.next(); return r.next(); })()], first);
  const perm = shuffleInPlace(Array.from({ length: 100 }, (_, i) => i), new Rng(1));
  assert.equal([...perm].sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i));
  assert.not.equal(perm, Array.from({ length: 100 }, (_, i) => i));
  assert.is(deriveSeed(1, "x", 2), deriveSeed(1, "x", 2));
  assert.is.not(deriveSeed(1, "x", 2), deriveSeed(1, "x", 3));
  assert.throws(() => new Rng(NaN), /seed must be a finite number, got NaN/);
});

test("stats: mean and sample standard deviation by hand", () => {
  const s = summarize([2, 4, 4, 4, 5, 5, 7, 9]);
  assert.is(s.mean, 5);
  assert.ok(Math.abs(s.std - Math.sqrt(32 / 7)) < 1e-12);
  assert.equal([s.min, s.max, s.n], [2, 9, 8]);
  assert.is(summarize([3]).std, 0);
  assert.throws(() => summarize([]), /no values/);
});

test.run();

/**
 * The kernels under the n-gram student, against independent references:
 * UnsortedSegmentSum (wasm, one pass) against the cpu backend's kernel and a
 * float64 loop; the embedding-bag mean kernel and its gradient against the
 * same computation written with tfjs ops, and against finite differences.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { initBackend, tf } from "../src/backend";
import { Rng } from "../src/core/seed";
import { bagMean, bagMeanGrad, embeddingBagMean, hasEmbeddingBag } from "../src/core/embedding-bag";
import { segmentSum } from "../src/core/segment-sum";
import { bagMeanOps } from "../src/models/ngram-bag";

test.before(async () => {
  await initBackend({ log: false });
});

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string) => {
  assert.is(a.length, b.length, `${what}: lengths`);
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i] - b[i]) > tol * (1 + Math.abs(b[i]))) assert.unreachable(`${what}[${i}]: ${a[i]} vs ${b[i]}`);
};

test("UnsortedSegmentSum on wasm equals the cpu kernel and a float64 loop (duplicates, ids out of range dropped)", async () => {
  assert.is(tf.getBackend(), "wasm");
  const rng = new Rng(5);
  const rows = 300, inner = 7, segments = 40;
  const x = Float32Array.from({ length: rows * inner }, () => rng.next() * 2 - 1);
  const ids = Int32Array.from({ length: rows }, (_, i) => (i % 50 === 0 ? -1 : i % 60 === 0 ? segments + 3 : rng.int(segments)));
  const wasm = await tf.unsortedSegmentSum(tf.tensor2d(x, [rows, inner]), tf.tensor1d(ids, "int32"), segments).data();
  const ref = new Float64Array(segments * inner);
  ids.forEach((s, r) => {
    if (s >= 0 && s < segments) for (let j = 0; j < inner; j++) ref[s * inner + j] += x[r * inner + j];
  });
  close(wasm, ref, 1e-5, "wasm vs float64");
  await tf.setBackend("cpu");
  try {
    const cpu = await tf.unsortedSegmentSum(tf.tensor2d(x, [rows, inner]), tf.tensor1d(ids, "int32"), segments).data();
    close(wasm, cpu, 1e-5, "wasm vs cpu kernel");
  } finally {
    await tf.setBackend("wasm");
  }
  const out = new Float32Array(segments * inner);
  assert.throws(() => segmentSum(x, ids.subarray(1), segments, inner, out), /ids × 7 expected/);
});

test("gather's gradient on wasm: a 20k-row embedding in well under the cpu loop's minutes; equal to the cpu backend on a smaller one", async () => {
  const big = tf.randomNormal([20000, 32], 0, 1, "float32", 1);
  const bigIdx = tf.randomUniform([64 * 256], 0, 20000, "int32", 2);
  const t0 = performance.now();
  await tf.grad((w: tf.Tensor) => tf.sum(tf.square(tf.gather(w, bigIdx))))(big).data();
  const ms = performance.now() - t0;
  assert.ok(ms < 5000, `gradient took ${ms.toFixed(0)} ms`);
  const rows = 500;
  const table = tf.randomNormal([rows, 8], 0, 1, "float32", 3);
  const idx = tf.randomUniform([2000], 0, rows, "int32", 4);
  const gw = await tf.grad((w: tf.Tensor) => tf.sum(tf.square(tf.gather(w, idx))))(table).data();
  await tf.setBackend("cpu");
  try {
    const tc = tf.tensor(await table.data(), [rows, 8]);
    const ic = tf.tensor(await idx.data(), [2000], "int32");
    const gc = await tf.grad((w: tf.Tensor) => tf.sum(tf.square(tf.gather(w, ic))))(tc).data();
    close(gw, gc, 1e-4, "wasm vs cpu gather gradient");
  } finally {
    await tf.setBackend("wasm");
  }
});

function randomIds(rng: Rng, batch: number, slots: number, rows: number): Float32Array {
  // Rows of varying length, padded with 0; one row all padding.
  return Float32Array.from({ length: batch * slots }, (_, i) => {
    const b = Math.floor(i / slots), s = i % slots;
    return b === 1 || s >= 3 + ((b * 7) % slots) ? 0 : 1 + rng.int(rows - 1);
  });
}

test("the embedding-bag kernel and its gradient equal the tfjs-ops bag (forward and d table), on wasm and cpu", async () => {
  for (const backend of ["wasm", "cpu"]) {
    await tf.setBackend(backend);
    try {
      assert.ok(hasEmbeddingBag(), `${backend} has the kernel`);
      const rng = new Rng(3);
      const [B, S, R, D] = [6, 11, 25, 5];
      const ids = tf.tensor2d(randomIds(rng, B, S, R), [B, S]);
      const table = tf.tensor2d(Float32Array.from({ length: R * D }, () => rng.next() - 0.5), [R, D]);
      const w = tf.tensor2d(Float32Array.from({ length: B * D }, () => rng.next() - 0.5), [B, D]);
      const loss = (f: (t: tf.Tensor) => tf.Tensor) => (t: tf.Tensor) => tf.sum(tf.mul(tf.tanh(f(t)), w));
      close(await embeddingBagMean(ids, table).data(), await bagMeanOps(ids, table).data(), 1e-6, `${backend} forward`);
      const gk = await tf.grad(loss((t) => embeddingBagMean(ids, t as tf.Tensor2D)))(table).data();
      const go = await tf.grad(loss((t) => bagMeanOps(ids, t)))(table).data();
      close(gk, go, 1e-5, `${backend} gradient`);
      const zeroRow = Array.from((await embeddingBagMean(ids, table).data()).slice(D, 2 * D));
      assert.equal(zeroRow, new Array(D).fill(0), "a row of padding only gives zeros");
    } finally {
      await tf.setBackend("wasm");
    }
  }
});

test("embedding-bag gradient agrees with central finite differences in float64", () => {
  const rng = new Rng(9);
  const [B, S, R, D] = [4, 6, 9, 3];
  const ids = Array.from({ length: B * S }, (_, i) => (i % S < 4 ? 1 + rng.int(R - 1) : 0));
  const table = Array.from({ length: R * D }, () => rng.next() - 0.5);
  const w = Array.from({ length: B * D }, () => rng.next() - 0.5);
  const f = (t: number[]) => Array.from(bagMean(ids, t, B, S, R, D)).reduce((s, v, i) => s + Math.sin(v) * w[i], 0);
  const out = bagMean(ids, table, B, S, R, D);
  const dy = Array.from(out, (v, i) => Math.cos(v) * w[i]);
  const grad = bagMeanGrad(dy, ids, B, S, R, D);
  const h = 1e-3;
  for (let k = 0; k < R * D; k++) {
    const up = table.slice(), down = table.slice();
    up[k] += h;
    down[k] -= h;
    const fd = (f(up) - f(down)) / (2 * h);
    assert.ok(Math.abs(fd - grad[k]) < 1e-4, `d table[${k}]: finite difference ${fd} vs kernel ${grad[k]}`);
  }
  assert.throws(() => bagMean([R + 2], table, 1, 1, R, D), /id 11 in row 0 is outside the table's rows \[0, 9\)/);
});

test.run();

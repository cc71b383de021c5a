/**
 * Decoupled KD and contrastive distillation against independent float64
 * references (the authors' formulas written out per row), their gradients
 * against central finite differences, and the registry terms' behaviour
 * (warm-up, label mask, soft targets, teacher features from data.inputs).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { initBackend, tf } from "../src/backend";
import { dkdFromLogProbs, dkdLoss, dkdLossFromProbs, dkdWarmup } from "../src/distill/dkd";
import { createCrdHeads, infoNce, l2Normalize } from "../src/distill/contrastive";
import { createCrdMemory } from "../src/distill/crd-memory";
import { kdLoss } from "../src/distill/losses";
import { buildLossTerms } from "../src/distill/registry";
import type { BuildEnv, LossContext } from "../src/distill/terms/types";
import { crdMemoryRef, denseRef, dkdRef, finiteDiff, fixedMatrix, infoNceRef, l2NormalizeRef, maxAbsDiff, softmax } from "./reference";

test.before(async () => {
  await initBackend({ log: false });
});

const close = (a: number, b: number, tol: number, msg: string) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${msg}: got ${a}, expected ${b}`);
const scalar = (f: () => tf.Scalar) => tf.tidy(() => f().dataSync()[0]);
const dkd = (s: number[][], t: number[][], g: number[], T: number, alpha: number, beta: number) =>
  scalar(() => dkdLoss(tf.tensor2d(s), tf.tensor2d(t), tf.tensor1d(g, "int32"), T, { alpha, beta }));

test("dkd: TCKD, NCKD and α·TCKD + β·NCKD equal the float64 reference over temperatures and weights", () => {
  const s = fixedMatrix(6, 10, 11);
  const t = fixedMatrix(6, 10, 12, 5);
  const g = [0, 3, 9, 2, 2, 7];
  for (const T of [1, 2, 4, 8]) {
    const ref = dkdRef(s, t, g, T, 1, 8);
    const parts = tf.tidy(() => {
      const r = dkdFromLogProbs(tf.tensor2d(s), tf.logSoftmax(tf.div(tf.tensor2d(t), T)) as tf.Tensor2D, tf.tensor1d(g, "int32"), T, { alpha: 1, beta: 8 });
      return [r.loss, r.tckd, r.nckd].map((x) => x.dataSync()[0]);
    });
    close(parts[1], ref.tckd, 2e-5, `TCKD at T=${T}`);
    close(parts[2], ref.nckd, 2e-5, `NCKD at T=${T}`);
    close(parts[0], ref.loss, 2e-5, `total at T=${T}`);
  }
  close(dkd(s, t, g, 4, 0.5, 2), dkdRef(s, t, g, 4, 0.5, 2).loss, 2e-5, "α = 0.5, β = 2");
});

test("dkd: with α = 1 and β = 1 − p_t(target) one row's DKD is exactly KD (the paper's decomposition)", () => {
  const s = fixedMatrix(5, 7, 21);
  const t = fixedMatrix(5, 7, 22, 4);
  s.forEach((row, i) => {
    const g = i % 7;
    const T = 2;
    const beta = 1 - softmax(t[i], T)[g];
    const kd = scalar(() => kdLoss(tf.tensor2d([row]), tf.tensor2d([t[i]]), T));
    close(dkd([row], [t[i]], [g], T, 1, beta), kd, 3e-5, `row ${i}`);
  });
});

test("dkd: gradient matches central finite differences of the float64 reference", () => {
  const s = fixedMatrix(3, 5, 31);
  const t = fixedMatrix(3, 5, 32, 4);
  const g = [1, 4, 0];
  for (const T of [1, 4]) {
    const got = tf.tidy(() => tf.grad((x: tf.Tensor) => dkdLoss(x as tf.Tensor2D, tf.tensor2d(t), tf.tensor1d(g, "int32"), T, { alpha: 1, beta: 8 }))(tf.tensor2d(s)).arraySync() as number[][]);
    const fd = finiteDiff((x) => dkdRef(x, t, g, T, 1, 8).loss, s);
    assert.ok(maxAbsDiff(got, fd) < 2e-4, `T=${T}: autograd vs finite differences ${maxAbsDiff(got, fd)}`);
  }
});

test("dkd: soft targets give the loss of the logits they come from; zero when the student is the teacher; extremes stay finite", () => {
  const s = fixedMatrix(4, 6, 41);
  const t = fixedMatrix(4, 6, 42);
  const g = [0, 1, 2, 3];
  const fromProbs = scalar(() => dkdLossFromProbs(tf.tensor2d(s), tf.softmax(tf.div(tf.tensor2d(t), 4)) as tf.Tensor2D, tf.tensor1d(g, "int32"), 4, { alpha: 1, beta: 8 }));
  close(fromProbs, dkd(s, t, g, 4, 1, 8), 1e-4, "probabilities vs logits");
  assert.ok(Math.abs(dkd(t, t, g, 4, 1, 8)) < 1e-5, "student = teacher → 0");
  const big = [[1e4, -1e4, 0], [-1e4, 1e4, 3]];
  const v = dkd(big, [[0, 0, 0], [5, -5, 1]], [0, 2], 0.5, 1, 8);
  assert.ok(Number.isFinite(v), `finite: ${v}`);
});

test("dkd: bad input names the field and the value", () => {
  const s = tf.zeros([2, 3]) as tf.Tensor2D;
  const g = tf.tensor1d([0, 1], "int32");
  assert.throws(() => dkdLoss(s, s, g, 0, { alpha: 1, beta: 8 }), /temperature must be a finite number > 0; got 0/);
  assert.throws(() => dkdLoss(s, s, g, 4, { alpha: -1, beta: 8 }), /alpha must be ≥ 0; got -1/);
  assert.throws(() => dkdLoss(s, tf.zeros([2, 4]) as tf.Tensor2D, g, 4, { alpha: 1, beta: 8 }), /student \[2,3\] and teacher \[2,4\]/);
  assert.throws(() => dkdLoss(s, s, tf.tensor1d([0], "int32"), 4, { alpha: 1, beta: 8 }), /one per row/);
  assert.throws(() => dkdWarmup(3, 2.5), /warmup must be a whole number of epochs ≥ 0; got 2.5/);
  tf.dispose([s, g]);
});

const env: Omit<BuildEnv, "index"> = { student: { name: "student", features: { h: [2, 6] }, attentions: [] }, hasTeacherOutputs: true, seed: 3, inputs: {} };
function ctx(logits: tf.Tensor2D, labels: number[], extra: Partial<LossContext> = {}): LossContext {
  return {
    outputs: { logits, features: {} }, logits, forward: () => ({ logits, features: {} }), variables: [], x: logits, xHost: () => new Float32Array(0),
    y: tf.tensor1d(labels, "int32"), indices: tf.range(0, labels.length, 1, "int32") as tf.Tensor1D,
    teacher: { features: {}, attentions: {} }, temperature: 1, epoch: 1, step: 0, ...extra,
  };
}

test("dkd term: parameters and the run's temperature, warm-up min(epoch/warmup, 1), unlabelled rows decoupled at the teacher's top class", () => {
  const s = fixedMatrix(4, 5, 51);
  const t = fixedMatrix(4, 5, 52, 4);
  const [term] = buildLossTerms([{ loss: "dkd", weight: 1, alpha: 0.5, beta: 4, warmup: 4 }], env);
  const teacher = { logits: tf.tensor2d(t), features: {}, attentions: {} };
  const at = (epoch: number, labels: number[], extra: Partial<LossContext> = {}) => tf.tidy(() => term.compute(ctx(tf.tensor2d(s), labels, { teacher, temperature: 2, epoch, ...extra })).dataSync()[0]);
  const full = dkdRef(s, t, [0, 1, 2, 3], 2, 0.5, 4).loss;
  close(at(4, [0, 1, 2, 3]), full, 2e-5, "epoch 4 of warm-up 4");
  close(at(9, [0, 1, 2, 3]), full, 2e-5, "after the warm-up");
  close(at(1, [0, 1, 2, 3]), full / 4, 2e-5, "epoch 1 of 4");
  const top = t.map((r) => r.indexOf(Math.max(...r)));
  const mask = tf.tensor1d([1, 0, 1, 0]);
  const masked = at(4, [0, 1, 2, 3], { mask });
  close(masked, dkdRef(s, t, [0, top[1], 2, top[3]], 2, 0.5, 4).loss, 2e-5, "mask 0 → teacher's top class");
  close(at(4, [0, 4, 2, 0], { mask }), masked, 0, "labels of unlabelled rows never read");
  assert.throws(() => buildLossTerms([{ loss: "dkd", weight: 1 }], { ...env, hasTeacherOutputs: false }), /needs the teacher's logits/);
  assert.throws(() => buildLossTerms([{ loss: "dkd", weight: 1, warmup: -1 }], env), /warmup/);
  tf.dispose([teacher.logits, mask]);
});

test("infoNce equals the float64 reference (both sides and one side) and its gradient matches finite differences", () => {
  const s = l2NormalizeRef(fixedMatrix(5, 4, 61));
  const t = l2NormalizeRef(fixedMatrix(5, 4, 62));
  for (const [tau, sym] of [[0.1, true], [0.5, false], [1, true]] as const) {
    close(scalar(() => infoNce(tf.tensor2d(s), tf.tensor2d(t), tau, sym)), infoNceRef(s, t, tau, sym), 2e-5, `τ=${tau} symmetric=${sym}`);
  }
  const got = tf.tidy(() => tf.grad((x: tf.Tensor) => infoNce(x as tf.Tensor2D, tf.tensor2d(t), 0.5, true))(tf.tensor2d(s)).arraySync() as number[][]);
  assert.ok(maxAbsDiff(got, finiteDiff((x) => infoNceRef(x, t, 0.5, true), s)) < 1e-4, "gradient");
  assert.throws(() => infoNce(tf.zeros([1, 3]) as tf.Tensor2D, tf.zeros([1, 3]) as tf.Tensor2D, 0.1), /at least 2 rows/);
  assert.throws(() => infoNce(tf.zeros([2, 3]) as tf.Tensor2D, tf.zeros([2, 3]) as tf.Tensor2D, 0), /tau must be a finite number > 0; got 0/);
});

test("crd term: heads + normalisation + InfoNCE equal the float64 reference; teacher rows gathered from data.inputs by index", () => {
  const sf = fixedMatrix(4, 6, 71);
  const bank = fixedMatrix(10, 3, 72);
  const rowsIdx = [7, 2, 5, 0];
  const inputs = { emb: tf.tensor2d(bank) };
  const [term] = buildLossTerms([{ loss: "crd", weight: 1, student: "h", teacherInput: "emb", dim: 5, tau: 0.2 }], { ...env, inputs });
  assert.equal(term.variables!.length, 4, "two heads, weight and bias each");
  const [ws, bs, wt, bt] = term.variables!.map((v) => v.arraySync() as any);
  const ref = infoNceRef(l2NormalizeRef(denseRef(sf, ws, bs)), l2NormalizeRef(denseRef(rowsIdx.map((i) => bank[i]), wt, bt)), 0.2, true);
  const got = tf.tidy(() => {
    const logits = tf.zeros([4, 2]) as tf.Tensor2D;
    const c = ctx(logits, [0, 0, 0, 0], { outputs: { logits, features: { h: tf.tensor2d(sf) } }, indices: tf.tensor1d(rowsIdx, "int32") });
    return term.compute(c).dataSync()[0];
  });
  close(got, ref, 2e-5, "crd term");
  assert.throws(() => buildLossTerms([{ loss: "crd", weight: 1, student: "h" }], env), /exactly one of teacher .* or teacherInput/);
  assert.throws(() => buildLossTerms([{ loss: "crd", weight: 1, student: "h", teacherInput: "nope" }], env), /needs data.inputs\["nope"\]/);
  assert.throws(() => buildLossTerms([{ loss: "crd", weight: 1, student: "zz", teacherInput: "emb" }], { ...env, inputs }), /student student has no feature "zz"/);
  term.dispose!();
  inputs.emb.dispose();
});

test("crd: the loss is lower when the student's embedding copies the teacher's, and training a student embedding on it lowers it and aligns the two", () => {
  const teacherEmb = tf.tensor2d(fixedMatrix(16, 8, 81));
  const heads = createCrdHeads(8, 8, 8, 0.1, 5);
  // The same projection on both sides, so copying the teacher's embedding is the optimum up to the other rows.
  heads.student.variables.forEach((v, i) => v.assign(heads.teacher.variables[i]));
  const random = tf.tensor2d(fixedMatrix(16, 8, 82));
  const lossOf = (s: tf.Tensor2D) => scalar(() => heads.loss(s, teacherEmb));
  assert.ok(lossOf(teacherEmb) < lossOf(random) - 0.5, `copy ${lossOf(teacherEmb)} vs random ${lossOf(random)}`);
  const student = tf.variable(random.clone());
  const project = (x: tf.Tensor2D) => l2Normalize(heads.student.apply(x) as tf.Tensor2D);
  const cosine = () => scalar(() => tf.mean(tf.sum(tf.mul(project(student), project(teacherEmb)), 1)) as tf.Scalar);
  const before = { loss: lossOf(student), cos: cosine() };
  const opt = tf.train.adam(0.05);
  const n0 = tf.memory().numTensors;
  for (let i = 0; i < 150; i++) tf.tidy(() => void opt.minimize(() => heads.loss(student, teacherEmb), false, [student]));
  assert.ok(tf.memory().numTensors <= n0 + 2, "no tensors leak per step");
  const after = { loss: lossOf(student), cos: cosine() };
  assert.ok(after.loss < before.loss / 3, `loss ${before.loss} → ${after.loss}`);
  assert.ok(after.cos > 0.8 && after.cos > before.cos + 0.5, `mean cosine to the teacher's projected embedding ${before.cos} → ${after.cos}`);
  opt.dispose();
  tf.dispose([teacherEmb, random, student]);
  heads.dispose();
});

test("crd memory bank: the loss equals the float64 reference over the drawn bank rows; the batch's rows are refreshed by momentum; seeded draws; no leaks", () => {
  const mem = createCrdMemory(10, 3, 6, 0.2, 0.5, 7);
  const s = l2NormalizeRef(fixedMatrix(4, 3, 91));
  const t = l2NormalizeRef(fixedMatrix(4, 3, 92));
  const idx = [2, 5, 7, 9];
  const bankS = mem.student.arraySync() as number[][];
  const bankT = mem.teacher.arraySync() as number[][];
  const neg = mem.negativesAt(3);
  assert.equal(neg, mem.negativesAt(3), "the same step draws the same rows");
  assert.not.equal(neg, mem.negativesAt(4));
  assert.ok(neg.every((i) => Number.isInteger(i) && i >= 0 && i < 10) && neg.length === 6);
  const got = scalar(() => mem.loss(tf.tensor2d(s), tf.tensor2d(t), tf.tensor1d(idx, "int32"), 3));
  close(got, crdMemoryRef(s, t, neg.map((i) => bankS[i]), neg.map((i) => bankT[i]), 0.2), 2e-5, "memory loss");
  assert.equal(mem.teacher.arraySync(), bankT, "banks untouched until the next call");
  mem.flush();
  const after = mem.teacher.arraySync() as number[][];
  const want = l2NormalizeRef(idx.map((r, k) => bankT[r].map((v, j) => 0.5 * v + 0.5 * t[k][j])));
  idx.forEach((r, k) => assert.ok(maxAbsDiff([after[r]], [want[k]]) < 1e-5, `teacher bank row ${r} refreshed`));
  assert.ok(maxAbsDiff([after[0], after[1]], [bankT[0], bankT[1]]) === 0, "other rows unchanged");
  const n0 = tf.memory().numTensors;
  for (let step = 0; step < 5; step++) scalar(() => mem.loss(tf.tensor2d(s), tf.tensor2d(t), tf.tensor1d(idx, "int32"), step));
  assert.is(tf.memory().numTensors, n0 + 3, "one queued refresh at a time (rows, student and teacher embeddings)");
  mem.flush();
  assert.is(tf.memory().numTensors, n0, "and none after it is applied");
  assert.throws(() => createCrdMemory(1, 3, 4, 0.1, 0.5, 0), /number of training rows/);
  assert.throws(() => createCrdMemory(10, 3, 0, 0.1, 0.5, 0), /negatives must be a positive integer; got 0/);
  mem.dispose();
});

test("crd term with a memory bank trains through fit: more negatives than the batch, the loss falls, and the run is reproducible", async () => {
  const { fit } = await import("../src/train/trainer");
  const { layersFeatureModel } = await import("../src/models/probe");
  const { buildMlp } = await import("../src/models/mlp");
  const x = tf.tensor2d(fixedMatrix(40, 6, 101, 1));
  const y = tf.tensor1d(Array.from({ length: 40 }, (_, i) => i % 3), "int32");
  const emb = tf.tensor2d(fixedMatrix(40, 5, 102));
  const run = async () => {
    const m = layersFeatureModel(buildMlp({ inputDim: 6, hidden: [8], outputDim: 3, seed: 1 }), ["dense_0"]);
    try {
      const h = await fit(m, { train: { x, y }, test: { x, y }, inputs: { emb } }, { epochs: 12, batchSize: 8, learningRate: 0.02, seed: 2, losses: [{ loss: "crd", weight: 1, student: "dense_0", teacherInput: "emb", dim: 4, tau: 0.2, negatives: 24 }] });
      return h.map((r) => r.loss);
    } finally {
      m.dispose();
    }
  };
  const n0 = tf.memory().numTensors;
  const a = await run();
  assert.is(tf.memory().numTensors, n0, "banks and queued refreshes released with the term");
  assert.ok(a[a.length - 1] < a[0] - 0.2, `loss ${a[0]} → ${a[a.length - 1]}`);
  assert.equal(await run(), a, "same seed, same losses");
  assert.throws(() => buildLossTerms([{ loss: "crd", weight: 1, student: "h", teacherInput: "emb", momentum: 0.9 }], { ...env, inputs: { emb } }), /momentum is a memory-bank setting/);
  tf.dispose([x, y, emb]);
});

test.run();

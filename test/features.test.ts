import { test } from "uvu";
import * as assert from "uvu/assert";
import { initBackend, tf } from "../src/backend";
import { createAdapter } from "../src/distill/adapters";
import { attentionLoss, attentionSimilarity } from "../src/distill/attention";
import { buildHintTerm, hintLoss } from "../src/distill/features";
import { rkdAngleLoss, rkdDistanceLoss, spLoss } from "../src/distill/relational";
import { Composition, compositionLosses, summarizeFeatureSweep, readFeatureSweep } from "../src/experiment/feature-distill";
import { EpochRecord, fit } from "../src/train/trainer";
import type { FeatureModel } from "../src/models/probe";
import { buildTransformer } from "../src/models/transformer";
import { buildCnn } from "../src/models/cnn";

const close = (a: number, b: number, tol: number, msg: string) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${msg}: got ${a}, expected ${b}`);
const val = (f: () => tf.Tensor) => tf.tidy(() => f().dataSync()[0]);

// Small fixed tensors (deterministic, no RNG).
const fixed = (rows: number, cols: number, k = 1): number[][] =>
  Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => Math.sin(k * (i * cols + j + 1)) + 0.1 * (i - j)));

// ---- plain-JS references
const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);
const norm = (a: number[]) => Math.sqrt(dot(a, a));
const sub = (a: number[], b: number[]) => a.map((v, i) => v - b[i]);
const huber = (d: number) => (Math.abs(d) < 1 ? 0.5 * d * d : Math.abs(d) - 0.5);
function spRef(s: number[][], t: number[][]): number {
  const gram = (f: number[][]) => {
    const g = f.map((a) => f.map((b) => dot(a, b)));
    return g.map((r) => r.map((v) => v / norm(r)));
  };
  const gs = gram(s), gt = gram(t);
  const b = s.length;
  let sum = 0;
  for (let i = 0; i < b; i++) for (let j = 0; j < b; j++) sum += (gs[i][j] - gt[i][j]) ** 2;
  return sum / (b * b);
}
function rkdDistRef(s: number[][], t: number[][]): number {
  const dists = (f: number[][]) => {
    const d = f.map((a) => f.map((c) => norm(sub(a, c))));
    let m = 0, k = 0;
    for (let i = 0; i < f.length; i++) for (let j = 0; j < f.length; j++) if (i !== j) { m += d[i][j]; k++; }
    return d.map((r) => r.map((v) => v / (m / k)));
  };
  const ds = dists(s), dt = dists(t);
  let sum = 0, k = 0;
  for (let i = 0; i < s.length; i++) for (let j = 0; j < s.length; j++) if (i !== j) { sum += huber(ds[i][j] - dt[i][j]); k++; }
  return sum / k;
}
function rkdAngleRef(s: number[][], t: number[][]): number {
  const ang = (f: number[][], i: number, j: number, k: number) => {
    const a = sub(f[i], f[j]), c = sub(f[k], f[j]);
    const na = norm(a), nc = norm(c);
    return na === 0 || nc === 0 ? 0 : dot(a, c) / (na * nc);
  };
  const b = s.length;
  let sum = 0;
  for (let j = 0; j < b; j++) for (let i = 0; i < b; i++) for (let k = 0; k < b; k++) sum += huber(ang(s, i, j, k) - ang(t, i, j, k));
  return sum / (b * b * b);
}
const softmaxRow = (r: number[]) => { const m = Math.max(...r); const e = r.map((v) => Math.exp(v - m)); const z = e.reduce((a, b) => a + b); return e.map((v) => v / z); };
/** [b][h][s][s] attention maps from fixed logits. */
const attMaps = (b: number, h: number, s: number, k: number) =>
  Array.from({ length: b }, (_, i) => Array.from({ length: h }, (_, hh) => Array.from({ length: s }, (_, q) => softmaxRow(Array.from({ length: s }, (_, kk) => Math.sin(k * (i + 2 * hh + 3 * q + 5 * kk + 1)))))));
const meanHeads = (a: number[][][][]) => a.map((heads) => heads[0].map((row, q) => row.map((_, kk) => heads.reduce((sum, hm) => sum + hm[q][kk], 0) / heads.length)));

test.before(async () => {
  await initBackend({ log: false });
});

test("hint loss: L2 and cosine against plain JS; zero for identical features", () => {
  const s = fixed(3, 4, 1), t = fixed(3, 4, 2);
  let l2 = 0;
  s.forEach((r, i) => r.forEach((v, j) => (l2 += (v - t[i][j]) ** 2)));
  close(val(() => hintLoss(tf.tensor2d(s), tf.tensor2d(t), "l2")), l2 / 12, 1e-5, "l2");
  const cos = s.reduce((a, r, i) => a + (1 - dot(r, t[i]) / (norm(r) * norm(t[i]))), 0) / 3;
  close(val(() => hintLoss(tf.tensor2d(s), tf.tensor2d(t), "cosine")), cos, 1e-5, "cosine");
  close(val(() => hintLoss(tf.tensor2d(s), tf.tensor2d(s), "l2")), 0, 1e-7, "l2 identical");
  close(val(() => hintLoss(tf.tensor2d(s), tf.tensor2d(s), "cosine")), 0, 1e-6, "cosine identical");
});

test("relational losses against plain JS; zero for identical features; any widths", () => {
  const s = fixed(5, 3, 1), t = fixed(5, 7, 3);
  close(val(() => spLoss(tf.tensor2d(s), tf.tensor2d(t))), spRef(s, t), 1e-4, "SP");
  close(val(() => rkdDistanceLoss(tf.tensor2d(s), tf.tensor2d(t))), rkdDistRef(s, t), 1e-4, "RKD distance");
  close(val(() => rkdAngleLoss(tf.tensor2d(s), tf.tensor2d(t))), rkdAngleRef(s, t), 1e-4, "RKD angle");
  for (const f of [spLoss, rkdDistanceLoss, rkdAngleLoss]) close(val(() => f(tf.tensor2d(s), tf.tensor2d(s))), 0, 1e-5, `${f.name} identical`);
  // Relations are invariant to a uniform scaling of the features (RKD normalises distances; SP normalises rows).
  const s2 = s.map((r) => r.map((v) => 3 * v));
  close(val(() => rkdDistanceLoss(tf.tensor2d(s2), tf.tensor2d(s))), 0, 1e-5, "RKD distance scale-invariant");
  assert.throws(() => spLoss(tf.zeros([4, 3]), tf.zeros([5, 3])), /batch 4 .*batch 5/);
});

test("attention losses and similarity against plain JS (heads averaged and matched)", () => {
  const s = attMaps(2, 2, 3, 1), t4 = attMaps(2, 4, 3, 2), t2 = attMaps(2, 2, 3, 2);
  const S = tf.tensor4d(s), T4 = tf.tensor4d(t4), T2 = tf.tensor4d(t2);
  const ms = meanHeads(s), mt = meanHeads(t4);
  let mse = 0, kl = 0, cos = 0;
  for (let b = 0; b < 2; b++) {
    const fs = ms[b].flat(), ft = mt[b].flat();
    fs.forEach((v, i) => (mse += (v - ft[i]) ** 2));
    ms[b].forEach((row, q) => row.forEach((v, k) => (kl += mt[b][q][k] * Math.log(mt[b][q][k] / v))));
    cos += dot(fs, ft) / (norm(fs) * norm(ft));
  }
  close(val(() => attentionLoss(S, T4, { loss: "mse", heads: "mean" })), mse / 18, 1e-5, "mse mean heads");
  close(val(() => attentionLoss(S, T4, { loss: "kl", heads: "mean" })), kl / 6, 1e-4, "kl mean heads");
  close(attentionSimilarity(S, T4, "mean"), cos / 2, 1e-5, "similarity mean heads");
  // Matched heads: per (sample, head).
  let cosM = 0, klM = 0;
  for (let b = 0; b < 2; b++) for (let h = 0; h < 2; h++) {
    cosM += dot(s[b][h].flat(), t2[b][h].flat()) / (norm(s[b][h].flat()) * norm(t2[b][h].flat()));
    s[b][h].forEach((row, q) => row.forEach((v, k) => (klM += t2[b][h][q][k] * Math.log(t2[b][h][q][k] / v))));
  }
  close(attentionSimilarity(S, T2, "match"), cosM / 4, 1e-5, "similarity matched heads");
  close(val(() => attentionLoss(S, T2, { loss: "kl", heads: "match" })), klM / 12, 1e-4, "kl matched heads");
  close(val(() => attentionLoss(S, S, { loss: "kl", heads: "match" })), 0, 1e-6, "kl identical");
  close(attentionSimilarity(S, S, "match"), 1, 1e-6, "similarity identical");
  assert.throws(() => attentionLoss(S, T4, { heads: "match" }), /\[2, 2, 3, 3\].*\[2, 4, 3, 3\]/);
  [S, T4, T2].forEach((x) => x.dispose());
});

test("adapters: shapes for vectors, sequences (dense) and maps (1×1 conv)", () => {
  const dense = createAdapter("dense", 3, 5, 0);
  const conv = createAdapter("conv1x1", 4, 6, 0);
  tf.tidy(() => {
    assert.equal(dense.apply(tf.zeros([2, 3])).shape, [2, 5]);
    assert.equal(dense.apply(tf.zeros([2, 8, 3])).shape, [2, 8, 5]);
    assert.equal(conv.apply(tf.zeros([2, 8, 8, 4])).shape, [2, 8, 8, 6]);
  });
  assert.throws(() => dense.apply(tf.zeros([2, 4])), /last dimension 3.*\[2,4\]/);
  assert.equal(dense.variables.map((v) => v.shape), [[3, 5], [5]]);
  assert.equal(conv.variables.map((v) => v.shape), [[1, 1, 4, 6], [6]]);
  dense.dispose();
  conv.dispose();
});

test("feature pairings: mismatched shapes without an adapter are rejected with both shapes", () => {
  assert.throws(() => buildHintTerm({ student: "layer0", teacher: "layer1" }, [2, 8, 8], [2, 8, 32], 0), (e: Error) => /\[2, 8, 8\]/.test(e.message) && /\[2, 8, 32\]/.test(e.message));
  assert.throws(() => buildHintTerm({ student: "conv2", teacher: "conv2", adapter: "dense" }, [2, 8, 8, 4], [2, 8, 8, 16], 0), /conv1x1/);
  assert.throws(() => buildHintTerm({ student: "pool", teacher: "conv2", adapter: "conv1x1" }, [2, 4, 4, 4], [2, 8, 8, 16], 0), /\[2, 4, 4, 4\].*\[2, 8, 8, 16\]/);
  const ok = buildHintTerm({ student: "a", teacher: "b", adapter: "dense" }, [2, 8, 8], [2, 8, 32], 0);
  assert.ok(ok.adapter);
  ok.adapter!.dispose();
  const same = buildHintTerm({ student: "a", teacher: "b" }, [2, 5], [2, 5], 0);
  assert.is(same.adapter, null);
});

const tinyData = () => {
  const n = 40;
  const x = tf.tidy(() => tf.div(tf.add(tf.sin(tf.reshape(tf.range(0, n * 64), [n, 64])), 1), 2)) as tf.Tensor2D;
  const y = tf.tensor1d(Array.from({ length: n }, (_, i) => i % 10), "int32");
  return { trainX: x, trainY: y, testX: x, testY: y };
};
const tSpec = { seqLen: 8, tokenDim: 8, dModel: 16, heads: 4, layers: 2, ffDim: 16, numClasses: 10, seed: 1 };
const sSpec = { seqLen: 8, tokenDim: 8, dModel: 8, heads: 2, layers: 1, ffDim: 8, numClasses: 10, seed: 2 };
/** Trains through the one trainer with a composition's registry terms. */
async function trainFeatures(a: {
  student: FeatureModel;
  teacher?: FeatureModel;
  data: ReturnType<typeof tinyData>;
  config: Composition & { epochs: number; batchSize: number; learningRate: number; seed: number; probe?: { studentLayer: number; teacherLayer: number } };
  onEpoch?: (r: EpochRecord) => void;
}): Promise<{ history: EpochRecord[]; partNames: string[]; adapterParams: number }> {
  const { epochs, batchSize, learningRate, seed, probe, ...composition } = a.config;
  let info = { partNames: [] as string[], extraParams: 0 };
  const history = await fit(
    a.student,
    { train: { x: a.data.trainX, y: a.data.trainY }, test: { x: a.data.testX, y: a.data.testY }, teacherModel: a.teacher },
    { epochs, batchSize, learningRate, seed, probe, losses: compositionLosses(composition) },
    { onStart: (i) => (info = i), onEpoch: a.onEpoch },
  );
  return { history, partNames: info.partNames, adapterParams: info.extraParams };
}

const allTerms = {
  ce: 0.5, kd: 0.5, temperature: 4,
  features: [{ student: "layer0", teacher: "layer1", adapter: "dense" as const, weight: 1 }],
  attention: [{ studentLayer: 0, teacherLayer: -1, weight: 1 }],
  relational: [{ kind: "rkd-distance" as const, student: "pooled", teacher: "pooled", weight: 1 }, { kind: "sp" as const, student: "pooled", teacher: "pooled", weight: 1 }],
};

test("gradients reach the student and the adapter, never the teacher", () => {
  const teacher = buildTransformer(tSpec);
  const student = buildTransformer(sSpec);
  const x = tf.tidy(() => tf.randomUniform([6, 64], 0, 1, "float32", 3)) as tf.Tensor2D;
  const hint = buildHintTerm({ student: "layer0", teacher: "layer1", adapter: "dense" }, [6, 8, 8], [6, 8, 16], 0);
  tf.tidy(() => {
    const t = teacher.forward(x); // teacher outputs computed outside the gradient scope, as the trainer does
    const all = [...student.variables, ...hint.adapter!.variables, ...teacher.variables];
    const { grads } = tf.variableGrads(() => {
      const s = student.forward(x, true);
      return tf.addN([
        hint.compute(s.features.layer0, t.features.layer1),
        attentionLoss(s.attentions![0], t.attentions![1]),
        rkdDistanceLoss(s.features.pooled, t.features.pooled),
      ]) as tf.Scalar;
    }, all);
    const nonzero = (v: tf.Variable) => grads[v.name] !== undefined && tf.max(tf.abs(grads[v.name])).dataSync()[0] > 0;
    assert.ok(hint.adapter!.variables.every(nonzero), "adapter gets gradients");
    assert.ok(student.variables.filter(nonzero).length >= student.variables.length - 2, "student gets gradients");
    for (const v of teacher.variables) assert.ok(grads[v.name] === undefined || tf.max(tf.abs(grads[v.name])).dataSync()[0] === 0, `teacher ${v.name} has a gradient`);
  });
  // And in the trainer: teacher weights unchanged after training, student's changed.
  const data = tinyData();
  const before = teacher.variables.map((v) => Array.from(v.dataSync()));
  const sBefore = student.variables.map((v) => Array.from(v.dataSync()));
  return trainFeatures({ student, teacher, data, config: { ...allTerms, epochs: 1, batchSize: 16, learningRate: 1e-2, seed: 0 } }).then(() => {
    teacher.variables.forEach((v, i) => assert.equal(Array.from(v.dataSync()), before[i], `teacher ${v.name} changed`));
    assert.ok(student.variables.some((v, i) => Array.from(v.dataSync()).some((a, k) => a !== sBefore[i][k])), "student changed");
    [teacher, student, hint.adapter!].forEach((m) => m.dispose());
    x.dispose();
    Object.values(data).forEach((t) => t.dispose());
  });
});

test("composition: every part recorded separately; leak-free across epochs; seeded = reproducible", async () => {
  const data = tinyData();
  const teacher = buildTransformer(tSpec);
  const run = async () => {
    const student = buildTransformer(sSpec);
    const counts: number[] = [];
    const r = await trainFeatures({
      student, teacher, data,
      config: { ...allTerms, epochs: 4, batchSize: 16, learningRate: 1e-2, seed: 5, probe: { studentLayer: 0, teacherLayer: -1 } },
      onEpoch: () => counts.push(tf.memory().numTensors),
    });
    student.dispose();
    return { r, counts };
  };
  const start = tf.memory().numTensors;
  const a = await run();
  assert.equal(a.r.partNames, ["ce", "kd", "feat layer0→layer1", "att L0→L-1", "rel rkd-distance pooled→pooled", "rel sp pooled→pooled"]);
  for (const h of a.r.history) {
    assert.equal(Object.keys(h.parts), a.r.partNames);
    const p = h.parts;
    const total = 0.5 * p.ce + 0.5 * p.kd + p["feat layer0→layer1"] + p["att L0→L-1"] + p["rel rkd-distance pooled→pooled"] + p["rel sp pooled→pooled"];
    close(h.loss, total, 1e-4, "total = weighted sum of parts");
    assert.ok(h.attentionSimilarity !== null && h.attentionSimilarity > 0 && h.attentionSimilarity <= 1 + 1e-6);
  }
  assert.ok(a.counts.every((c) => c === a.counts[0]), `tensor count steady across epochs: ${a.counts}`);
  assert.is(tf.memory().numTensors, start, "nothing left after training");
  const b = await run();
  assert.equal(b.r.history.map((h) => h.testAcc), a.r.history.map((h) => h.testAcc));
  assert.equal(b.r.history.map((h) => h.loss), a.r.history.map((h) => h.loss));
  teacher.dispose();
  Object.values(data).forEach((t) => t.dispose());
});

test("configuration errors: missing features, teacherless terms, mismatched pairs without adapter", async () => {
  const data = tinyData();
  const teacher = buildTransformer(tSpec);
  const student = buildTransformer(sSpec);
  const cfg = { epochs: 1, batchSize: 16, learningRate: 1e-2, seed: 0 };
  const fails = async (p: Promise<unknown>, re: RegExp) => {
    try { await p; assert.unreachable("should throw"); } catch (e) { assert.match((e as Error).message, re); }
  };
  await fails(trainFeatures({ student, teacher, data, config: { ...cfg, features: [{ student: "layer0", teacher: "layer1", weight: 1 }] } }), /\[2, 8, 8\].*\[2, 8, 16\]/);
  await fails(trainFeatures({ student, teacher, data, config: { ...cfg, features: [{ student: "nope", teacher: "layer1", adapter: "dense", weight: 1 }] } }), /no feature "nope".*layer0/);
  await fails(trainFeatures({ student, data, config: { ...cfg, kd: 1 } }), /kd\): needs the teacher/);
  await fails(trainFeatures({ student, teacher, data, config: { ...cfg, attention: [{ studentLayer: 3, teacherLayer: 0, weight: 1 }] } }), /1 attention layers; layer 3/);
  // CNN student vs CNN teacher: maps need a 1×1 conv adapter.
  const ct = buildCnn({ side: 8, channels: 1, conv1: 8, conv2: 16, hidden: 32, numClasses: 10, seed: 0 });
  const cs = buildCnn({ side: 8, channels: 1, conv1: 4, conv2: 4, hidden: 8, numClasses: 10, seed: 1 });
  await fails(trainFeatures({ student: cs, teacher: ct, data, config: { ...cfg, features: [{ student: "conv2", teacher: "conv2", weight: 1 }] } }), /\[2, 8, 8, 4\].*\[2, 8, 8, 16\]/);
  const r = await trainFeatures({ student: cs, teacher: ct, data, config: { ...cfg, kd: 0.5, ce: 0.5, features: [{ student: "conv2", teacher: "conv2", adapter: "conv1x1", weight: 1 }], relational: [{ kind: "rkd-angle", student: "hidden", teacher: "hidden", weight: 1 }] } });
  assert.is(r.adapterParams, 4 * 16 + 16);
  assert.ok(Number.isFinite(r.history[0].parts["feat conv2→conv2"]));
  [teacher, student, ct, cs].forEach((m) => m.dispose());
  Object.values(data).forEach((t) => t.dispose());
});

test("summary and reading: paired over seeds against the reference", () => {
  const rows = [0, 1, 2].flatMap((seed) => [
    { variant: "response", seed, trainSamples: 10, testAcc: 0.8 + 0.01 * seed, attentionSimilarity: 0.8, ms: 1 },
    { variant: "+ attention", seed, trainSamples: 10, testAcc: 0.85 + 0.01 * seed + 0.001 * (seed % 2), attentionSimilarity: 0.9 + 0.001 * seed, ms: 1 },
    { variant: "+ features", seed, trainSamples: 10, testAcc: 0.8 + 0.01 * seed + (seed === 1 ? 0.01 : -0.005), attentionSimilarity: 0.8, ms: 1 },
  ]);
  const s = summarizeFeatureSweep(rows, "response");
  const att = s.find((r) => r.variant === "+ attention")!;
  close(att.gainOverReference, 0.05 + 0.001 / 3, 1e-9, "paired gain");
  assert.ok(att.pairedT! > 4.303);
  const text = readFeatureSweep(s, "response").join("\n");
  assert.match(text, /\+ attention\*\*: 86\.\d ± .*clearly better/);
  assert.match(text, /\+ features\*\*: .*no clear difference/);
  assert.match(text, /helped: \+ attention; hurt: none; no clear effect: \+ features/);
});

test.run();

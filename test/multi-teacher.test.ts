import { test } from "uvu";
import * as assert from "uvu/assert";
import { initBackend, tf } from "../src/backend";
import { loadDigits } from "../src/data/digits";
import {
  cacheTeacherStack,
  checkWeights,
  fuseTargets,
  fusedTargetFn,
  normalisedWeights,
  perSampleWeights,
  softmaxWeights,
  stackTeacherLogits,
  studentAwareWeights,
} from "../src/distill/multi-teacher";
import { softTargets } from "../src/distill/temperature";
import { predictLogits } from "../src/distill/teachers";
import {
  MultiTeacherConfig,
  MultiTeacherContext,
  checkMultiTeacherConfig,
  multiTeacherSweep,
  multiTeacherTrials,
  prepareMultiTeacherContext,
  runMultiTeacherTrial,
  stepMatchedEpochs,
  studentRows,
  studentSteps,
} from "../src/experiment/multi-teacher";
import { buildMlp } from "../src/models/mlp";
import { TrainData, train } from "../src/train/trainer";

let data: TrainData;
const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
const sum1 = (w: number[]) => Math.abs(w.reduce((a, b) => a + b, 0) - 1) < 1e-9;

test.before(async () => {
  await initBackend({ log: false });
  const p = loadDigits({ seed: 0 });
  data = { train: p.train.toTensors(), test: p.test.toTensors() };
});

test("weights: uniform, normalised and softmax weights sum to 1; bad weights are rejected by name", () => {
  assert.ok(sum1(normalisedWeights([0.7, 0.9, 0.95])));
  const s = softmaxWeights([0.7, 0.9, 0.95], 0.05);
  assert.ok(sum1(s));
  assert.ok(s[2] > s[1] && s[1] > s[0], "higher score, higher weight");
  checkWeights([0.2, 0.3, 0.5], 3);
  assert.throws(() => checkWeights([0.5, 0.5], 3), /one entry per teacher \(3\); got 2/);
  assert.throws(() => checkWeights([0.7, -0.2, 0.5], 3), /weights\[1\] must be a finite number ≥ 0; got -0\.2/);
  assert.throws(() => checkWeights([0.5, 0.5, 0.5], 3), /must sum to 1; got 1\.5/);
  assert.throws(() => checkWeights([NaN, 0.5, 0.5], 3, "w"), /w\[0\] .* got NaN/);
  assert.throws(() => normalisedWeights([0, 0]), /must not all be 0/);
  assert.throws(() => softmaxWeights([1, 2], 0), /weight temperature must be a finite number > 0; got 0/);
});

test("teachers' class counts must match the student's", () => {
  const a = tf.zeros([4, 10]) as tf.Tensor2D;
  const b = tf.zeros([4, 5]) as tf.Tensor2D;
  const c = tf.zeros([3, 10]) as tf.Tensor2D;
  assert.throws(() => stackTeacherLogits([a, b], 10), /teachers\[1\] has 5 classes; the student has 10/);
  assert.throws(() => stackTeacherLogits([a, c], 10), /teachers\[1\] has 3 rows; teachers\[0\] has 4/);
  assert.throws(() => stackTeacherLogits([], 10), /at least one teacher/);
  [a, b, c].forEach((t) => t.dispose());
});

test("a fused target with one weight at 1 is that teacher's softmax(z / T)", () => {
  tf.tidy(() => {
    const z0 = tf.randomNormal([6, 10], 0, 3, "float32", 1) as tf.Tensor2D;
    const z1 = tf.randomNormal([6, 10], 0, 3, "float32", 2) as tf.Tensor2D;
    const stack = stackTeacherLogits([z0, z1], 10);
    for (const T of [1, 4]) {
      assert.ok(maxDiff(fuseTargets(stack, tf.tensor1d([0, 1]), T), softTargets(z1, T)) < 1e-6, `T = ${T}`);
      assert.ok(maxDiff(fuseTargets(stack, tf.tensor1d([1, 0]), T), softTargets(z0, T)) < 1e-6, `T = ${T}`);
    }
    const mixed = fuseTargets(stack, tf.tensor1d([0.25, 0.75]), 2);
    const expected = tf.add(tf.mul(softTargets(z0, 2), 0.25), tf.mul(softTargets(z1, 2), 0.75));
    assert.ok(maxDiff(mixed, expected) < 1e-6, "0.25 / 0.75 mixture");
    assert.ok(maxDiff(tf.sum(mixed, 1), tf.onesLike(tf.sum(mixed, 1))) < 1e-5, "rows sum to 1");
  });
});

test("per-sample weights favour the teacher that is right on that sample, and sum to 1 per row", () => {
  tf.tidy(() => {
    // Row 0 has label 0, row 1 label 1. Teacher A is confident in class 0 everywhere, B in class 1.
    const A = tf.tensor2d([[5, 0, 0], [5, 0, 0]]);
    const B = tf.tensor2d([[0, 5, 0], [0, 5, 0]]);
    const w = perSampleWeights(stackTeacherLogits([A, B], 3), tf.tensor1d([0, 1], "int32")).arraySync() as number[][];
    assert.ok(w[0][0] > 0.9 && w[1][0] < 0.1, `row 0 favours A: ${w[0][0]}, ${w[1][0]}`);
    assert.ok(w[1][1] > 0.9 && w[0][1] < 0.1, `row 1 favours B: ${w[1][1]}, ${w[0][1]}`);
    assert.ok(Math.abs(w[0][0] + w[1][0] - 1) < 1e-6 && Math.abs(w[0][1] + w[1][1] - 1) < 1e-6, "columns (rows of data) sum to 1");
    // by hand: CE_A(row 0) = −log(e⁵/(e⁵+2)), CE_B(row 0) = −log(1/(e⁵+2)); w_A = 1/(1 + exp(CE_A − CE_B)) = 1/(1 + e⁻⁵)
    assert.ok(Math.abs(w[0][0] - 1 / (1 + Math.exp(-5))) < 1e-5, `hand value ${w[0][0]}`);
  });
});

test("student-aware weights use the rows the student gets wrong", () => {
  // Teacher 0 is good on rows 0-1, teacher 1 on rows 2-3.
  const valCE = [[0.1, 0.1, 3, 3], [3, 3, 0.1, 0.1]];
  const labels = [0, 1, 2, 3];
  const r1 = studentAwareWeights({ valCE, valLabels: labels, studentPred: [0, 1, 0, 0], temperature: 1 });
  assert.is(r1.studentErrors, 2);
  assert.ok(r1.weights[1] > 0.9, `wrong on rows 2-3 → teacher 1: ${r1.weights}`);
  const r2 = studentAwareWeights({ valCE, valLabels: labels, studentPred: [0, 1, 2, 3], temperature: 1 });
  assert.ok(Math.abs(r2.weights[0] - 0.5) < 1e-9, "no errors → all rows → equal here");
  assert.ok(sum1(r1.weights) && sum1(r2.weights));
});

test("cached teacher outputs equal fresh ones", () => {
  const teachers = [buildMlp({ inputDim: 64, hidden: [8], outputDim: 10, seed: 1 }), buildMlp({ inputDim: 64, hidden: [16, 16], outputDim: 10, seed: 2 })];
  const stack = cacheTeacherStack(teachers, data.test.x, 10);
  assert.equal(stack.shape, [2, data.test.x.shape[0], 10]);
  teachers.forEach((m, k) => {
    tf.tidy(() => {
      const fresh = m.predict(data.test.x) as tf.Tensor2D;
      const cached = tf.squeeze(tf.slice(stack, [k, 0, 0], [1, -1, -1]), [0]);
      assert.ok(maxDiff(cached, fresh) < 1e-5, `teacher ${k}`);
      assert.ok(maxDiff(cached, predictLogits(m, data.test.x, 64)) < 1e-5, `teacher ${k}, other batch size`);
    });
  });
  stack.dispose();
  teachers.forEach((m) => m.dispose());
});

test("fused target fn: checks its weights and logs them per epoch", () => {
  const stack = tf.zeros([2, 5, 3]) as tf.Tensor3D;
  assert.throws(() => fusedTargetFn(stack, { kind: "static", weights: [0.5, 0.6] }), /must sum to 1/);
  const bad = tf.tensor2d([[0.5, 0.5, 0.5, 0.5, 0.5], [0.5, 0.5, 0.5, 0.5, 0.6]]);
  assert.throws(() => fusedTargetFn(stack, { kind: "per-sample", weights: bad }), /sum to 1 over teachers/);
  const f = fusedTargetFn(stack, { kind: "per-epoch", weightsAt: (e) => (e === 1 ? [1, 0] : [0.5, 0.5]) });
  tf.tidy(() => {
    const idx = tf.tensor1d([0, 1], "int32");
    f.targets({ indices: idx, temperature: 1, epoch: 1 });
    f.targets({ indices: idx, temperature: 1, epoch: 1 });
    f.targets({ indices: idx, temperature: 1, epoch: 2 });
  });
  assert.equal(f.weightLog, [{ epoch: 1, weights: [1, 0] }, { epoch: 2, weights: [0.5, 0.5] }]);
  const g = fusedTargetFn(stack, { kind: "per-epoch", weightsAt: () => [2, -1] });
  assert.throws(() => tf.tidy(() => g.targets({ indices: tf.tensor1d([0], "int32"), temperature: 1, epoch: 3 })), /weights at epoch 3\[1\] must be a finite number ≥ 0; got -1/);
  [stack, bad].forEach((t) => t.dispose());
});

test("bad multi-teacher configs are rejected by the schema, with path, value and what was expected", () => {
  const base: MultiTeacherConfig = {
    dataSeed: 0, valFraction: 0.2, splitSeed: 0,
    teachers: [{ name: "a", hidden: [8], epochs: 1, batchSize: 64, learningRate: 1e-3, seed: 0 }],
    student: { hidden: [16], epochs: 1, batchSize: 64, learningRate: 1e-3 },
    temperature: 2, alpha: 0.5, seeds: [0],
    variants: [{ name: "u", weighting: { kind: "uniform" } }],
  };
  checkMultiTeacherConfig(base);
  assert.throws(() => checkMultiTeacherConfig({ ...base, valFraction: 1 }), /valFraction: got 1; expected a number < 1/);
  assert.throws(() => checkMultiTeacherConfig({ ...base, variants: [{ name: "s", weighting: { kind: "single", teacher: 3 } }] }), /variants\[0\]\.weighting\.teacher: got 3; expected an index of teachers: 0 … 0/);
  assert.throws(() => checkMultiTeacherConfig({ ...base, variants: [{ name: "p", weighting: { kind: "per-sample", temperature: -1 } }] }), /variants\[0\]\.weighting\.temperature: got -1; expected a number > 0/);
  assert.throws(() => checkMultiTeacherConfig({ ...base, temperature: 0 }), / temperature: got 0; expected a number > 0/);
  checkMultiTeacherConfig({ ...base, trainFraction: 1 });
  checkMultiTeacherConfig({ ...base, trainFraction: 0.1 });
  assert.throws(() => checkMultiTeacherConfig({ ...base, trainFraction: 0 }), /trainFraction: got 0; expected a number > 0/);
  assert.throws(() => checkMultiTeacherConfig({ ...base, trainFraction: 1.5 }), /trainFraction: got 1\.5; expected a number ≤ 1/);
  assert.throws(() => checkMultiTeacherConfig({ ...base, trainFraction: -0.1 }), /trainFraction: got -0\.1; expected a number > 0/);
  assert.throws(() => checkMultiTeacherConfig({ ...base, trainFraction: NaN }), /trainFraction: got NaN; expected a number/);
  assert.throws(() => multiTeacherTrials({ ...base, trainFraction: 2 }), /trainFraction: got 2; expected a number ≤ 1/);
  assert.throws(() => checkMultiTeacherConfig({ ...base, student: { ...base.student, epochs: 0 } }), /student\.epochs: got 0; expected a number > 0/);
});

test("student rows: a stratified fraction of the fit rows, fixed by the seed, the same for every variant of a seed", () => {
  const labels = Array.from({ length: 1000 }, (_, i) => i % 10);
  const all = studentRows(labels, 1, 3);
  assert.equal(all, Array.from({ length: 1000 }, (_, i) => i), "fraction 1: every row, in order");
  const a = studentRows(labels, 0.1, 3);
  assert.is(a.length, 100);
  const perClass = new Array<number>(10).fill(0);
  a.forEach((i) => perClass[labels[i]]++);
  assert.equal(perClass, new Array<number>(10).fill(10), "10 % of each class");
  assert.ok(new Set(a).size === a.length && a.every((i) => Number.isInteger(i) && i >= 0 && i < 1000), "distinct row indices");
  assert.equal(studentRows(labels, 0.1, 3), a, "same seed, same rows");
  assert.not.equal(studentRows(labels, 0.1, 4), a, "another seed, other rows");
  // Every variant of a seed carries the same seed and fraction, so the same rows.
  const trials = multiTeacherTrials({
    dataSeed: 0, valFraction: 0.2, splitSeed: 0,
    teachers: [{ name: "a", hidden: [8], epochs: 1, batchSize: 64, learningRate: 1e-3, seed: 0 }, { name: "b", hidden: [8], epochs: 1, batchSize: 64, learningRate: 1e-3, seed: 1 }],
    student: { hidden: [16], epochs: 1, batchSize: 64, learningRate: 1e-3 },
    trainFraction: 0.1, temperature: 8, alpha: 0.5, seeds: [0, 1],
    variants: [{ name: "h", weighting: { kind: "hard" } }, { name: "u", weighting: { kind: "uniform" } }, { name: "p", weighting: { kind: "per-sample", temperature: 1 } }],
  });
  assert.is(trials.length, 6);
  for (const seed of [0, 1]) {
    const rows = trials.filter((t) => t.seed === seed).map((t) => studentRows(labels, t.trainFraction, t.seed));
    assert.ok(rows.every((r) => JSON.stringify(r) === JSON.stringify(rows[0])), `seed ${seed}: same rows for every variant`);
  }
});

test("step-matched budget: epochs scaled so a fraction of the rows gets about the same optimiser steps", () => {
  assert.is(studentSteps(1038, 64, 60), 17 * 60);
  assert.is(studentSteps(105, 64, 510), 2 * 510);
  assert.is(stepMatchedEpochs(1038, 60, 105, 64), 510);
  assert.is(stepMatchedEpochs(1038, 60, 1038, 64), 60, "all rows: unchanged");
});

test("multi-teacher trials on a fraction of the rows: per-sample weights on those rows; same results in 1 or 2 processes", async () => {
  const config: MultiTeacherConfig = {
    dataSeed: 0, valFraction: 0.2, splitSeed: 0,
    teachers: [
      { name: "a", hidden: [8], epochs: 1, batchSize: 64, learningRate: 1e-2, seed: 0 },
      { name: "b", hidden: [32], epochs: 2, batchSize: 64, learningRate: 1e-2, seed: 1 },
    ],
    student: { hidden: [8], epochs: 3, batchSize: 32, learningRate: 1e-2 },
    trainFraction: 0.1, temperature: 8, alpha: 0.5, seeds: [5],
    variants: [{ name: "hard", weighting: { kind: "hard" } }, { name: "per sample", weighting: { kind: "per-sample", temperature: 1 } }],
  };
  const ctx: MultiTeacherContext = await prepareMultiTeacherContext(config, false);
  try {
    const rows = studentRows(ctx.fitLabels, 0.1, 5);
    const [hardSpec, psSpec] = multiTeacherTrials(config);
    const before = tf.memory().numTensors;
    const ps = await runMultiTeacherTrial(ctx, psSpec);
    assert.is(tf.memory().numTensors, before, "nothing left after a subset run");
    assert.is(ps.trainRows, rows.length);
    assert.is(ps.steps, studentSteps(rows.length, 32, 3));
    // The logged mean per-sample weight is the mean over the student's rows, not over all fit rows.
    const expected = tf.tidy(() => {
      const idx = tf.tensor1d(rows, "int32");
      return Array.from(tf.mean(perSampleWeights(tf.gather(ctx.bank.fit, idx, 1) as tf.Tensor3D, tf.gather(ctx.fit.y, idx) as tf.Tensor1D), 1).dataSync());
    });
    const overAll = tf.tidy(() => Array.from(tf.mean(perSampleWeights(ctx.bank.fit, ctx.fit.y), 1).dataSync()));
    ps.weights.forEach((w) => w.weights.forEach((v, k) => assert.ok(Math.abs(v - expected[k]) < 1e-6, `epoch ${w.epoch}, teacher ${k}: ${v} vs ${expected[k]}`)));
    assert.ok(Math.abs(expected[0] - overAll[0]) > 1e-6, "the subset's mean differs from the all-rows mean (the check above is not vacuous)");
    const hard = await runMultiTeacherTrial(ctx, hardSpec);
    assert.is(hard.trainRows, rows.length);
    // Long enough runs, over two seeds, that the forked worker gets some of them.
    const longer: MultiTeacherConfig = { ...config, seeds: [5, 6], student: { ...config.student, epochs: 120 } };
    const one = await multiTeacherSweep(ctx, longer, { workers: 1 });
    const ranIn: number[] = [];
    const two = await multiTeacherSweep(ctx, longer, { workers: 2, onTrial: (r) => ranIn.push(r.worker) });
    assert.ok(ranIn.some((w) => w > 0), `some runs in the forked worker (workers: ${ranIn})`);
    const short = await multiTeacherSweep(ctx, config, { workers: 1 });
    assert.equal(short.results.map((r) => r.testAcc), [hard.testAcc, ps.testAcc], "the sweep runs the same trials");
    assert.equal(two.results.map((r) => [r.variant, r.testAcc, r.curve, r.weights]), one.results.map((r) => [r.variant, r.testAcc, r.curve, r.weights]), "same numbers in 2 processes");
    assert.is(short.studentRows, rows.length);
    assert.is(short.steps, studentSteps(rows.length, 32, 3));
    assert.is(one.steps, studentSteps(rows.length, 32, 120));
    let err: unknown;
    await multiTeacherSweep(ctx, { ...config, teachers: [config.teachers[0]] }).catch((e) => (err = e));
    assert.match(String(err), /the context's teachers \(a, b\) are not the config's \(a\)/);
  } finally {
    ctx.dispose();
  }
});

test("a short training run with fused targets is leak-free", async () => {
  const teachers = [buildMlp({ inputDim: 64, hidden: [8], outputDim: 10, seed: 3 }), buildMlp({ inputDim: 64, hidden: [32], outputDim: 10, seed: 4 })];
  const stack = cacheTeacherStack(teachers, data.train.x, 10);
  const perSample = perSampleWeights(stack, data.train.y);
  const before = tf.memory().numTensors;
  for (const source of [{ kind: "static" as const, weights: [0.3, 0.7] }, { kind: "per-sample" as const, weights: perSample }, { kind: "per-epoch" as const, weightsAt: (e: number) => (e % 2 ? [0.5, 0.5] : [0.9, 0.1]) }]) {
    const fused = fusedTargetFn(stack, source);
    const counts: number[] = [];
    const m = buildMlp({ inputDim: 64, hidden: [16], outputDim: 10, seed: 5 });
    const h = await train(m, { ...data, teacherTargets: fused.targets }, { epochs: 4, batchSize: 64, learningRate: 1e-2, seed: 1, temperature: 2, alpha: 0.5 }, { onEpoch: () => counts.push(tf.memory().numTensors) });
    assert.ok(counts.every((c) => c === counts[0]), `${source.kind}: numTensors per epoch ${counts}`);
    assert.ok(h[3].kd > 0, "the distillation term is used");
    assert.is(fused.weightLog.length, 4, "one weight entry per epoch");
    m.dispose();
    assert.is(tf.memory().numTensors, before, `${source.kind}: nothing left after the run`);
  }
  [stack, perSample].forEach((t) => t.dispose());
  teachers.forEach((t) => t.dispose());
});

test.run();

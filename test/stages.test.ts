import { test } from "uvu";
import * as assert from "uvu/assert";
import { initBackend, tf } from "../src/backend";
import { loadDigits } from "../src/data/digits";
import { cacheTeacherOutputs } from "../src/distill/teachers";
import { checkProgressiveConfig } from "../src/experiment/progressive";
import { buildMlp } from "../src/models/mlp";
import { Stage, checkStages, getLearningRate, setLearningRate, trainStages } from "../src/train/stages";
import { TrainData, train } from "../src/train/trainer";

let data: TrainData;
let labels: Int32Array;

test.before(async () => {
  await initBackend({ log: false });
  const p = loadDigits({ seed: 0 });
  labels = p.train.y;
  data = { train: p.train.toTensors(), test: p.test.toTensors() };
  const teacher = buildMlp({ inputDim: 64, hidden: [32], outputDim: 10, seed: 9 });
  await train(teacher, data, { epochs: 3, batchSize: 64, learningRate: 1e-2, seed: 0 });
  const out = cacheTeacherOutputs(teacher, data.train.x, data.test.x);
  data = { ...data, teacherTrain: out.train, teacherTest: out.test };
  teacher.dispose();
});

const stages = (): Stage[] => [
  { name: "T=4", data, temperature: 4, alpha: 0.5, epochs: 2, batchSize: 64, learningRate: 1e-2 },
  { name: "T=2", data, temperature: 2, alpha: 0.5, epochs: 1, batchSize: 64, learningRate: 1e-2 },
  { name: "T=1", data, temperature: 1, alpha: 0.5, epochs: 1, batchSize: 32, learningRate: 1e-3 },
];

test("state carries over: weights continue, Adam's iterations add up, boundaries are marked", async () => {
  const model = buildMlp({ inputDim: 64, hidden: [8], outputDim: 10, seed: 1 });
  const opt = tf.train.adam(1e-2);
  const r1 = await trainStages(model, stages().slice(0, 1), { seed: 0, optimizer: opt });
  assert.is(opt.iterations, 2 * 21, "stage 1: 2 epochs × 21 steps");
  const w1 = model.getWeights().map((w) => Array.from(w.dataSync()));
  const before = tf.memory().numTensors;
  // Stage 2 on its own continues from stage 1's weights: its first epoch starts where stage 1 ended.
  const r2 = await trainStages(model, stages().slice(1), { seed: 0, optimizer: opt });
  assert.is(opt.iterations, 42 + 21 + 41, "iterations continue across calls (batch 32 → 41 steps)");
  assert.is(getLearningRate(opt), 1e-3, "the last stage's learning rate");
  assert.not.equal(model.getWeights().map((w) => Array.from(w.dataSync())), w1, "training went on");
  assert.equal(r2.boundaries.map((b) => [b.stage, b.firstEpoch, b.lastEpoch, b.stepsBefore, b.stepsAfter]), [["T=2", 1, 1, 0, 21], ["T=1", 2, 2, 21, 62]]);
  assert.is(r1.history[1].step, 42);
  assert.is(tf.memory().numTensors, before, "no tensor leaked by later stages (the optimiser's state exists since the first)");
  opt.dispose();
  model.dispose();
});

test("one staged run equals the same stages run by hand with one optimiser", async () => {
  const a = buildMlp({ inputDim: 64, hidden: [8], outputDim: 10, seed: 3 });
  const r = await trainStages(a, stages(), { seed: 5 });
  assert.equal(r.history.map((h) => h.stage), ["T=4", "T=4", "T=2", "T=1"]);
  assert.equal(r.history.map((h) => h.epoch), [1, 2, 3, 4]);
  assert.is(r.steps, 42 + 21 + 41);
  const b = buildMlp({ inputDim: 64, hidden: [8], outputDim: 10, seed: 3 });
  const r2 = await trainStages(b, stages().slice(0, 2), { seed: 5, optimizer: tf.train.adam(1) });
  assert.is(r2.history[1].testAcc, r.history[1].testAcc, "same first stage");
  a.dispose();
  b.dispose();
});

test("a learning-rate change keeps Adam's moments", async () => {
  const model = buildMlp({ inputDim: 64, hidden: [4], outputDim: 10, seed: 1 });
  const opt = tf.train.adam(1e-2);
  await trainStages(model, [{ ...stages()[0], epochs: 1 }], { seed: 0, optimizer: opt });
  const snap = async () => (await opt.getWeights()).map((w) => Array.from(w.tensor.dataSync()));
  const m1 = await snap();
  setLearningRate(opt, 1e-4);
  assert.equal(await snap(), m1, "moments untouched by the change");
  assert.is(getLearningRate(opt), 1e-4);
  assert.is(opt.iterations, 21);
  opt.dispose();
  model.dispose();
});

test("bad stages are rejected with the field and value", () => {
  const s = stages();
  assert.throws(() => checkStages([]), /at least one stage/);
  assert.throws(() => checkStages([s[0], { ...s[1], epochs: 0 }]), /stages\[1\] \(T=2\)\.epochs must be a positive integer; got 0/);
  assert.throws(() => checkStages([{ ...s[0], learningRate: -1 }]), /stages\[0\] \(T=4\)\.learningRate must be > 0; got -1/);
  assert.throws(() => checkStages([{ ...s[0], temperature: 0 }]), /temperature/);
  const S = (epochs: number, batchSize = 64) => ({ name: "s", fraction: 1, temperature: 2, alpha: 0.5, epochs, batchSize, learningRate: 1e-3 });
  const cfg = { dataSeed: 0, teacher: { hidden: [8], epochs: 1, batchSize: 64, learningRate: 1e-3, seed: 0 }, student: { hidden: [4] }, seeds: [0], latency: { batchSize: 8, repeats: 1 } };
  assert.throws(() => checkProgressiveConfig({ ...cfg, variants: [{ name: "a", budget: "b", stages: [S(0)] }] }, labels), /variants\[0\] \(a\)\.stages\[0\] \(s\)\.epochs must be a positive integer; got 0/);
  assert.throws(() => checkProgressiveConfig({ ...cfg, variants: [{ name: "a", budget: "b", stages: [S(2)] }, { name: "c", budget: "b", stages: [S(1), S(1, 32)] }] }, labels), /same total steps; got a 42, c 62/);
  checkProgressiveConfig({ ...cfg, variants: [{ name: "a", budget: "b", stages: [S(2)] }, { name: "c", budget: "b", stages: [S(1), S(1)] }] }, labels);
});

test.run();

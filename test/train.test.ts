import { test } from "uvu";
import * as assert from "uvu/assert";
import { initBackend, tf } from "../src/backend";
import { loadDigits } from "../src/data/digits";
import { cacheTeacherOutputs } from "../src/distill/teachers";
import { buildMlp } from "../src/models/mlp";
import { EpochRecord, TrainData, TrainState, train } from "../src/train/trainer";

let data: TrainData;

test.before(async () => {
  await initBackend({ log: false });
  const p = loadDigits({ seed: 0 });
  data = { train: p.train.toTensors(), test: p.test.toTensors() };
});

const student = (seed: number) => buildMlp({ inputDim: 64, hidden: [16], outputDim: 10, seed });
const cfg = { epochs: 3, batchSize: 64, learningRate: 1e-2, seed: 1 };

test("a student learns digits from hard labels", async () => {
  const model = student(0);
  const h = await train(model, data, { ...cfg, epochs: 15 });
  assert.ok(h[0].testAcc < h[14].testAcc, "accuracy improves");
  assert.ok(h[14].testAcc > 0.85, `test accuracy after 15 epochs: ${h[14].testAcc}`);
  assert.ok(h[14].loss < h[0].loss, "loss falls");
  assert.is(h[14].kd, 0, "no distillation part without a teacher");
  model.dispose();
});

test("same seed → same numbers; another seed → other numbers", async () => {
  const run = async (initSeed: number, shuffleSeed: number) => {
    const m = student(initSeed);
    const h = await train(m, data, { ...cfg, seed: shuffleSeed });
    const w = Array.from(m.getWeights()[0].dataSync());
    m.dispose();
    return { h: h.map(({ ms: _ms, ...r }) => r), w };
  };
  const a = await run(5, 7);
  const b = await run(5, 7);
  assert.equal(a.h, b.h, "histories identical");
  assert.equal(a.w, b.w, "weights identical");
  const c = await run(5, 8);
  assert.not.equal(a.w, c.w, "another shuffling seed changes the weights");
  const d = await run(6, 7);
  assert.not.equal(a.w, d.w, "another init seed changes the weights");
});

test("tensor count holds steady across epochs (no leak), including with a teacher", async () => {
  const teacher = buildMlp({ inputDim: 64, hidden: [32], outputDim: 10, seed: 9 });
  const cache = cacheTeacherOutputs(teacher, data.train.x, data.test.x);
  const before = tf.memory().numTensors;
  const counts: number[] = [];
  const m = student(1);
  await train(m, { ...data, teacherTrain: cache.train, teacherTest: cache.test }, { ...cfg, epochs: 5, temperature: 4, alpha: 0.5 }, { onEpoch: () => counts.push(tf.memory().numTensors) });
  assert.ok(counts.every((c) => c === counts[0]), `numTensors per epoch: ${counts}`);
  m.dispose();
  assert.is(tf.memory().numTensors, before, "nothing left after the run but what existed before");
  cache.dispose();
  teacher.dispose();
});

test("distillation pulls the student towards the teacher; the teacher is never updated", async () => {
  // A teacher trained for only 2 epochs disagrees with the labels a lot: a student distilled
  // from it (alpha = 0) must agree with it far more than a student trained on labels does.
  const teacher = buildMlp({ inputDim: 64, hidden: [64], outputDim: 10, seed: 3 });
  await train(teacher, data, { ...cfg, epochs: 1, learningRate: 3e-3 });
  const wBefore = teacher.getWeights().map((w) => Array.from(w.dataSync()));
  const cache = cacheTeacherOutputs(teacher, data.train.x, data.test.x);
  const last = (h: EpochRecord[]) => h[h.length - 1];
  const s1 = student(2);
  const distilled = last(await train(s1, { ...data, teacherTrain: cache.train, teacherTest: cache.test }, { ...cfg, epochs: 10, temperature: 2, alpha: 0 }));
  const s2 = student(2);
  const hard = last(await train(s2, { ...data, teacherTest: cache.test }, { ...cfg, epochs: 10, alpha: 1 }));
  assert.ok(distilled.teacherAgreement! > hard.teacherAgreement! + 0.05, `agreement distilled ${distilled.teacherAgreement} vs hard ${hard.teacherAgreement}`);
  assert.ok(distilled.ce > 0 && distilled.kd > 0, "both parts reported");
  assert.equal(teacher.getWeights().map((w) => Array.from(w.dataSync())), wBefore, "teacher weights unchanged");
  [s1, s2, teacher].forEach((m) => m.dispose());
  cache.dispose();
});

test("a temperature schedule is applied per step and recorded per epoch", async () => {
  const teacher = buildMlp({ inputDim: 64, hidden: [16], outputDim: 10, seed: 4 });
  const cache = cacheTeacherOutputs(teacher, data.train.x, data.test.x);
  const stepsPerEpoch = Math.ceil(data.train.x.shape[0] / 64);
  const seen: number[] = [];
  const m = student(3);
  const h = await train(m, { ...data, teacherTrain: cache.train }, { ...cfg, epochs: 2, alpha: 0.5, temperature: (step) => (seen.push(step), step < stepsPerEpoch ? 4 : 1) });
  assert.equal(seen, Array.from({ length: 2 * stepsPerEpoch }, (_, i) => i), "called once per step with the global step");
  assert.equal(h.map((r) => r.temperature), [4, 1]);
  m.dispose();
  const bad = student(3);
  try {
    await train(bad, { ...data, teacherTrain: cache.train }, { ...cfg, epochs: 1, alpha: 0.5, temperature: () => 0 });
    assert.unreachable("a schedule reaching 0 must be rejected");
  } catch (err) {
    assert.match(String(err), /temperature at step 0 must be a finite number > 0; got 0/);
  }
  bad.dispose();
  cache.dispose();
  teacher.dispose();
});

test("extra loss terms are added with their weight, recorded, and get gradients", async () => {
  const logitNorm = { name: "logitNorm", weight: 0.5, compute: ({ logits }: { logits: tf.Tensor2D }) => tf.mean(tf.square(logits)) as tf.Scalar };
  const a = student(4);
  const h = await train(a, data, { ...cfg, epochs: 2, extraTerms: [logitNorm] });
  assert.ok(h[1].extra!.logitNorm > 0, "term recorded");
  assert.ok(Math.abs(h[1].loss - (h[1].ce + 0.5 * h[1].extra!.logitNorm)) < 1e-4, "total = CE + 0.5 · term");
  const b = student(4);
  await train(b, data, { ...cfg, epochs: 2 });
  const norm = (m: tf.LayersModel) => tf.tidy(() => tf.mean(tf.square(m.predict(data.train.x) as tf.Tensor)).dataSync()[0]);
  assert.ok(norm(a) < norm(b), `the penalty shrinks the logits: ${norm(a)} vs ${norm(b)} without it`);
  const nan = { name: "broken", weight: 1, compute: () => tf.scalar(NaN) };
  try {
    await train(student(4), data, { ...cfg, epochs: 1, extraTerms: [nan] });
    assert.unreachable();
  } catch (err) {
    assert.match(String(err), /training diverged at step 0 \(epoch 1\): loss part "loss" is NaN/);
  }
  a.dispose();
  b.dispose();
});

test("resume from a saved state with the same optimizer gives the uninterrupted result", async () => {
  const straight = student(5);
  const hs = await train(straight, data, { ...cfg, epochs: 4 });
  const m = student(5);
  const opt = tf.train.adam(cfg.learningRate);
  let saved: TrainState | undefined;
  await train(m, data, { ...cfg, epochs: 2, optimizer: opt }, { onEpoch: (_r, st) => { saved = { ...st, history: [...st.history] }; } });
  const hr = await train(m, data, { ...cfg, epochs: 4, optimizer: opt, resume: saved });
  assert.equal(hr.map(({ ms: _m, ...r }) => r), hs.map(({ ms: _m, ...r }) => r));
  assert.equal(Array.from(m.getWeights()[0].dataSync()), Array.from(straight.getWeights()[0].dataSync()));
  opt.dispose();
  m.dispose();
  straight.dispose();
});

test("bad configuration and data are rejected with the field and value", async () => {
  const m = student(0);
  const cases: [Parameters<typeof train>[1], Parameters<typeof train>[2], RegExp][] = [
    [data, { ...cfg, epochs: 0 }, /epochs must be a positive integer; got 0/],
    [data, { ...cfg, batchSize: 2.5 }, /batchSize must be a positive integer; got 2.5/],
    [data, { ...cfg, learningRate: -1 }, /learningRate must be > 0; got -1/],
    [data, { ...cfg, temperature: 0 }, /temperature must be a finite number > 0; got 0/],
    [data, { ...cfg, alpha: 2 }, /alpha must be in \[0, 1\]; got 2/],
    [data, { ...cfg, alpha: 0.5 }, /needs teacherTrain logits or teacherTargets/],
    [{ ...data, teacherTrain: tf.zeros([3, 10]) as tf.Tensor2D }, { ...cfg, alpha: 0.5 }, /teacherTrain has shape \[3,10\], expected \[1297, 10\]/],
    [{ ...data, train: { x: data.train.x, y: tf.fill([1297], 10, "int32") as tf.Tensor1D } }, cfg, /train labels must be in \[0, 9\].*found \[10, 10\]/],
  ];
  for (const [d, c, re] of cases) {
    try {
      await train(m, d, c);
      assert.unreachable(`expected ${re}`);
    } catch (err) {
      assert.match(String(err), re);
    }
  }
  m.dispose();
});

test.run();

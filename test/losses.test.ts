import { test } from "uvu";
import * as assert from "uvu/assert";
import { initBackend, tf } from "../src/backend";
import { crossEntropy, distillationLoss, kdLoss, kdLossFromProbs } from "../src/distill/losses";
import { softTargetEntropy, softTargets } from "../src/distill/temperature";
import { crossEntropyRef, finiteDiff, fixedMatrix, kdLossRef, maxAbsDiff, softmax } from "./reference";

const close = (a: number, b: number, tol: number, msg: string) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${msg}: got ${a}, expected ${b}`);
const m2 = (x: number[][]) => tf.tensor2d(x);
const kd = (s: number[][], t: number[][], temp: number) => tf.tidy(() => kdLoss(m2(s), m2(t), temp).dataSync()[0]);

test.before(async () => {
  await initBackend({ log: false });
});

test("kdLoss: hand-computed value, with the T² factor", () => {
  // p_teacher = [1/2, 1/2], p_student = [1/4, 3/4]: KL = ½·ln(4/3) = 0.1438410362
  const klHand = 0.5 * Math.log(4 / 3);
  close(kd([[0, Math.log(3)]], [[0, 0]], 1), klHand, 1e-5, "T=1");
  // the same probabilities at T=2 (logits doubled): the loss is T² = 4 times larger
  close(kd([[0, 2 * Math.log(3)]], [[0, 0]], 2), 4 * klHand, 1e-5, "T=2 carries T²");
  close(kd([[0, 8 * Math.log(3)]], [[0, 0]], 8), 64 * klHand, 1e-5, "T=8 carries T²");
});

test("kdLoss: KL(teacher ‖ student), not the reverse (teacher and student not swapped)", () => {
  const forward = 0.5 * Math.log(4 / 3); // KL(p_t ‖ p_s)
  const reverse = 0.25 * Math.log(0.5) + 0.75 * Math.log(1.5); // KL(p_s ‖ p_t) = 0.1308
  const got = kd([[0, Math.log(3)]], [[0, 0]], 1);
  close(got, forward, 1e-5, "forward KL");
  assert.ok(Math.abs(got - reverse) > 1e-3, "must not equal the reverse KL");
});

test("kdLoss matches an independent float64 implementation on random logits", () => {
  const s = fixedMatrix(6, 10, 1);
  const t = fixedMatrix(6, 10, 2, 6);
  for (const temp of [0.5, 1, 2, 4, 16]) close(kd(s, t, temp), kdLossRef(s, t, temp), 2e-5, `T=${temp}`);
});

test("kdLoss depends on the teacher, and is zero when student equals teacher", () => {
  const s = fixedMatrix(4, 5, 3);
  const t1 = fixedMatrix(4, 5, 4);
  const t2 = fixedMatrix(4, 5, 5);
  assert.ok(Math.abs(kd(s, t1, 4) - kd(s, t2, 4)) > 1e-3, "changing the teacher changes the loss");
  assert.ok(Math.abs(kd(s, s, 4)) < 1e-6, "identical logits give zero loss");
  assert.ok(kd(s, t1, 4) > 0, "KL is positive");
});

test("kdLoss gradient equals finite differences and the closed form T·(p_s − p_t)/n", () => {
  const s = fixedMatrix(3, 5, 6);
  const t = fixedMatrix(3, 5, 7);
  for (const temp of [1, 3]) {
    const teacher = m2(t);
    const g = tf.grad((x: tf.Tensor) => kdLoss(x as tf.Tensor2D, teacher, temp))(m2(s));
    const got = g.arraySync() as number[][];
    const fd = finiteDiff((x) => kdLossRef(x, t, temp), s);
    assert.ok(maxAbsDiff(got, fd) < 1e-4, `T=${temp}: autograd vs finite differences ${maxAbsDiff(got, fd)}`);
    const closed = s.map((row, i) => {
      const ps = softmax(row, temp);
      const pt = softmax(t[i], temp);
      return ps.map((p, j) => (temp * (p - pt[j])) / s.length);
    });
    assert.ok(maxAbsDiff(got, closed) < 1e-5, `T=${temp}: closed form`);
    teacher.dispose();
    g.dispose();
  }
});

test("kdLossFromProbs equals kdLoss when the targets are the teacher's soft targets, and handles zeros", () => {
  const s = fixedMatrix(4, 6, 12);
  const t = fixedMatrix(4, 6, 13, 5);
  for (const temp of [1, 4]) {
    const q = t.map((row) => softmax(row, temp));
    const viaProbs = tf.tidy(() => kdLossFromProbs(m2(s), m2(q), temp).dataSync()[0]);
    close(viaProbs, kdLossRef(s, t, temp), 2e-5, `T=${temp}`);
  }
  const oneHot = [[0, 1, 0], [1, 0, 0]];
  const z = [[0.5, 2, -1], [3, 0, 0]];
  const v = tf.tidy(() => kdLossFromProbs(m2(z), m2(oneHot), 1).dataSync()[0]);
  close(v, crossEntropyRef(z, [1, 0]), 1e-5, "one-hot targets at T=1 give the cross-entropy");
});

test("crossEntropy matches the reference and its gradient matches finite differences", () => {
  const z = fixedMatrix(5, 4, 8);
  const labels = [0, 3, 2, 1, 3];
  const y = tf.tensor1d(labels, "int32");
  close(tf.tidy(() => crossEntropy(m2(z), y).dataSync()[0]), crossEntropyRef(z, labels), 1e-5, "value");
  const g = tf.grad((x: tf.Tensor) => crossEntropy(x as tf.Tensor2D, y))(m2(z)).arraySync() as number[][];
  assert.ok(maxAbsDiff(g, finiteDiff((x) => crossEntropyRef(x, labels), z)) < 1e-4, "gradient");
  y.dispose();
});

test("distillationLoss = α·CE + (1−α)·KD, each part reported", () => {
  const s = fixedMatrix(4, 3, 9);
  const t = fixedMatrix(4, 3, 10);
  const labels = [0, 1, 2, 1];
  for (const alpha of [0, 0.3, 1]) {
    const [total, ce, kdv] = tf.tidy(() => {
      const p = distillationLoss({ studentLogits: m2(s), teacherLogits: m2(t), labels: tf.tensor1d(labels, "int32"), temperature: 2, alpha });
      return [p.total.dataSync()[0], p.ce.dataSync()[0], p.kd.dataSync()[0]];
    });
    close(ce, crossEntropyRef(s, labels), 1e-5, "ce part");
    close(kdv, kdLossRef(s, t, 2), 1e-5, "kd part");
    close(total, alpha * crossEntropyRef(s, labels) + (1 - alpha) * kdLossRef(s, t, 2), 1e-5, `total at α=${alpha}`);
  }
});

test("extreme logits (±1e4) at T = 0.5 stay finite", () => {
  const s = [[1e4, -1e4, 0], [-1e4, 1e4, 5]];
  const t = [[-1e4, 1e4, 0], [1e4, -1e4, 0]];
  const v = kd(s, t, 0.5);
  assert.ok(Number.isFinite(v), `loss is ${v}`);
  const g = tf.tidy(() => Array.from(tf.grad((x: tf.Tensor) => kdLoss(x as tf.Tensor2D, m2(t), 0.5))(m2(s)).dataSync()));
  assert.ok(g.every(Number.isFinite), "gradient finite");
});

test("soft targets: rows sum to 1; entropy grows with T", () => {
  const z = fixedMatrix(8, 10, 11, 5);
  const sums = tf.tidy(() => Array.from(tf.sum(softTargets(m2(z), 3), 1).dataSync()));
  sums.forEach((v) => close(v, 1, 1e-5, "row sum"));
  const ents = [0.5, 1, 2, 4, 16].map((temp) => tf.tidy(() => softTargetEntropy(m2(z), temp)));
  for (let i = 1; i < ents.length; i++) assert.ok(ents[i] > ents[i - 1], `entropy(T) increasing: ${ents}`);
  assert.ok(ents[4] < Math.log(10) + 1e-6, "bounded by ln(classes)");
});

test("bad settings and shapes are rejected with the field and value", () => {
  const s = m2([[1, 2, 3]]);
  const t = m2([[1, 2]]);
  assert.throws(() => kdLoss(s, s, 0), /temperature must be a finite number > 0; got 0/);
  assert.throws(() => kdLoss(s, s, -1), /temperature .* got -1/);
  assert.throws(() => kdLoss(s, s, NaN), /temperature .* got NaN/);
  assert.throws(() => kdLoss(s, t, 2), /studentLogits shape \[1,3\] does not match teacherLogits shape \[1,2\]/);
  const y = tf.tensor1d([0], "int32");
  assert.throws(() => distillationLoss({ studentLogits: s, teacherLogits: s, labels: y, temperature: 2, alpha: 1.5 }), /alpha must be in \[0, 1\]; got 1.5/);
  assert.throws(() => distillationLoss({ studentLogits: s, labels: y, temperature: 2, alpha: 0.5 }), /needs teacherLogits/);
  assert.throws(() => crossEntropy(s, tf.tensor1d([0, 1], "int32")), /labels shape \[2\] does not match logits batch size 1/);
  [s, t, y].forEach((x) => x.dispose());
});

test.run();

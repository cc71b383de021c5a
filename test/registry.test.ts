/**
 * The loss registry: every entry is known by name, parameters are checked
 * (all problems at once, each with its index and field), and the terms compute
 * what independent float64 references give.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { initBackend, tf } from "../src/backend";
import { LossSpec, buildLossTerms, knownLosses, lossSpecSchema } from "../src/distill/registry";
import type { BuildEnv, LossContext, LossTerm } from "../src/distill/terms/types";
import { crossEntropyRef, fixedMatrix, kdLossRef, logSoftmax, softmax } from "./reference";

test.before(async () => {
  await initBackend({ log: false });
});

const env: Omit<BuildEnv, "index"> = { student: { name: "student", features: {}, attentions: [] }, hasTeacherOutputs: true, seed: 0, inputs: {} };
const build = (specs: LossSpec[], e = env) => buildLossTerms(specs, e);
const fails = (f: () => unknown, re: RegExp) => {
  try {
    f();
  } catch (err) {
    assert.match((err as Error).message, re);
    return;
  }
  assert.unreachable(`should throw ${re}`);
};

function context(logits: tf.Tensor2D, labels: number[], extra: Partial<LossContext> = {}): LossContext {
  const y = tf.tensor1d(labels, "int32");
  return {
    outputs: { logits, features: {} },
    logits,
    forward: () => ({ logits, features: {} }),
    variables: [],
    x: logits,
    xHost: () => logits.dataSync() as Float32Array,
    y,
    indices: tf.range(0, labels.length, 1, "int32") as tf.Tensor1D,
    teacher: { features: {}, attentions: {} },
    temperature: 1,
    epoch: 1,
    step: 0,
    ...extra,
  };
}
const value = (t: LossTerm, ctx: LossContext) => tf.tidy(() => t.compute(ctx).dataSync()[0]);

test("the registry knows every loss of the library", () => {
  assert.equal(knownLosses(), ["ce", "kd", "dkd", "crd", "hint", "attention", "sp", "rkd-distance", "rkd-angle", "pseudo-label", "consistency", "l2", "confidence-penalty"]);
});

test("an unknown loss is an error that lists the known ones", () => {
  fails(() => build([{ loss: "nope", weight: 1 }]), /losses\[0\] \(nope\)\.loss: unknown loss "nope"; known: ce, kd, dkd, crd, hint, attention/);
});

test("bad parameters: every problem at once, with the term's index, its loss and the field", () => {
  const r = lossSpecSchema.safeParse({ loss: "kd", weight: 1, temperature: 0 });
  assert.not.ok(r.success);
  fails(
    () =>
      build([
        { loss: "ce", weight: -1 },
        { loss: "kd", weight: 1, temperature: -2 },
        { loss: "hint", weight: 1, teacher: "pooled" },
        { loss: "ce", weight: 1, temprature: 4 },
      ]),
    /losses\[0\] \(ce\)\.weight: .*\n.*losses\[1\] \(kd\)\.temperature: .*\n.*losses\[2\] \(hint\)\.student: Required\n.*losses\[3\] \(ce\): Unrecognized key\(s\) in object: 'temprature'/,
  );
  fails(() => build([{ loss: "ce", weight: 1 }, { loss: "ce", weight: 0.5 }]), /two terms are named "ce"; give one a "name"/);
  fails(() => build([{ loss: "kd", weight: 1 }], { ...env, hasTeacherOutputs: false }), /losses\[0\] \(kd\): needs the teacher's logits/);
  const withFeature = { ...env, student: { name: "student", features: { a: [2, 4] }, attentions: [] } };
  fails(() => build([{ loss: "hint", weight: 1, student: "nope", teacher: "b" }], withFeature), /losses\[0\] \(hint\): student student has no feature "nope" \(it has: a\)/);
  fails(() => build([{ loss: "hint", weight: 1, student: "a", teacher: "b" }], withFeature), /losses\[0\] \(hint\): needs a teacher model that exposes features/);
});

test("ce and kd terms equal the float64 references; kd uses the run's temperature unless it has its own", () => {
  const s = fixedMatrix(6, 5, 1);
  const t = fixedMatrix(6, 5, 2);
  const labels = [0, 1, 2, 3, 4, 0];
  const [ce, kd, kd2] = build([{ loss: "ce", weight: 1 }, { loss: "kd", weight: 0.5 }, { loss: "kd", weight: 0.5, temperature: 2, name: "kd T=2" }]);
  const ctx = context(tf.tensor2d(s), labels, { teacher: { logits: tf.tensor2d(t), features: {}, attentions: {} }, temperature: 4 });
  assert.ok(Math.abs(value(ce, ctx) - crossEntropyRef(s, labels)) < 1e-5, "ce");
  assert.ok(Math.abs(value(kd, ctx) - kdLossRef(s, t, 4)) < 1e-5, "kd at the run's T = 4");
  assert.ok(Math.abs(value(kd2, ctx) - kdLossRef(s, t, 2)) < 1e-5, "kd at its own T = 2");
  // Against soft targets instead of logits: the same KL with q given.
  const q = t.map((row) => softmax(row, 4));
  const ctxQ = context(tf.tensor2d(s), labels, { teacher: { targets: tf.tensor2d(q), features: {}, attentions: {} }, temperature: 4 });
  assert.ok(Math.abs(value(kd, ctxQ) - kdLossRef(s, t, 4)) < 1e-5, "kd from probabilities");
});

test("ce under a label mask: the mean over the labelled rows only (by hand)", () => {
  const s = fixedMatrix(4, 3, 3);
  const [ce] = build([{ loss: "ce", weight: 1 }]);
  const ctx = context(tf.tensor2d(s), [2, 0, 1, 1], { mask: tf.tensor1d([1, 0, 0, 1]) });
  const want = -(logSoftmax(s[0])[2] + logSoftmax(s[3])[1]) / 2;
  assert.ok(Math.abs(value(ce, ctx) - want) < 1e-5, `${value(ce, ctx)} vs ${want}`);
  const none = context(tf.tensor2d(s), [0, 0, 0, 0], { mask: tf.tensor1d([0, 0, 0, 0]) });
  assert.is(value(ce, none), 0, "no labelled row → 0");
});

test("the kd term's gradient matches central finite differences of the float64 reference", () => {
  const s = fixedMatrix(3, 4, 5);
  const t = fixedMatrix(3, 4, 6);
  const [kd] = build([{ loss: "kd", weight: 1, temperature: 3 }]);
  const g = tf.tidy(() => {
    const teacher = { logits: tf.tensor2d(t), features: {}, attentions: {} };
    return tf.grad((x: tf.Tensor) => kd.compute(context(x as tf.Tensor2D, [0, 1, 2], { teacher })))(tf.tensor2d(s)).arraySync() as number[][];
  });
  const h = 1e-5;
  s.forEach((row, i) =>
    row.forEach((_, j) => {
      const up = s.map((r) => [...r]);
      const down = s.map((r) => [...r]);
      up[i][j] += h;
      down[i][j] -= h;
      const fd = (kdLossRef(up, t, 3) - kdLossRef(down, t, 3)) / (2 * h);
      assert.ok(Math.abs(g[i][j] - fd) < 1e-4, `d/ds[${i}][${j}]: ${g[i][j]} vs ${fd}`);
    }),
  );
});

test("confidence-penalty is minus the mean entropy of the prediction", () => {
  const s = fixedMatrix(5, 4, 7);
  const [cp] = build([{ loss: "confidence-penalty", weight: 1 }]);
  const want = s.reduce((a, row) => a + softmax(row).reduce((b, p, k) => b + p * logSoftmax(row)[k], 0), 0) / s.length;
  assert.ok(Math.abs(value(cp, context(tf.tensor2d(s), [0, 0, 0, 0, 0])) - want) < 1e-5);
});

test("a kd term of weight 0 is off: no teacher needed, its part is 0", () => {
  const [kd] = build([{ loss: "kd", weight: 0 }], { ...env, hasTeacherOutputs: false });
  assert.is(kd.needs, undefined);
  assert.is(value(kd, context(tf.tensor2d(fixedMatrix(2, 3, 1)), [0, 1])), 0);
});

test.run();

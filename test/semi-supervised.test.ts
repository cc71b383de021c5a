import { test } from "uvu";
import * as assert from "uvu/assert";
import { initBackend, tf } from "../src/backend";
import type { LossContext } from "../src/distill/terms/types";
import { loadDigits } from "../src/data/digits";
import { Prepared } from "../src/data/prepare";
import { consistencyLoss, consistencyTerm, perturbRows, shiftImage } from "../src/distill/perturb";
import { pseudoLabelQuality, pseudoLabelTerm, pseudoLabels } from "../src/distill/semi-supervised";
import { Rng } from "../src/core/seed";
import { SslConfig, checkSslConfig, labelledSplits, runSslTrials, sslShared, sslTrials, thresholdCurve } from "../src/experiment/semi-supervised";
import { buildMlp } from "../src/models/mlp";
import { train } from "../src/train/trainer";

let p: Prepared;

test.before(async () => {
  await initBackend({ log: false });
  p = loadDigits({ seed: 0 });
});

const perturb = { noiseStd: 0.1, shiftProb: 0.5, imageSide: 8 };
const tiny = (variants: SslConfig["variants"]): SslConfig => ({
  dataSeed: 0,
  labelledFraction: 0.1,
  seeds: [3],
  teacher: { hidden: [32], epochs: 3, batchSize: 64, learningRate: 1e-2 },
  student: { hidden: [8], batchSize: 64, learningRate: 1e-2 },
  steps: 42,
  temperature: 4,
  thresholds: [0, 0.9],
  variants,
  workers: 1,
});
const semiVariants: SslConfig["variants"] = [
  { name: "hard", method: { rows: "labelled" } },
  { name: "full", method: { rows: "all", pseudo: { weight: 1, threshold: 0.5 }, consistency: { weight: 1, perturb }, rounds: 2 } },
];

async function runWith(labels: ArrayLike<number>, config: SslConfig, splits: ReturnType<typeof labelledSplits>) {
  const shared = sslShared({ trainX: p.train.x, testX: p.test.x, testY: p.test.y, numFeatures: 64, numClasses: 10 });
  const r = await runSslTrials(shared, sslTrials(config, labels, splits), { workers: 1, log: false });
  return r.students.map((s) => ({ variant: s.variant, testAcc: s.testAcc, curve: s.curve, kept: s.rounds.map((q) => q.pseudoKept), extra: s.rounds.map((q) => q.lastExtra) }));
}

/** A loss-term context for calling a term by hand (what the trainer builds per batch). */
function lossContext(c: { model?: tf.LayersModel; x: tf.Tensor2D; y: tf.Tensor1D; indices: tf.Tensor1D; logits: tf.Tensor2D; step?: number }): LossContext {
  const xHost = () => c.x.dataSync() as Float32Array;
  const forward = (x: tf.Tensor2D) => ({ logits: c.model!.apply(x, { training: true }) as tf.Tensor2D, features: {} });
  return { ...c, outputs: { logits: c.logits, features: {} }, forward, variables: [], xHost, teacher: { features: {}, attentions: {} }, temperature: 1, epoch: 1, step: c.step ?? 0 };
}

test("the unlabelled rows' labels are never read: a throwing proxy and garbage labels give the same run", async () => {
  const config = tiny(semiVariants);
  const splits = labelledSplits(p.train.y, config.labelledFraction, config.seeds); // the labelling itself
  const labelled = new Set(splits.get(3)!.labelled);
  const real = await runWith(p.train.y, config, splits);
  const reads: number[] = [];
  const guarded = new Proxy(p.train.y, {
    get(target, key) {
      if (typeof key === "string" && /^\d+$/.test(key)) {
        const i = Number(key);
        if (!labelled.has(i)) throw new Error(`hidden label of row ${i} was read`);
        reads.push(i);
      }
      return Reflect.get(target, key);
    },
  });
  const viaProxy = await runWith(guarded, config, splits);
  assert.equal(viaProxy, real, "same run through the guard");
  assert.is(reads.length, labelled.size, "only the labelled rows' labels were read, once each");
  const garbage = Int32Array.from(p.train.y, (y, i) => (labelled.has(i) ? y : i % 2 ? -7 : 999));
  assert.equal(await runWith(garbage, config, splits), real, "garbage hidden labels change nothing");
  // The guard does catch a read: the fully supervised reference reads every label.
  let caught = "";
  try {
    await runWith(guarded, tiny([{ name: "all labels", method: { rows: "labelled", allLabels: true } }]), splits);
  } catch (e) {
    caught = String(e);
  }
  assert.match(caught, /hidden label of row/);
});

test("threshold filtering keeps rows with confidence ≥ threshold; quality is measured against the hidden labels", () => {
  // Three rows, two classes: confidences 0.5, ~0.73, ~0.98.
  const logits = [0, 0, 1, 0, 0, 4];
  const keepAll = pseudoLabels(logits, 2, 2, 0);
  assert.is(keepAll.kept, 3);
  const half = pseudoLabels(logits, 2, 2, 0.7);
  assert.equal(Array.from(half.keep), [0, 1, 0].map((_, i) => (i === 0 ? 0 : 1)));
  const strict = pseudoLabels(logits, 2, 2, 0.9);
  assert.equal(Array.from(strict.keep), [0, 0, 1]);
  assert.is(strict.kept, 1);
  // Soft targets at T = 2: row 2 is softmax([1, 0] / 2).
  const e = Math.exp(0.5);
  assert.ok(Math.abs(strict.probs[2] - e / (e + 1)) < 1e-6);
  const q = pseudoLabelQuality(strict.confidence, strict.predicted, [0, 0, 0], 0.7);
  assert.equal({ kept: q.kept, accuracy: q.accuracy, coverage: q.coverage }, { kept: 2, accuracy: 0.5, coverage: 2 / 3 });
  assert.is(pseudoLabelQuality(strict.confidence, strict.predicted, [0, 0, 0], 1).accuracy, null, "none kept → accuracy null");
});

test("the pseudo-label term averages over kept rows only", () => {
  tf.tidy(() => {
    const targets = tf.tensor2d([[1, 0], [0.5, 0.5], [0, 1]]);
    const logits = tf.tensor2d([[0, 0], [3, -3], [0, 0]]);
    const idx = tf.tensor1d([0, 1, 2], "int32");
    const onlyFirst = pseudoLabelTerm({ targets, mask: tf.tensor1d([1, 0, 0]), temperature: 1, weight: 1 });
    const v = onlyFirst.compute(lossContext({ x: logits, y: idx, indices: idx, logits })).dataSync()[0];
    assert.ok(Math.abs(v - Math.log(2)) < 1e-5, `KL([1,0] ‖ [.5,.5]) = ln 2; got ${v}`);
    const none = pseudoLabelTerm({ targets, mask: tf.tensor1d([0, 0, 0]), temperature: 1, weight: 1 });
    assert.is(none.compute(lossContext({ x: logits, y: idx, indices: idx, logits })).dataSync()[0], 0);
  });
});

test("consistency is zero for identical predictions and positive otherwise", () => {
  tf.tidy(() => {
    const a = tf.tensor2d([[1, 2, 3], [0, 0, 5]]);
    assert.ok(Math.abs(consistencyLoss(a, a.clone()).dataSync()[0]) < 1e-7, "identical → 0");
    assert.ok(consistencyLoss(a, tf.tensor2d([[3, 2, 1], [0, 0, 5]])).dataSync()[0] > 1e-3, "different → > 0");
  });
  // Through the LossTerm: a model whose output ignores the input gives 0; a real one gives > 0.
  const x = tf.tensor2d(p.train.x.subarray(0, 16 * 64), [16, 64]);
  const zero = buildMlp({ inputDim: 64, hidden: [8], outputDim: 10, seed: 1 });
  zero.setWeights(zero.getWeights().map((w, i) => (i === 0 ? tf.zerosLike(w) : w.clone())));
  const real = buildMlp({ inputDim: 64, hidden: [8], outputDim: 10, seed: 1 });
  const term = consistencyTerm({ weight: 1, perturb, seed: 0 });
  for (const [m, positive] of [[zero, false], [real, true]] as const) {
    const v = tf.tidy(() => term.compute(lossContext({ model: m, x, y: tf.zeros([16], "int32") as tf.Tensor1D, indices: tf.range(0, 16, 1, "int32") as tf.Tensor1D, logits: m.apply(x) as tf.Tensor2D, step: 5 })).dataSync()[0]);
    if (positive) assert.ok(v > 1e-6, `perturbation changes a real model's prediction: ${v}`);
    else assert.ok(Math.abs(v) < 1e-6, `input-independent model: ${v}`);
  }
  [x, zero, real].forEach((t) => t.dispose());
});

test("perturbations are seeded; a one-pixel shift moves the image", () => {
  const img = new Float32Array(64);
  img[3 * 8 + 4] = 1;
  const out = new Float32Array(64);
  shiftImage(img, out, 8, 1, 0);
  assert.is(out[4 * 8 + 4], 1, "shifted down one row");
  shiftImage(img, out, 8, 0, -1);
  assert.is(out[3 * 8 + 3], 1, "shifted left one column");
  const x = p.train.x.subarray(0, 10 * 64);
  const a = perturbRows(x, 10, 64, perturb, new Rng(1));
  assert.equal(a, perturbRows(x, 10, 64, perturb, new Rng(1)), "same seed → same perturbation");
  assert.not.equal(a, perturbRows(x, 10, 64, perturb, new Rng(2)), "another seed → another perturbation");
});

test("bad settings are rejected with the field and value", () => {
  const base = tiny(semiVariants);
  assert.throws(() => checkSslConfig({ ...base, labelledFraction: 0 }), /labelledFraction: got 0; expected a number > 0/);
  assert.throws(() => checkSslConfig({ ...base, labelledFraction: 1.5 }), /labelledFraction: got 1\.5; expected a number ≤ 1/);
  assert.throws(() => checkSslConfig({ ...base, variants: [{ name: "x", method: { rows: "all", pseudo: { weight: 1, threshold: 1.2 } } }] }), /variants\[0\]\.method\.pseudo\.threshold: got 1\.2; expected a number ≤ 1/);
  assert.throws(() => checkSslConfig({ ...base, thresholds: [-0.1] }), /thresholds\[0\]: got -0\.1; expected a number ≥ 0/);
  assert.throws(() => pseudoLabels([0, 1], 2, 1, -1), /threshold must be in \[0, 1\]; got -1/);
  assert.throws(() => labelledSplits(p.train.y, 0, [0]), /labelledFraction must be in \(0, 1\]; got 0/);
  assert.throws(() => consistencyTerm({ weight: 1, perturb: { noiseStd: -1, shiftProb: 0 }, seed: 0 }), /noiseStd must be ≥ 0; got -1/);
});

test("a label mask: CE on labelled rows only, hidden labels unused, no leak", async () => {
  const { x } = p.train.toTensors();
  const n = p.train.numSamples;
  const mask = Float32Array.from({ length: n }, (_, i) => (i % 10 === 0 ? 1 : 0));
  const yReal = tf.tensor1d(p.train.y, "int32");
  const yGarbage = tf.tensor1d(Int32Array.from(p.train.y, (y, i) => (mask[i] ? y : -1)), "int32");
  const maskT = tf.tensor1d(mask);
  const test = p.test.toTensors();
  const run = async (y: tf.Tensor1D) => {
    const m = buildMlp({ inputDim: 64, hidden: [8], outputDim: 10, seed: 2 });
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    const h = await train(m, { train: { x, y }, test, labelMask: maskT }, { epochs: 3, batchSize: 64, learningRate: 1e-2, seed: 1 }, { onEpoch: () => counts.push(tf.memory().numTensors) });
    assert.ok(counts.every((c) => c === counts[0]), `numTensors steady per epoch: ${counts}`);
    assert.is(tf.memory().numTensors, before, "nothing left after the run");
    m.dispose();
    return h.map(({ ms: _ms, ...r }) => r);
  };
  const a = await run(yReal);
  const b = await run(yGarbage);
  assert.equal(a, b, "the unlabelled rows' labels do not matter");
  [x, yReal, yGarbage, maskT, test.x, test.y].forEach((t) => t.dispose());
});

test("a semi-supervised run leaks no tensors; the threshold curve reads hidden labels only afterwards", async () => {
  const config = tiny(semiVariants);
  const splits = labelledSplits(p.train.y, config.labelledFraction, config.seeds);
  const before = tf.memory().numTensors;
  const shared = sslShared({ trainX: p.train.x, testX: p.test.x, testY: p.test.y, numFeatures: 64, numClasses: 10 });
  const r = await runSslTrials(shared, sslTrials(config, p.train.y, splits), { workers: 1, log: false });
  assert.is(tf.memory().numTensors, before, "nothing left after the trials");
  const curve = thresholdCurve(r.teachers, splits, p.train.y, 10, [0, 0.9]);
  assert.is(curve[0].coverage, 1, "threshold 0 keeps every row");
  assert.ok(curve[1].kept <= curve[0].kept);
  assert.is(r.students[1].steps, r.students[0].steps, "same budget (steps) for both variants");
});

test.run();

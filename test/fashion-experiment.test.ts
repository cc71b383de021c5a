import * as assert from "uvu/assert";
import { test } from "uvu";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../src/backend";
import { FASHION_FILES } from "../src/data/fashion-mnist";
import { ReshapeMaxPool2D } from "../src/models/conv";
import { loadFashionData, teacherKey } from "../src/experiment/fashion";
import { loadExperiment } from "../src/experiment/schema/experiment-file";
import type { FashionMnistExperiment } from "../src/experiment/schema/fashion-mnist";

const fashionConfig = (budget: "ci" | "full") => loadExperiment<FashionMnistExperiment>("07-fashion-mnist-distillation", { budget }).config;
import { MultiTeacherTrialResult, VariantSummary, multiTeacherContextFrom, multiTeacherTrials } from "../src/experiment/multi-teacher";
import { gainTable, loadSavedResults, multiTeacherGain, sweepGains } from "../src/experiment/dataset-comparison";
import { SweepSummaryRow } from "../src/experiment/temperature-sweep";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "fashion-exp-test-"));

test.before(async () => {
  await initBackend();
});

test("max-pool layer: values and gradient equal tf.max over each 2×2 window, ties included", () => {
  const pool = new ReshapeMaxPool2D({});
  // One 4×4 image, 2 channels; channel 1 has a tie (two cells = 9) in its top-left window.
  const img = [
    [1, 5, 2, 0], [3, 4, 8, 7],
    [9, 0, 1, 1], [6, 2, 3, 4],
  ];
  const x = tf.tensor4d(img.flatMap((row, i) => row.flatMap((v, j) => [v, i === 0 && j < 2 ? 9 : v])), [1, 4, 4, 2]);
  const dy = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 2, 2]);
  const f = (t: tf.Tensor) => tf.sum(tf.mul(pool.apply(t) as tf.Tensor, dy)) as tf.Scalar;
  const y = (pool.apply(x) as tf.Tensor).arraySync() as number[][][][];
  assert.equal(y[0].map((r) => r.map((c) => c[0])), [[5, 8], [9, 4]]);
  assert.equal(y[0].map((r) => r.map((c) => c[1])), [[9, 8], [9, 4]]);
  // Reference gradient by hand: dy goes to the maximal cell(s) of each window.
  const g = (tf.grad(f)(x).arraySync() as number[][][][])[0];
  const ch0 = g.map((r) => r.map((c) => c[0]));
  const ch1 = g.map((r) => r.map((c) => c[1]));
  assert.equal(ch0, [[0, 1, 0, 0], [0, 0, 3, 0], [5, 0, 0, 0], [0, 0, 0, 7]]);
  assert.equal(ch1, [[2, 2, 0, 0], [0, 0, 4, 0], [6, 0, 0, 0], [0, 0, 0, 8]], "both tied cells get the gradient");
});

test("Fashion-MNIST config: teachers named once, sweep teacher among them, variants point at real teachers", () => {
  for (const budget of ["ci", "full"] as const) {
    const c = fashionConfig(budget);
    const names = c.teachers.map((t) => t.name);
    assert.is(new Set(names).size, names.length, "unique teacher names");
    assert.ok(names.includes(c.sweepTeacher));
    const keys = c.teachers.map((t) => teacherKey(c, t));
    assert.ok(keys.every((k) => /^[\w.-]+$/.test(k) && k.includes(budget)), keys.join(", "));
    assert.is(new Set(keys).size, keys.length);
    for (const s of c.multiTeacher.settings) {
      const trials = multiTeacherTrials({ teachers: c.teachers, student: { ...c.multiTeacher.student, epochs: s.epochs }, trainFraction: s.trainFraction, temperature: s.temperature, alpha: c.multiTeacher.alpha, seeds: c.multiTeacher.seeds, variants: c.multiTeacher.variants });
      assert.is(trials.length, c.multiTeacher.seeds.length * c.multiTeacher.variants.length);
    }
  }
  assert.not.equal(teacherKey(fashionConfig("ci"), fashionConfig("ci").teachers[0]), teacherKey(fashionConfig("full"), fashionConfig("full").teachers[0]));
});

function set(x: number[][], y: number[]) {
  return { x: tf.tensor2d(x), y: tf.tensor1d(y, "int32") };
}

test("multi-teacher context from given logits: scores each teacher, copies the logits, owns only what it is told", () => {
  const fit = set([[0], [1], [2], [3]], [0, 1, 0, 1]);
  const val = set([[0], [1]], [0, 1]);
  const test = set([[0], [1], [2]], [0, 1, 1]);
  // Teacher a is right on every row; teacher b always says class 0.
  const good = (y: number[]) => tf.tensor2d(y.map((c) => (c === 0 ? [2, 0] : [0, 2])));
  const zeros = (n: number) => tf.tensor2d(Array.from({ length: n }, () => [1, 0]));
  const a = { name: "a", arch: "A", params: 1, epochs: 1, fit: good([0, 1, 0, 1]), val: good([0, 1]), test: good([0, 1, 1]) };
  const b = { name: "b", arch: "B", params: 2, epochs: 1, fit: zeros(4), val: zeros(2), test: zeros(3) };
  const before = tf.memory().numTensors;
  const ctx = multiTeacherContextFrom({ fit, val, test, numClasses: 2, teachers: [a, b], ownsData: false });
  assert.equal(ctx.bank.teachers.map((t) => t.valAcc), [1, 0.5]);
  assert.equal(ctx.bank.teachers.map((t) => +t.testAcc.toFixed(4)), [1, 0.3333]);
  // Validation cross-entropy of teacher a: −log softmax([2, 0])[0] = log(1 + e^−2).
  assert.ok(Math.abs(ctx.bank.teachers[0].valCE - Math.log(1 + Math.exp(-2))) < 1e-5, String(ctx.bank.teachers[0].valCE));
  assert.equal(Array.from(ctx.fitLabels), [0, 1, 0, 1]);
  assert.equal(ctx.bank.fit.shape, [2, 4, 2]);
  a.fit.dispose(); // the context holds its own copy
  assert.equal((ctx.bank.fit.arraySync() as number[][][])[0][1], [0, 2]);
  ctx.dispose();
  assert.is(tf.memory().numTensors, before - 1, "the bank is released, the data and the other logits are the caller's");
  assert.not.ok(fit.x.isDisposed);
  // Mismatched rows name the teacher and the set.
  assert.throws(() => multiTeacherContextFrom({ fit, val, test, numClasses: 2, teachers: [b, { ...b, name: "c", val: zeros(3) }], ownsData: false }), /teacher "c" has logits for 3 val rows; the val set has 2/);
  const owned = multiTeacherContextFrom({ fit, val, test, numClasses: 2, teachers: [b], ownsData: true });
  owned.dispose();
  assert.ok(fit.x.isDisposed && test.y.isDisposed, "ownsData: the data goes with the context");
  [a.val, a.test, b.fit, b.val, b.test].forEach((t) => t.dispose());
});

const row = (setting: string, temperature: number | null, meanAcc: number, gain: number, t: number | null): SweepSummaryRow => ({
  setting, variant: temperature === null ? "hard labels" : `T = ${temperature}`, temperature, seeds: 3, meanAcc, stdAcc: 0.01, minAcc: meanAcc, maxAcc: meanAcc, gainOverHard: gain, pairedT: t,
});

test("gain rows: best temperature per setting against hard labels, clear only past the 95 % t threshold", () => {
  const summary = [
    row("all", null, 0.8, 0, null), row("all", 1, 0.81, 0.01, 2.0), row("all", 4, 0.82, 0.02, 4.0),
    row("few", null, 0.7, 0, null), row("few", 8, 0.75, 0.05, 5.0), row("few", 1, 0.69, -0.01, -9),
  ];
  const g = sweepGains("d", "s", summary);
  assert.equal(g.map((r) => [r.setting, r.best, r.clear]), [["all", "T = 4", false], ["few", "T = 8", true]], "t = 4.0 < 4.303 (2 df); 5.0 > 4.303");
  assert.is(g[1].gain, 0.05);
  assert.is(gainTable(g)[1]["gain (pts)"], 5);
  assert.throws(() => sweepGains("d", "s", [row("x", 1, 0.8, 0, 1)]), /setting "x" has no hard-label rows/);
});

test("gain rows: multi-teacher best non-hard variant, paired over seeds", () => {
  const runs = (variant: string, accs: number[]): MultiTeacherTrialResult[] => accs.map((testAcc, seed) => ({ variant, seed, testAcc, trainRows: 10, steps: 1, curve: [], weights: [], ms: 1 }));
  const results = [...runs("hard labels", [0.8, 0.7, 0.9]), ...runs("uniform", [0.85, 0.76, 0.95]), ...runs("only a", [0.8, 0.71, 0.9])];
  const summary: VariantSummary[] = [
    { variant: "hard labels", kind: "hard", seeds: 3, meanAcc: 0.8, stdAcc: 0.1, minAcc: 0.7, maxAcc: 0.9 },
    { variant: "uniform", kind: "uniform", seeds: 3, meanAcc: 0.8533, stdAcc: 0.1, minAcc: 0.76, maxAcc: 0.95 },
    { variant: "only a", kind: "single", seeds: 3, meanAcc: 0.8033, stdAcc: 0.1, minAcc: 0.71, maxAcc: 0.9 },
  ];
  const g = multiTeacherGain("d", "s", "all", summary, results);
  assert.is(g.best, "uniform");
  // Paired differences 0.05, 0.06, 0.05: mean 0.05333, sd 0.005774, t = 16.0.
  assert.ok(Math.abs(g.gain - 0.053333) < 1e-5, String(g.gain));
  assert.ok(Math.abs((g.pairedT ?? 0) - 16) < 1e-3, String(g.pairedT));
  assert.ok(g.clear);
});

test("saved results: null when missing, a clear error when corrupt", () => {
  const dir = path.join(tmp, "reports");
  fs.mkdirSync(dir);
  const prev = process.env.REPORTS_DIR;
  process.env.REPORTS_DIR = dir;
  try {
    assert.is(loadSavedResults("01-temperature-sweep"), null);
    fs.writeFileSync(path.join(dir, "01-temperature-sweep.json"), "{ trunc");
    assert.throws(() => loadSavedResults("01-temperature-sweep"), /01-temperature-sweep.json is not valid JSON/);
  } finally {
    if (prev === undefined) delete process.env.REPORTS_DIR;
    else process.env.REPORTS_DIR = prev;
  }
});

const realDir = process.env.FASHION_MNIST_DIR ?? "/usr/share/datasets/fashion-mnist";
if (fs.existsSync(path.join(realDir, FASHION_FILES.trainImages))) {
  test("real Fashion-MNIST, CI budget: a stratified validation hold-out, disjoint from the fit rows, the same every time", async () => {
    const c = fashionConfig("ci");
    const d = await loadFashionData(c);
    assert.is(d.fit.numSamples + d.val.numSamples, 3000);
    assert.equal(d.val.classCounts(), new Array(10).fill(30));
    assert.equal(d.fit.classCounts(), new Array(10).fill(270));
    assert.is(d.test.numSamples, 1000);
    const rows = (ds: typeof d.fit) => new Set(Array.from({ length: ds.numSamples }, (_, i) => ds.x.subarray(i * 784, (i + 1) * 784).join(",")));
    const fitRows = rows(d.fit);
    const shared = [...rows(d.val)].filter((r) => fitRows.has(r));
    assert.ok(shared.length <= 1, `${shared.length} validation images also among the fit rows`);
    const again = await loadFashionData(c);
    assert.equal(Array.from(again.val.y), Array.from(d.val.y));
    assert.equal(again.val.x.subarray(0, 784 * 5), d.val.x.subarray(0, 784 * 5));
    d.dispose();
    again.dispose();
  });
}

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
test.run();

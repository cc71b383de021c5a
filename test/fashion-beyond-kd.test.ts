/**
 * Notebook 07's beyond-KD experiment: its file at both budgets, the transfer
 * set's label handling (the unlabelled rows' labels are never read: poisoning
 * them changes nothing, poisoning a labelled row's label does), the teacher
 * embedding, the comparisons' numbers by hand and the published-ordering verdicts.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import * as path from "path";
import { initBackend, tf } from "../src/backend";
import { checkPublishedOrdering } from "../src/analysis/published-ordering";
import { layerOutputs } from "../src/experiment/beyond-kd/data";
import type { BeyondKdShared } from "../src/experiment/beyond-kd/data";
import { summarizeComparison } from "../src/experiment/beyond-kd/summary";
import { BeyondKdPoint, beyondKdSetup, beyondKdTrial, transferLabels } from "../src/experiment/beyond-kd/trial";
import type { BeyondKdRow } from "../src/experiment/beyond-kd/trial";
import { buildMlp } from "../src/models/mlp";
import { loadExperiment, resolveExperiment } from "../src/experiment/schema/experiment-file";
import type { FashionBeyondKdExperiment } from "../src/experiment/schema/fashion-beyond-kd";
import { fixedMatrix } from "./reference";
import { loadRecordedRun } from "../src/experiment/recorded-run";

const FILE = path.join(__dirname, "..", "experiments", "07-fashion-mnist-beyond-kd.json");
const raw = () => JSON.parse(fs.readFileSync(FILE, "utf8"));

test.before(async () => {
  await initBackend({ log: false });
});

test("experiments/07-fashion-mnist-beyond-kd.json: valid at both budgets; ci changes only the training budget; base is notebook 07's file", () => {
  const full = loadExperiment<FashionBeyondKdExperiment>("07-fashion-mnist-beyond-kd", { budget: "full" }).config;
  const ci = loadExperiment<FashionBeyondKdExperiment>("07-fashion-mnist-beyond-kd", { budget: "ci" }).config;
  assert.is(full.base, "07-fashion-mnist-distillation");
  assert.equal(ci.arms, full.arms);
  assert.equal(ci.comparisons, full.comparisons);
  assert.ok(ci.epochs < full.epochs && ci.seeds.every((s) => full.seeds.includes(s)) && ci.seeds.length >= 2);
  assert.equal(full.arms.filter((a) => a.rows === "transfer").map((a) => a.teacher), ["full", "strict"]);
});

test("a bad arm is reported with its path: a teacher term without a teacher, an unknown arm in a comparison", () => {
  const r = raw();
  delete r.config.arms[1].teacher;
  r.config.comparisons[0].arms[0] = "nope";
  assert.throws(() => resolveExperiment(r, { file: FILE, budget: "full" }), (e: Error) =>
    /config\.arms\[1\]\.teacher: .*has a teacher term: give "teacher": "full" or "strict"/.test(e.message) && /config\.comparisons\[0\]\.arms\[0\].*"nope" is not an arm/.test(e.message));
});

test("transferLabels: the labelled rows keep their labels, every other row is −1 with mask 0", () => {
  const { y, mask } = transferLabels(Int32Array.from([3, 1, 4, 1, 5]), Int32Array.from([1, 4]));
  assert.equal(Array.from(y), [-1, 1, -1, -1, 5]);
  assert.equal(Array.from(mask), [0, 1, 0, 0, 1]);
});

/** A small synthetic problem: 60 fit rows (12 labelled), 20 test rows, 4 classes, 6 features. */
function synthetic(labels = (i: number) => i % 4): BeyondKdShared {
  const n = 60;
  const m = 20;
  const x = fixedMatrix(n + m, 6, 5, 1).flat();
  const logits = (rows: number, s: number) => Float32Array.from(fixedMatrix(rows, 4, s).flat());
  return {
    numFeatures: 6, numClasses: 4,
    fitX: Float32Array.from(x.slice(0, n * 6)), fitY: Int32Array.from({ length: n }, (_, i) => labels(i)),
    testX: Float32Array.from(x.slice(n * 6)), testY: Int32Array.from({ length: m }, (_, i) => i % 4),
    labelled: Int32Array.from({ length: 12 }, (_, i) => i * 5),
    full: { train: logits(n, 7), test: logits(m, 8), embedding: Float32Array.from(fixedMatrix(n, 5, 9).flat()), embeddingDim: 5 },
    strict: { train: logits(n, 10), test: logits(m, 11) },
  };
}

const arm = (rows: "labelled" | "all" | "transfer", losses: BeyondKdPoint["arm"]["losses"], teacher?: "full" | "strict"): BeyondKdPoint => ({
  arm: { name: `${rows}`, rows, teacher, losses }, student: { hidden: [8], batchSize: 16, learningRate: 0.01 }, epochs: 3,
});
async function runArm(p: BeyondKdPoint, shared: BeyondKdShared) {
  const setup = beyondKdSetup(shared);
  try {
    return await beyondKdTrial({ point: p, seed: 1 }, { shared, setup, index: 0, worker: 0 });
  } finally {
    setup.dispose();
  }
}

test("the transfer set never reads the unlabelled rows' labels: poisoning them changes nothing; poisoning a labelled row's label does; no tensors leak", async () => {
  const kd = [{ loss: "ce", weight: 0.5 }, { loss: "kd", weight: 0.5, temperature: 2 }, { loss: "dkd", weight: 0.3, temperature: 2 }];
  const transfer = arm("transfer", kd, "full");
  const n0 = tf.memory().numTensors;
  const clean = await runArm(transfer, synthetic());
  assert.is(tf.memory().numTensors, n0, "every tensor of the trial released");
  const poisoned = await runArm(transfer, synthetic((i) => (i % 5 === 0 ? i % 4 : 3 - (i % 4))));
  assert.equal(poisoned.curve, clean.curve, "unlabelled rows' labels changed: identical run");
  assert.is(clean.row.labelledRows, 12);
  assert.is(clean.row.trainRows, 60);
  const touched = await runArm(transfer, synthetic((i) => (i === 5 ? 2 : i % 4)));
  assert.not.equal(touched.curve.map((c) => c.loss), clean.curve.map((c) => c.loss), "a labelled row's label is read: the training loss changes");
});

test("arms: labelled rows only, all rows; CRD reads the teacher embedding of the arm's own rows", async () => {
  const ce = [{ loss: "ce", weight: 1 }];
  const lab = await runArm(arm("labelled", ce), synthetic());
  assert.is(lab.row.trainRows, 12);
  assert.is(lab.row.steps, 3 * 1);
  const poisonedOthers = await runArm(arm("labelled", ce), synthetic((i) => (i % 5 === 0 ? i % 4 : 0)));
  assert.equal(poisonedOthers.curve, lab.curve, "a labelled-rows arm sees only its rows");
  const all = await runArm(arm("all", ce), synthetic());
  assert.is(all.row.trainRows, 60);
  assert.is(all.row.steps, 4 * 3);
  const crd = await runArm(arm("labelled", [{ loss: "ce", weight: 1 }, { loss: "crd", weight: 1, student: "dense_0", teacherInput: "teacherEmbedding", dim: 4 }], "full"), synthetic());
  assert.ok(crd.row.testAcc >= 0 && crd.row.testAcc <= 1);
  await runArm(arm("labelled", [{ loss: "ce", weight: 1 }, { loss: "crd", weight: 1, student: "dense_0", teacherInput: "teacherEmbedding" }], "strict"), synthetic()).then(
    () => assert.unreachable("CRD from the strict teacher has no embedding"),
    (e: Error) => assert.match(e.message, /needs data.inputs\["teacherEmbedding"\]/),
  );
});

test("layerOutputs: a hidden layer's output, batched, equals relu(x·W + b)", () => {
  const model = buildMlp({ inputDim: 6, hidden: [5, 3], outputDim: 2, seed: 4 });
  const x = tf.tensor2d(fixedMatrix(7, 6, 3));
  const got = layerOutputs(model, "dense_0", x, 3);
  const [w, b] = model.getLayer("dense_0").getWeights();
  const want = tf.relu(tf.add(tf.matMul(x, w), b));
  assert.equal(got.shape, [7, 5]);
  assert.ok(tf.max(tf.abs(tf.sub(got, want))).dataSync()[0] < 1e-6);
  tf.dispose([x, got, want]);
  model.dispose();
});

const row = (a: string, seed: number, acc: number): BeyondKdRow => ({ arm: a, seed, testAcc: acc, teacherAgreement: null, trainRows: 10, labelledRows: 10, epochs: 1, steps: 5, ms: 1 });

test("summarizeComparison: paired gains and t by hand; the reading says which arms are clearly better", () => {
  const rows = [row("ref", 0, 0.8), row("ref", 1, 0.82), row("ref", 2, 0.81), row("up", 0, 0.85), row("up", 1, 0.88), row("up", 2, 0.86), row("flat", 0, 0.81), row("flat", 1, 0.8), row("flat", 2, 0.83)];
  const s = summarizeComparison(rows, { title: "t", arms: ["ref", "up", "flat"], reference: "ref" });
  const up = s.arms[1];
  // diffs 0.05, 0.06, 0.05: mean 0.05333, sd 0.005774, t = 0.05333 / (0.005774 / √3) = 16.0
  assert.ok(Math.abs(up.gain - 0.053333) < 1e-5 && Math.abs(up.pairedT! - 16) < 1e-3 && up.clear);
  assert.ok(!s.arms[2].clear);
  assert.match(s.reading[s.reading.length - 1], /clearly better: up; clearly worse: none/);
});

test("checkPublishedOrdering: holds, reversed and not shown", () => {
  const methods = [{ label: "KD", variant: "kd", published: 0.73 }, { label: "DKD", variant: "dkd", published: 0.76 }, { label: "CRD", variant: "crd", published: 0.755 }];
  const mk = (kd: number[], crd: number[], dkd: number[]) => [...kd.map((a, i) => ({ variant: "kd", seed: i, testAcc: a })), ...crd.map((a, i) => ({ variant: "crd", seed: i, testAcc: a })), ...dkd.map((a, i) => ({ variant: "dkd", seed: i, testAcc: a }))];
  const holds = checkPublishedOrdering(mk([0.7, 0.71, 0.72], [0.75, 0.77, 0.76], [0.8, 0.83, 0.81]), methods, "paper");
  assert.is(holds.verdict, "holds");
  assert.equal(holds.means.map((m) => m.label), ["KD", "CRD", "DKD"], "sorted by the published accuracy");
  assert.is(checkPublishedOrdering(mk([0.8, 0.81, 0.82], [0.75, 0.77, 0.76], [0.8, 0.83, 0.81]), methods, "paper").verdict, "reversed");
  assert.is(checkPublishedOrdering(mk([0.7, 0.8, 0.75], [0.76, 0.74, 0.75], [0.8, 0.7, 0.78]), methods, "paper").verdict, "not shown");
  assert.throws(() => checkPublishedOrdering(mk([0.7], [0.7], [0.7]), [{ label: "X", variant: "x", published: 0.5 }, methods[0]], "paper"), /no runs of variant "x"/);
});

test("the recorded full-budget run is of this experiment file's full configuration, with every arm × seed and every comparison", () => {
  const rec = loadRecordedRun<{ runs: BeyondKdRow[]; comparisons: { title: string }[]; data: { fitRows: number; labelledRows: number } }>("07-fashion-mnist-beyond-kd");
  assert.ok(rec, "results/07-fashion-mnist-beyond-kd.full.json is committed");
  const exp = loadExperiment<FashionBeyondKdExperiment>("07-fashion-mnist-beyond-kd", { budget: "full" });
  assert.is(rec!.fingerprint, exp.fingerprint);
  assert.is(rec!.results.runs.length, exp.config.arms.length * exp.config.seeds.length);
  assert.equal(rec!.results.comparisons.map((c) => c.title), exp.config.comparisons.map((c) => c.title));
  assert.is(rec!.results.data.labelledRows, Math.round(rec!.results.data.fitRows * exp.config.labelledFraction));
});

test.run();

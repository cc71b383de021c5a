import * as assert from "uvu/assert";
import { test } from "uvu";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { initBackend } from "../src/backend";
import { FASHION_FILES } from "../src/data/fashion-mnist";
import { ConfigError } from "../src/experiment/config";
import { canonicalJson } from "../src/core/fingerprint";
import { runFashionMnist } from "../src/experiment/runners/fashion-mnist";
import { loadExperiment, resolveExperiment } from "../src/experiment/schema/experiment-file";
import type { FashionMnistExperiment } from "../src/experiment/schema/fashion-mnist";

const ROOT = path.join(__dirname, "..");
const FILE = path.join(ROOT, "experiments", "07-fashion-mnist-distillation.json");
const raw = () => JSON.parse(fs.readFileSync(FILE, "utf8"));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "fashion-exp-file-"));

test.before(async () => {
  await initBackend();
});

test("experiments/07: the full budget resolves to exactly the configuration of the recorded full-budget run", () => {
  const full = loadExperiment<FashionMnistExperiment>("07-fashion-mnist-distillation", { budget: "full" });
  const recorded = JSON.parse(fs.readFileSync(path.join(ROOT, "results", "07-fashion-mnist-distillation.full.json"), "utf8")).config;
  assert.is(canonicalJson(full.config), canonicalJson(recorded));
  assert.is(full.config.budget, "full");
});

test("experiments/07: the ci budget is valid and smaller everywhere (rows, teacher epochs, student epochs, seeds)", () => {
  const full = loadExperiment<FashionMnistExperiment>("07-fashion-mnist-distillation", { budget: "full" }).config;
  const ci = loadExperiment<FashionMnistExperiment>("07-fashion-mnist-distillation", { budget: "ci" }).config;
  assert.is(ci.budget, "ci");
  assert.ok(ci.trainSize! < 60000 && ci.testSize! < 10000 && ci.valRows < full.valRows);
  assert.equal(ci.teachers.map((t) => [t.name, t.model]), full.teachers.map((t) => [t.name, t.model]), "the same teachers, trained less");
  ci.teachers.forEach((t, i) => assert.ok(t.train.epochs < full.teachers[i].train.epochs, t.name));
  assert.ok(ci.sweep.seeds.every((s) => full.sweep.seeds.includes(s)) && ci.sweep.seeds.length >= 2, "a subset of the seeds, at least 2 (paired t)");
  ci.sweep.settings.forEach((s, i) => assert.ok(s.epochs < full.sweep.settings[i].epochs && s.trainFraction === full.sweep.settings[i].trainFraction));
  assert.equal(ci.multiTeacher.variants, full.multiTeacher.variants);
});

test("a bad field is reported with its path, value and what was expected", () => {
  const r = raw();
  r.config.sweepTeacher = "cnn-huge";
  r.config.multiTeacher.variants[1].weighting.teacher = 3;
  r.config.teachers[0].train.learningRate = -0.001;
  r.config.sweep.tempratures = [2];
  try {
    resolveExperiment(r, { file: FILE, budget: "full" });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, ConfigError);
    const m = (e as Error).message;
    assert.match(m, /config\.sweepTeacher: got "cnn-huge"; expected one of the teachers: cnn-small, cnn-large, mlp/);
    assert.match(m, /config\.multiTeacher\.variants\[1\]\.weighting\.teacher: got 3; expected an index of teachers: 0 … 2/);
    assert.match(m, /config\.teachers\[0\]\.train\.learningRate: got -0\.001/);
    assert.match(m, /config\.sweep.*tempratures/);
  }
  const r2 = raw();
  r2.budgets.ci.valRows = 3000;
  assert.throws(() => resolveExperiment(r2, { file: FILE, budget: "ci" }), /config\.valRows: got 3000; expected fewer than the 3000 training rows/);
});

const realDir = process.env.FASHION_MNIST_DIR ?? "/usr/share/datasets/fashion-mnist";
if (fs.existsSync(path.join(realDir, FASHION_FILES.trainImages))) {
  test("runner on a tiny configuration: shapes, teachers cached on the first run and reloaded with the same numbers on the second", async () => {
    const r = raw();
    const teacherTrain = { epochs: 1, batchSize: 64, learningRate: 0.001, seed: 0 };
    r.config = {
      ...r.config,
      trainSize: 300, testSize: 200, valRows: 50,
      teachers: [
        { name: "cnn-tiny", model: { kind: "cnn", filters: [4, 8], dense: 8 }, train: teacherTrain },
        { name: "mlp-tiny", model: { kind: "mlp", hidden: [16] }, train: teacherTrain },
      ],
      sweepTeacher: "mlp-tiny",
      students: [[8]],
      sweep: { student: { batchSize: 64, learningRate: 0.001 }, temperatures: [4], alpha: 0.5, seeds: [0, 1], settings: [{ name: "all rows · 2 epochs", trainFraction: 1, epochs: 2 }] },
      multiTeacher: {
        student: { hidden: [8], epochs: 0, batchSize: 64, learningRate: 0.001 }, alpha: 0.5, seeds: [0, 1],
        settings: [{ name: "all rows · 2 epochs · T = 4", trainFraction: 1, epochs: 2, temperature: 4 }],
        variants: [{ name: "hard labels", weighting: { kind: "hard" } }, { name: "only cnn-tiny", weighting: { kind: "single", teacher: 0 } }, { name: "uniform", weighting: { kind: "uniform" } }],
      },
    };
    const exp = resolveExperiment<FashionMnistExperiment>(r, { file: FILE, budget: "full" });
    const prev = process.env.TEACHER_CACHE_DIR;
    process.env.TEACHER_CACHE_DIR = path.join(tmp, "teachers");
    try {
      const a = await runFashionMnist(exp, { workers: 1, log: () => {} });
      const res = a.results;
      assert.equal(res.data, { ...res.data, fitRows: 250, valRows: 50, testRows: 200 });
      assert.equal(res.teachers.map((t) => [t.name, t.source]), [["cnn-tiny", "trained"], ["mlp-tiny", "trained"]]);
      assert.equal(res.runs.map((x) => `${x.setting} | ${x.variant} | ${x.seed}`), ["784-8-10 · all rows · 2 epochs | hard labels | 0", "784-8-10 · all rows · 2 epochs | T=4 | 0", "784-8-10 · all rows · 2 epochs | hard labels | 1", "784-8-10 · all rows · 2 epochs | T=4 | 1"].map((s) => s.replace("784-8-10", res.comparison[2].arch as string)));
      assert.is(res.summary.length, 2);
      assert.equal(res.comparison.map((x) => x.model), ["teacher cnn-tiny", "teacher mlp-tiny", "student (hard labels)", "student (T=4)"]);
      assert.is(res.comparison[1]["% of teacher"], 100, "the sweep teacher is 100 % of itself");
      assert.is(res.multiTeacher.length, 1);
      assert.equal(res.multiTeacher[0].runs.map((x) => `${x.seed}:${x.variant}`), ["0:hard labels", "0:only cnn-tiny", "0:uniform", "1:hard labels", "1:only cnn-tiny", "1:uniform"]);
      assert.is(res.nextToDigits.fashion.length, 2, "one gain row per (student, setting) and per multi-teacher setting");
      assert.ok(a.gainLines[0].startsWith("On Fashion-MNIST (full budget)"));
      const b = await runFashionMnist(exp, { workers: 1, log: () => {} });
      assert.equal(b.results.teachers.map((t) => t.source), ["cache", "cache"]);
      assert.equal(b.results.teachers.map((t) => t.testAcc), res.teachers.map((t) => t.testAcc));
      assert.equal(b.results.runs.map((x) => x.testAcc), res.runs.map((x) => x.testAcc), "same numbers from the reloaded teachers");
      assert.equal(b.results.multiTeacher[0].runs.map((x) => x.testAcc), res.multiTeacher[0].runs.map((x) => x.testAcc));
    } finally {
      if (prev === undefined) delete process.env.TEACHER_CACHE_DIR;
      else process.env.TEACHER_CACHE_DIR = prev;
    }
  });

  test("runner: a configuration whose budget field is not the running budget is refused", async () => {
    const exp = resolveExperiment<FashionMnistExperiment>(raw(), { file: FILE, budget: "full" });
    await runFashionMnist({ ...exp, budget: "ci" }, { log: () => {} }).then(
      () => assert.unreachable(),
      (e) => assert.match((e as Error).message, /config\.budget is "full" but the ci budget is running/),
    );
  });
}

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
test.run();

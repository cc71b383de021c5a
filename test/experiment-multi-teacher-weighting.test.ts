import { test } from "uvu";
import * as assert from "uvu/assert";
import { initBackend } from "../src/backend";
import { loadExperiment, resolveExperiment } from "../src/experiment/schema/experiment-file";
import type { MultiTeacherWeightingExperiment } from "../src/experiment/schema/multi-teacher-weighting";
import { runMultiTeacherWeighting } from "../src/experiment/runners/multi-teacher-weighting";
import { checkMultiTeacherRunConfig } from "../src/experiment/multi-teacher";

const FILE = "03-multi-teacher-weighting";

test.before(async () => {
  await initBackend({ log: false });
});

test("experiments/03: valid for both budgets; the CI budget is seeds 0-2 of the same configuration", () => {
  const full = loadExperiment<MultiTeacherWeightingExperiment>(FILE, { budget: "full" });
  const ci = loadExperiment<MultiTeacherWeightingExperiment>(FILE, { budget: "ci" });
  assert.is(full.kind, "multi-teacher-weighting");
  assert.equal(full.config.seeds, [0, 1, 2, 3, 4]);
  assert.equal(ci.config.seeds, [0, 1, 2]);
  assert.equal({ ...ci.config, seeds: full.config.seeds }, full.config, "only the seeds differ");
  assert.is(full.config.variants.length, 9);
  assert.equal(full.config.regimes.map((r) => [r.key, r.trainFraction, r.temperature, r.epochs ?? null]), [["all-rows", 1, 4, null], ["10pct-rows", 0.1, 8, "step-matched"]]);
  assert.is.not(full.fingerprint, ci.fingerprint);
});

function raw(): any {
  return JSON.parse(JSON.stringify({
    experiment: "multi-teacher-weighting",
    name: "t",
    config: {
      valFraction: 0.2,
      teachers: [{ name: "a", hidden: [8], epochs: 1, seed: 0 }, { name: "b", hidden: [16], epochs: 2, seed: 1 }],
      student: { hidden: [8], epochs: 2, batchSize: 64, learningRate: 0.01 },
      alpha: 0.5,
      seeds: [0],
      variants: [
        { name: "hard labels", weighting: { kind: "hard" } },
        { name: "b only", weighting: { kind: "single", teacher: 1 } },
        { name: "aware", weighting: { kind: "student-aware", temperature: 0.5 } },
        { name: "per sample", weighting: { kind: "per-sample", temperature: 1 } },
      ],
      regimes: [
        { key: "all", name: "all rows", temperature: 4 },
        { key: "few", name: "10 %", trainFraction: 0.1, temperature: 8, epochs: "step-matched" },
      ],
    },
  }));
}

const problems = (r: unknown): string => {
  try {
    resolveExperiment(r, { file: "t.json", budget: "full" });
  } catch (e) {
    return (e as Error).message;
  }
  return "";
};

test("bad fields are reported with their path, value and what was expected", () => {
  assert.is(problems(raw()), "", "the tiny configuration is valid");
  const r = raw();
  r.config.variants[2].weighting.temperature = -1;
  r.config.alpha = 1;
  r.config.teachers[0].colour = "red";
  r.config.variants[1].weighting.teacher = 2;
  const msg = problems(r);
  assert.match(msg, /config\.variants\[2\]\.weighting\.temperature: got -1; expected a number > 0/);
  assert.match(msg, /config\.alpha: got 1; expected a number < 1/);
  assert.match(msg, /config\.teachers\[0\]\.colour: got "red"; expected no such field \(unknown field; allowed fields: name, hidden/);
  const s = raw();
  s.config.variants[1].weighting.teacher = 2;
  assert.match(problems(s), /config\.variants\[1\]\.weighting\.teacher: got 2; expected an index of teachers: 0 … 1/);
  const k = raw();
  k.config.regimes[1].key = "all";
  k.config.variants[0].weighting = { kind: "mystery" };
  const m = problems(k);
  assert.match(m, /config\.regimes: .*unique regime keys/);
  assert.match(m, /config\.variants\[0\]\.weighting\.kind: got "mystery"; expected "kind" to be one of "hard", "single"/);
  // A configuration built in code is checked by the same schema.
  assert.throws(() => checkMultiTeacherRunConfig({ teachers: [{ name: "a" }], student: { hidden: [8], epochs: 0, batchSize: 64, learningRate: 1e-3 }, temperature: 2, alpha: 0.5, seeds: [0], variants: [{ name: "u", weighting: { kind: "uniform" } }] }), /student\.epochs: got 0; expected a number > 0/);
});

test("the runner on a tiny configuration: the results' shape, step-matched epochs, student-aware weights per epoch", async () => {
  const exp = resolveExperiment<MultiTeacherWeightingExperiment>(raw(), { file: "t.json", budget: "full" });
  const run = await runMultiTeacherWeighting(exp, { workers: 1, log: () => {} });
  const r = run.results;
  assert.equal(r.teachers.map((t) => t.name), ["a", "b"]);
  assert.is(r.fitRows + r.valRows, 1297);
  assert.equal(r.ensembles.map((e) => e.weighting), [], "no fixed ensemble weighting among the variants");
  assert.equal(r.regimes.map((g) => g.key), ["all", "few"]);
  const [all, few] = r.regimes;
  assert.is(all.runs.length, 4);
  assert.is(all.studentRows, r.fitRows);
  assert.ok(few.studentRows < all.studentRows / 5);
  // Step-matched: about as many optimiser steps as the all-rows regime.
  assert.ok(Math.abs(few.steps - all.steps) <= Math.ceil(few.studentRows / 64), `steps ${few.steps} vs ${all.steps}`);
  assert.ok(few.epochs > all.epochs);
  for (const g of r.regimes) {
    assert.equal(g.summary.map((s) => s.variant), ["hard labels", "b only", "aware", "per sample"]);
    assert.equal(g.comparisons.find((c) => c.variant === "hard labels")!.vsHard, null);
    assert.ok(g.reading.length > 0);
    const aware = g.runs.find((x) => x.variant === "aware")!;
    assert.equal(aware.weights.map((w) => w.epoch), Array.from({ length: g.epochs }, (_, i) => i + 1).filter((e) => aware.curve.some((c) => c.epoch === e)), "one weight entry per kept epoch");
    aware.weights.forEach((w) => assert.ok(Math.abs(w.weights[0] + w.weights[1] - 1) < 1e-9, `weights sum to 1 at epoch ${w.epoch}`));
    assert.equal(g.runs.find((x) => x.variant === "b only")!.weights[0].weights, [0, 1]);
  }
  assert.equal(run.charts.weights.map((w) => w.key), ["all", "few"]);
  assert.equal([...new Set(run.charts.curves.map((p) => p.variant))], ["hard labels"], "the learning-curve chart draws its chosen variants only");
});

test.run();

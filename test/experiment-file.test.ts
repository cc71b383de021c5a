/**
 * Experiment files: the envelope, budgets merged over the full configuration,
 * every bad field reported with its path under config., and notebook 01's file
 * valid for both budgets. Running a tiny temperature sweep through the same
 * runner as the notebook writes a complete results file.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { initBackend } from "../src/backend";
import { saveExperimentResults } from "../src/experiment/experiment-results";
import { runTemperatureSweep } from "../src/experiment/runners/temperature-sweep";
import { budgetFromEnv, loadExperiment, mergeBudget, resolveExperiment, resolveExperimentGrid } from "../src/experiment/schema/experiment-file";
import type { TemperatureSweepExperiment } from "../src/experiment/schema/temperature-sweep";

let tmp: string;
test.before(async () => {
  await initBackend({ log: false });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "experiment-file-"));
});
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const tiny = {
  experiment: "temperature-sweep",
  name: "tiny-sweep",
  config: { teacher: { hidden: [16], epochs: 2 }, student: { hidden: [4] }, temperatures: [2], alpha: 0.5, seeds: [0, 1], settings: [{ name: "all", trainFraction: 1, epochs: 2 }] },
  budgets: { ci: { seeds: [0] } },
};

test("budgets: objects merged field by field, arrays and values replaced", () => {
  assert.equal(mergeBudget({ a: { b: 1, c: [1, 2] }, d: 3 }, { a: { c: [9] } }), { a: { b: 1, c: [9] }, d: 3 });
  assert.equal(budgetFromEnv({}), "full");
  assert.equal(budgetFromEnv({ DISTILL_BUDGET: "ci" }), "ci");
  assert.equal(budgetFromEnv({ FASHION_BUDGET: "ci" }), "ci");
  assert.throws(() => budgetFromEnv({ DISTILL_BUDGET: "huge" }), /DISTILL_BUDGET must be "full" or "ci"; got "huge"/);
});

test("notebook 01's experiment file is valid for both budgets; ci keeps seeds 0-2 of the same runs", () => {
  const full = loadExperiment<TemperatureSweepExperiment>("01-temperature-sweep", { budget: "full" });
  const ci = loadExperiment<TemperatureSweepExperiment>("01-temperature-sweep", { budget: "ci" });
  assert.equal(full.config.seeds, [0, 1, 2, 3, 4]);
  assert.equal(ci.config.seeds, [0, 1, 2]);
  assert.equal({ ...ci.config, seeds: full.config.seeds }, full.config);
  assert.is.not(ci.fingerprint, full.fingerprint);
  assert.is(full.config.teacher.learningRate, 0.001);
});

test("every bad field at once, with its path under config. and what was expected", () => {
  const bad = { ...tiny, config: { ...tiny.config, alpha: 1, seeds: [1, 1], temperatures: [0], colour: "blue", settings: [{ name: "a", trainFraction: 0, epochs: 2 }] } };
  try {
    resolveExperiment(bad, { file: "bad.json", budget: "full" });
    assert.unreachable();
  } catch (e) {
    const m = (e as Error).message;
    for (const s of ["config.alpha: got 1", "config.seeds: got [1,1]; expected distinct seeds", "config.temperatures[0]: got 0", "config.settings[0].trainFraction: got 0", "config.colour"]) assert.ok(m.includes(s), `"${s}" in:\n${m}`);
  }
  assert.throws(() => resolveExperiment({ ...tiny, experiment: "nope" }, { file: "x.json", budget: "full" }), /experiment: got "nope"/);
  assert.throws(() => resolveExperiment({ ...tiny, budgets: { ci: { seeds: [] } } }, { file: "x.json", budget: "ci" }), /\(budget ci\)[\s\S]*config.seeds: got \[\]/);
  assert.throws(() => loadExperiment("no-such-experiment"), /experiment file not found: no-such-experiment/);
});

test("a grid sweeps any field by its path: one validated experiment per point, named and with its coordinates", () => {
  const withGrid = { ...tiny, grid: { alpha: [0.3, 0.7], "teacher.epochs": [1, 2], temperatures: [[2], [4, 8]] } };
  const points = resolveExperimentGrid<TemperatureSweepExperiment>(withGrid, { file: "g.json", budget: "ci" });
  assert.is(points.length, 8);
  assert.equal(points.map((p) => p.name).slice(0, 3), ["tiny-sweep.1", "tiny-sweep.2", "tiny-sweep.3"]);
  assert.equal(points[3].gridPoint, { alpha: 0.3, "teacher.epochs": 2, temperatures: [4, 8] });
  assert.equal([points[3].config.alpha, points[3].config.teacher.epochs, points[3].config.temperatures, points[3].config.seeds], [0.3, 2, [4, 8], [0]]);
  assert.is(new Set(points.map((p) => p.fingerprint)).size, 8, "every point is its own configuration");
  assert.equal(resolveExperimentGrid(tiny, { file: "t.json", budget: "ci" }).map((p) => p.name), ["tiny-sweep"], "no grid: the experiment itself");
  assert.throws(() => resolveExperimentGrid({ ...tiny, grid: { alpha: [0.5, 1] } }, { file: "g.json", budget: "full" }), /at grid point 2 \(alpha = 1\)[\s\S]*config.alpha: got 1/);
  assert.throws(() => resolveExperimentGrid({ ...tiny, grid: { "alpha.x": [1] } }, { file: "g.json", budget: "full" }), /grid: got \["alpha.x"\]; expected paths of fields in config/);
  assert.throws(() => resolveExperimentGrid({ ...tiny, grid: { alpha: [] } }, { file: "g.json", budget: "full" }), /grid.alpha/);
});

test("the runner writes the notebook's results file: config, budget, fingerprint, every run", async () => {
  const exp = resolveExperiment<TemperatureSweepExperiment>(tiny, { file: "tiny.json", budget: "ci" });
  const lines: string[] = [];
  const { results } = await runTemperatureSweep(exp, { workers: 1, log: (l) => lines.push(l) });
  assert.is(results.runs.length, 2, "1 setting × 1 seed × (hard + T=2)");
  assert.is(results.summary.length, 2);
  assert.ok(results.runs.every((r) => r.testAcc >= 0 && r.testAcc <= 1));
  const file = saveExperimentResults(exp, results, Date.now(), path.join(tmp, "tiny.json"));
  const saved = JSON.parse(fs.readFileSync(file, "utf8"));
  assert.equal(Object.keys(saved), ["name", "createdAt", "environment", "experiment", "budget", "fingerprint", "config", "results", "runSeconds"]);
  assert.is(saved.budget, "ci");
  assert.equal(saved.config.seeds, [0]);
  assert.is(saved.fingerprint, exp.fingerprint);
});

test.run();

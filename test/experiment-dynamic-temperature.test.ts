/**
 * Notebook 02's experiment (dynamic-temperature): its file is valid for both
 * budgets, bad fields are reported with their path, and a tiny run through
 * the notebook's runner gives results of the saved shape — the same across
 * processes as serially.
 */
import * as fs from "fs";
import * as path from "path";
import type { z } from "zod";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { initBackend } from "../src/backend";
import { runDynamicTemperature } from "../src/experiment/runners/dynamic-temperature";
import { DynamicTemperatureExperiment, dynamicTemperatureKind, dynamicTemperatureSchema } from "../src/experiment/schema/dynamic-temperature";
import { loadExperiment, resolveExperiment } from "../src/experiment/schema/experiment-file";
import { projectRoot } from "../src/paths";

test.before(async () => {
  await initBackend({ log: false });
});

// The written-out configuration type is what the schema outputs (checked by tsc, strict).
const sameType = (x: z.output<typeof dynamicTemperatureSchema>): DynamicTemperatureExperiment => x;
void sameType;

const fileRaw = () => JSON.parse(fs.readFileSync(path.join(projectRoot(), "experiments", "02-dynamic-temperature.json"), "utf8"));
const problems = (raw: unknown): string => {
  try {
    resolveExperiment(raw, { file: "test.json", budget: "full", kinds: dynamicTemperatureKind });
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("expected a ConfigError");
};

test("experiments/02-dynamic-temperature.json is valid for both budgets; ci keeps seeds 0-2 of the same runs", () => {
  const full = loadExperiment<DynamicTemperatureExperiment>("02-dynamic-temperature", { budget: "full", kinds: dynamicTemperatureKind });
  const ci = loadExperiment<DynamicTemperatureExperiment>("02-dynamic-temperature", { budget: "ci", kinds: dynamicTemperatureKind });
  assert.is(full.kind, "dynamic-temperature");
  assert.equal(full.config.seeds, [0, 1, 2, 3, 4]);
  assert.equal(ci.config.seeds, [0, 1, 2]);
  assert.equal({ ...ci.config, seeds: full.config.seeds }, full.config, "only the seeds differ");
  assert.equal(full.config.variants.map((v) => v.name), ["hard labels", "fixed T=4", "fixed T=1", "linear 4→1", "cosine 4→1"]);
  assert.is(full.config.student.activation, "relu", "defaults filled");
});

test("bad fields are reported with their path, value and what was expected", () => {
  const raw = fileRaw();
  raw.config.variants[3].schedule.base = -4;
  raw.config.student.width = 3;
  raw.config.thresholds = [0.9, 1.5];
  const msg = problems(raw);
  assert.match(msg, /config\.variants\[3\]\.schedule\.base: got -4; expected a number > 0/);
  assert.match(msg, /config\.student\.width: got 3; expected no such field \(unknown field; allowed fields: hidden, activation, dropout, batchSize, learningRate\)/);
  assert.match(msg, /config\.thresholds\[1\]: got 1\.5; expected a number ≤ 1/);
});

test("comparisons and the claim must name variants (refinements with their path)", () => {
  const raw = fileRaw();
  raw.config.comparisons[1].baseline = "fixed T=8";
  raw.config.claim = { candidate: "cosine 4→1", baseline: "fixed T=1" };
  const msg = problems(raw);
  assert.match(msg, /config\.comparisons\[1\]\.baseline: got "fixed T=8"; expected the name of a variant \(one of "hard labels", /);
  assert.match(msg, /config\.claim: got .*expected one of the comparisons/);
  const dup = fileRaw();
  dup.config.variants[2].name = "fixed T=4";
  assert.match(problems(dup), /config\.variants: .*unique names \("fixed T=4" appears twice\)/);
  const alpha = fileRaw();
  alpha.config.alpha = 1;
  assert.match(problems(alpha), /config\.alpha: got 1; expected a number < 1/);
});

test("a tiny run: results of the saved shape, the decay recorded, the same across two processes as serially", async () => {
  const raw = fileRaw();
  raw.config.teacher = { hidden: [16], epochs: 2 };
  raw.config.student.hidden = [4];
  raw.config.epochs = 4;
  raw.config.seeds = [0, 1];
  raw.config.variants = raw.config.variants.filter((v: { name: string }) => ["hard labels", "fixed T=4", "linear 4→1"].includes(v.name));
  raw.config.thresholds = [0.2, 0.5];
  raw.config.comparisons = [{ candidate: "linear 4→1", baseline: "fixed T=4" }];
  const exp = resolveExperiment<DynamicTemperatureExperiment>(raw, { file: "tiny.json", budget: "full", kinds: dynamicTemperatureKind });
  const quiet = { log: () => {} };
  const serial = await runDynamicTemperature(exp, { ...quiet, workers: 1 });
  const parallel = await runDynamicTemperature(exp, { ...quiet, workers: 2 });
  const r = serial.results;
  assert.equal(Object.keys(r), ["teacher", "student", "trials", "finalAccuracy", "convergence", "speedups", "verdict", "reading", "runs"]);
  assert.is(r.runs.length, 6);
  assert.equal(r.runs.map((x) => `${x.seed} ${x.variant}`).slice(0, 3), ["0 hard labels", "0 fixed T=4", "0 linear 4→1"], "seed-major, variants in file order");
  assert.is(r.convergence.length, 3 * 2);
  assert.is(r.speedups.length, 2);
  assert.is(r.reading.length, 2);
  assert.ok(r.runs.every((x) => x.curve.length === 4));
  assert.equal(parallel.results.runs.map((x) => x.finalAcc), r.runs.map((x) => x.finalAcc), "parallel = serial");
  // The linear schedule decays over the whole budget (tMax = epochs × steps per epoch), from 4 towards 1.
  const linear = r.runs.find((x) => x.variant === "linear 4→1")!;
  const temps = linear.curve.map((p) => p.temperature!);
  assert.ok(temps[0] < 4 && temps[0] > temps[3] && temps[3] >= 1, `decaying: ${temps}`);
  assert.is(r.trials.find((t) => t.variant === "linear 4→1")!.schedule!.kind, "linear");
  assert.is((r.trials.find((t) => t.variant === "linear 4→1")!.schedule as { tMax: number }).tMax, 4 * r.student.stepsPerEpoch);
  assert.ok(r.runs.filter((x) => x.variant === "hard labels").every((x) => x.curve.every((p) => p.temperature === null)));
  assert.is(serial.recordedTemperatures.length, 2, "the two scheduled variants");
});

test.run();

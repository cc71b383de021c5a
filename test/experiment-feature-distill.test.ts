import * as assert from "uvu/assert";
import { test } from "uvu";
import * as fs from "fs";
import * as path from "path";
import { initBackend } from "../src/backend";
import { ConfigError } from "../src/experiment/config";
import { runFeatureDistill } from "../src/experiment/runners/feature-distill";
import { compositionLosses } from "../src/experiment/feature-distill";
import { loadExperiment, resolveExperiment } from "../src/experiment/schema/experiment-file";
import type { FeatureDistillExperiment } from "../src/experiment/schema/feature-distill";
import { loadRecordedRun } from "../src/experiment/recorded-run";

const FILE = path.join(__dirname, "..", "experiments", "06-feature-distillation.json");
const raw = () => JSON.parse(fs.readFileSync(FILE, "utf8"));

test.before(async () => {
  await initBackend();
});

test("experiments/06-feature-distillation.json is valid for both budgets; ci runs a subset of the full seeds", () => {
  const full = loadExperiment<FeatureDistillExperiment>("06-feature-distillation", { budget: "full" });
  const ci = loadExperiment<FeatureDistillExperiment>("06-feature-distillation", { budget: "ci" });
  assert.is(full.kind, "feature-distill");
  assert.equal(full.config.seeds, [0, 1, 2, 3, 4]);
  assert.ok(ci.config.seeds.every((s) => full.config.seeds.includes(s)) && ci.config.seeds.length < full.config.seeds.length);
  assert.equal({ ...ci.config, seeds: full.config.seeds }, full.config, "the ci budget changes nothing but the seeds");
  assert.equal(full.config.variants.map((v) => v.name), ["hard labels", "response", "DKD", "CRD", "CRD · memory bank", "+ features", "+ attention", "+ relational", "all"]);
  assert.equal(full.config.publishedOrdering?.methods.map((m) => m.variant), ["response", "CRD", "DKD"]);
  assert.is(full.config.data.kind, "digits");
});

test("the variants' terms are the composition shorthand's, in the same order", () => {
  const c = loadExperiment<FeatureDistillExperiment>("06-feature-distillation", { budget: "full" }).config;
  const response = { ce: 0.5, kd: 0.5, temperature: 4 };
  const features = [{ student: "layer0", teacher: "layer1", adapter: "dense" as const, loss: "l2" as const, weight: 1 }];
  const attention = [{ studentLayer: 0, teacherLayer: -1, loss: "kl" as const, heads: "mean" as const, weight: 1 }];
  const relational = [{ kind: "sp" as const, student: "pooled", teacher: "pooled", weight: 10 }];
  const old = [{ ce: 1 }, response, { ...response, features }, { ...response, attention }, { ...response, relational }, { ...response, features, attention, relational }];
  const older = c.variants.filter((v) => !["DKD", "CRD", "CRD · memory bank"].includes(v.name));
  old.forEach((comp, i) => assert.equal(older[i].losses, compositionLosses(comp), older[i].name));
  // The pair's own loss kind becomes the term's "metric" ("loss" names the registry entry).
  assert.equal(compositionLosses({ features: [{ ...features[0], loss: "cosine" }] })[1], { loss: "hint", weight: 1, student: "layer0", teacher: "layer1", adapter: "dense", metric: "cosine" });
});

test("a bad field is reported with its path, its value and what was expected", () => {
  const r = raw();
  r.config.variants[5].losses[2].weight = -1;
  r.config.student.layerz = 3;
  r.config.reference = "responses";
  r.budgets.ci.seeds = [0, 0];
  try {
    resolveExperiment(r, { file: FILE, budget: "full" });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, ConfigError);
    const m = (e as Error).message;
    assert.match(m, /config\.variants\[5\]\.losses\[2\]\.weight: got -1; expected/);
    assert.match(m, /config\.student.*layerz/);
    assert.match(m, /config\.reference: got "responses"; expected "responses" is not a variant \(variants: hard labels, response/);
  }
  // The ci budget's own override is checked when that budget runs.
  const r2 = raw();
  r2.budgets.ci.seeds = [0, 0];
  assert.throws(() => resolveExperiment(r2, { file: FILE, budget: "ci" }), /config\.seeds: got \[0,0\]; expected distinct seeds/);
});

test("runner on a tiny configuration: one row per (seed, variant), the reference paired with itself, adapters only for hints and CRD's heads, the published ordering checked", async () => {
  const r = raw();
  Object.assign(r.config, { seeds: [0, 1], epochs: 2, trainFraction: 0.1, pictureVariants: ["response"] });
  r.config.teacher.epochs = 1;
  r.config.variants = r.config.variants.filter((v: { name: string }) => ["response", "DKD", "CRD", "+ features"].includes(v.name));
  delete r.config.baseline;
  const exp = resolveExperiment<FeatureDistillExperiment>(r, { file: FILE, budget: "full" });
  const lines: string[] = [];
  const run = await runFeatureDistill(exp, { workers: 1, log: (l) => lines.push(l) });
  const res = run.results;
  assert.is(res.runs.length, 8);
  assert.equal(res.runs.map((x) => `${x.seed}:${x.variant}`), ["0:response", "0:DKD", "0:CRD", "0:+ features", "1:response", "1:DKD", "1:CRD", "1:+ features"]);
  assert.ok(res.runs.every((x) => x.testAcc >= 0 && x.testAcc <= 1 && x.trainSamples === res.data.studentRows));
  assert.equal(res.summary.map((s) => s.variant), ["response", "DKD", "CRD", "+ features"]);
  const ref = res.summary[0];
  assert.is(ref.pairedT, null);
  assert.is(ref.gainOverReference, 0);
  assert.equal(res.student.adapterParams, { response: 0, DKD: 0, CRD: 8 * 32 + 32 + (32 * 32 + 32), "+ features": 8 * 32 + 32 }, "a dense adapter 8 → 32 for the hint; CRD's two heads 8 → 32 and 32 → 32");
  assert.equal(Object.keys(res.pictures.students), ["response", "DKD", "CRD", "+ features"]);
  assert.ok(res.ordering, "the published ordering is checked");
  assert.equal(res.ordering!.means.map((m) => m.label), ["KD", "CRD", "DKD"]);
  assert.is(res.ordering!.steps.length, 2);
  assert.ok(["holds", "reversed", "not shown"].includes(res.ordering!.verdict));
  assert.is(res.pictures.teacher.length, 4, "teacher picture: one map per head");
  assert.is(run.curves.length, 8 * 2);
  assert.ok(res.reading[0].includes("**response** (the reference)"));
  assert.ok(lines.some((l) => l.startsWith("teacher epoch")) === false, "1 teacher epoch logs no 10th-epoch line");
});

test("the recorded full-budget run is of this experiment file's full configuration, every run of it, with the ordering checked", () => {
  const recorded = loadRecordedRun<{ runs: { variant: string; seed: number }[]; ordering: { steps: unknown[] } | null }>("06-feature-distillation");
  assert.ok(recorded, "results/06-feature-distillation.full.json is committed");
  const exp = loadExperiment<FeatureDistillExperiment>("06-feature-distillation", { budget: "full" });
  assert.is(recorded!.fingerprint, exp.fingerprint, "same configuration as experiments/06-feature-distillation.json at its full budget");
  assert.is(recorded!.results.runs.length, exp.config.seeds.length * exp.config.variants.length);
  assert.is(recorded!.results.ordering!.steps.length, 2);
});

test.run();

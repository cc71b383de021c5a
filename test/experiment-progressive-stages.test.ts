/**
 * Notebook 05's experiment (progressive-stages): its file is valid for both
 * budgets, bad fields are reported with their path, unequal steps within a
 * budget are refused once the data is known, and a tiny run through the
 * notebook's runner gives results of the saved shape.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { z } from "zod";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { initBackend } from "../src/backend";
import { runProgressiveStages } from "../src/experiment/runners/progressive-stages";
import { loadExperiment, resolveExperiment } from "../src/experiment/schema/experiment-file";
import { ProgressiveStagesExperiment, progressiveStagesKind, progressiveStagesSchema } from "../src/experiment/schema/progressive-stages";
import { projectRoot } from "../src/paths";

test.before(async () => {
  await initBackend({ log: false });
});

// The written-out configuration type is what the schema outputs (checked by tsc, strict).
const sameType = (x: z.output<typeof progressiveStagesSchema>): ProgressiveStagesExperiment => x;
void sameType;

const fileRaw = () => JSON.parse(fs.readFileSync(path.join(projectRoot(), "experiments", "05-progressive-stages.json"), "utf8"));
const problems = (raw: unknown): string => {
  try {
    resolveExperiment(raw, { file: "test.json", budget: "full", kinds: progressiveStagesKind });
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("expected a ConfigError");
};
const quiet = { log: () => {} };

test("experiments/05-progressive-stages.json is valid for both budgets; ci keeps seeds 0-2 of the same runs", () => {
  const full = loadExperiment<ProgressiveStagesExperiment>("05-progressive-stages", { budget: "full", kinds: progressiveStagesKind });
  const ci = loadExperiment<ProgressiveStagesExperiment>("05-progressive-stages", { budget: "ci", kinds: progressiveStagesKind });
  assert.is(full.kind, "progressive-stages");
  assert.equal(full.config.seeds, [0, 1, 2, 3, 4]);
  assert.equal(ci.config.seeds, [0, 1, 2]);
  assert.equal({ ...ci.config, seeds: full.config.seeds }, full.config, "only the seeds differ");
  assert.is(full.config.variants.length, 8);
  assert.ok(full.config.variants.every((v) => v.stages.every((s) => s.fraction === 1)), "fraction defaults to 1");
});

test("bad fields are reported with their path, value and what was expected", () => {
  const raw = fileRaw();
  raw.config.variants[0].stages[2].alpha = -0.5;
  raw.config.variants[1].stages[0].temprature = 4;
  delete raw.config.variants[4].stages[1].alpha;
  const msg = problems(raw);
  assert.match(msg, /config\.variants\[0\]\.stages\[2\]\.alpha: got -0\.5; expected a number ≥ 0/);
  assert.match(msg, /config\.variants\[1\]\.stages\[0\]\.temprature: got 4; expected no such field \(unknown field; allowed fields: name, temperature, alpha, /);
  assert.match(msg, /config\.variants\[4\]\.stages\[1\]\.alpha: got missing; expected a value \(required field\)/);
  const prog = fileRaw();
  prog.config.progressive = "three stages";
  assert.match(problems(prog), /config\.progressive: got "three stages"; expected the name of a variant \(one of "progressive T=4→2→1", /);
  const dup = fileRaw();
  dup.config.variants[2].name = "single stage T=4";
  assert.match(problems(dup), /config\.variants\[2\]\.name: got "single stage T=4"; expected a name not used twice in budget "2,100 steps"/);
});

const tinyRaw = () => {
  const raw = fileRaw();
  raw.config.teacher = { hidden: [16], epochs: 2 };
  raw.config.student = { hidden: [4] };
  raw.config.seeds = [0, 1];
  const st = (name: string, temperature: number, alpha: number, epochs: number, batchSize: number) => ({ name, temperature, alpha, epochs, batchSize, learningRate: 1e-3 });
  // 21 steps per epoch at batch 64: the staged student runs 2 + 1 epochs, the one-stage student 3, both 63 steps.
  raw.config.variants = [
    { name: "staged", budget: "b", stages: [st("T=4", 4, 0.5, 2, 64), st("T=1", 1, 0.5, 1, 64)] },
    { name: "one stage", budget: "b", stages: [st("T=4", 4, 0.5, 3, 64)] },
  ];
  raw.config.progressive = "staged";
  raw.config.latency = { batchSize: 8, repeats: 2 };
  return raw;
};

test("unequal steps within a budget are refused with the variants' steps, before any training", async () => {
  const raw = tinyRaw();
  raw.config.variants[1].stages[0].epochs = 4;
  const exp = resolveExperiment<ProgressiveStagesExperiment>(raw, { file: "tiny.json", budget: "full", kinds: progressiveStagesKind });
  await runProgressiveStages(exp, quiet).then(
    () => assert.unreachable("should have thrown"),
    (e) => assert.match(e.message, /config\.variants: got budget "b": staged 63, one stage 84 steps; expected the same total optimiser steps for every variant of budget "b" \(1297 training rows\)/),
  );
});

test("a tiny run: results of the saved shape, one optimiser across stages, equal steps, boundaries where the stages change", async () => {
  const exp = resolveExperiment<ProgressiveStagesExperiment>(tinyRaw(), { file: "tiny.json", budget: "full", kinds: progressiveStagesKind });
  const reports = fs.mkdtempSync(path.join(os.tmpdir(), "progressive-reports-"));
  const before = process.env.REPORTS_DIR;
  process.env.REPORTS_DIR = reports;
  let run: Awaited<ReturnType<typeof runProgressiveStages>>;
  try {
    run = await runProgressiveStages(exp, { ...quiet, workers: 2 });
    // The best run's student and the teacher are exported with their image preprocessing, for npm run deploy.
    const ex = run.results.exported!;
    const best = run.results.summary.reduce((a, b) => (b.meanAcc > a.meanAcc ? b : a));
    assert.equal([ex.student.budget, ex.student.variant, ex.student.seed], [best.budget, best.variant, 0]);
    for (const dir of [ex.studentDir, ex.teacherDir]) {
      const json = JSON.parse(fs.readFileSync(path.join(reports, dir, "model.json"), "utf8"));
      assert.equal([json.userDefinedMetadata.imageInput.width, json.userDefinedMetadata.imageInput.rawMax], [8, 16], dir);
    }
  } finally {
    if (before === undefined) delete process.env.REPORTS_DIR;
    else process.env.REPORTS_DIR = before;
    fs.rmSync(reports, { recursive: true, force: true });
  }
  const r = run.results;
  assert.equal(Object.keys(r), ["teacher", "student", "paramRatio", "latencySpeedup", "throughputSpeedup", "summary", "reading", "exported", "optimizerIterationsMatchSteps", "runs", "curves"]);
  assert.is(r.runs.length, 4);
  assert.equal(r.runs.map((x) => `${x.seed} ${x.variant}`), ["0 staged", "0 one stage", "1 staged", "1 one stage"]);
  assert.ok(r.optimizerIterationsMatchSteps);
  assert.ok(r.runs.every((x) => x.steps === 63));
  assert.is(r.summary.length, 2);
  assert.is(r.reading.length, 3, "one budget line, speed, the claim");
  assert.ok(r.curves.every((c) => c.step.length === 3 && c.testAcc.length === 3));
  // The staged run switches stage once, after its 2 epochs of 21 steps.
  assert.equal(run.stageBounds, [{ budget: "b", stage: "T=4", step: 42 }]);
  assert.is(run.meanCurves.length, 2 * 3);
  const mean = run.meanCurves.find((p) => p.variant === "one stage" && p.step === 63)!;
  const last = r.runs.filter((x) => x.variant === "one stage").map((x) => x.testAcc);
  assert.ok(Math.abs(mean.testAcc - (last[0] + last[1]) / 2) < 1e-4, "mean curve ends at the mean final accuracy");
});

test.run();

import { test } from "uvu";
import * as assert from "uvu/assert";
import { initBackend } from "../src/backend";
import { loadExperiment, resolveExperiment } from "../src/experiment/schema/experiment-file";
import type { SemiSupervisedExperiment } from "../src/experiment/schema/semi-supervised";
import { runSemiSupervised } from "../src/experiment/runners/semi-supervised";
import { UsedPseudoLabels, summarizeUsedPseudoLabels, usedPseudoLabelTable } from "../src/experiment/semi-supervised";

const FILE = "04-semi-supervised-10pct";

test.before(async () => {
  await initBackend({ log: false });
});

test("experiments/04: valid for both budgets; the CI budget cuts seeds, steps and teacher epochs only", () => {
  const full = loadExperiment<SemiSupervisedExperiment>(FILE, { budget: "full" });
  const ci = loadExperiment<SemiSupervisedExperiment>(FILE, { budget: "ci" });
  assert.is(full.kind, "semi-supervised");
  assert.equal([full.config.seeds, full.config.steps, full.config.teacher.epochs], [[0, 1, 2, 3, 4], 4200, 200]);
  assert.equal([ci.config.seeds, ci.config.steps, ci.config.teacher.epochs], [[0, 1, 2], 1386, 100]);
  assert.equal({ ...ci.config, seeds: full.config.seeds, steps: full.config.steps, teacher: full.config.teacher }, full.config, "nothing else differs");
  assert.equal(full.config.variants.map((v) => v.method.rounds ?? 1), [1, 1, 1, 1, 2, 1]);
});

const perturb = { noiseStd: 0.1, shiftProb: 0.5, imageSide: 8 };
function raw(): any {
  return JSON.parse(JSON.stringify({
    experiment: "semi-supervised",
    name: "t",
    config: {
      labelledFraction: 0.1,
      seeds: [3],
      teacher: { hidden: [32], epochs: 3, batchSize: 64, learningRate: 0.01 },
      student: { hidden: [8], batchSize: 64, learningRate: 0.01 },
      steps: 42,
      temperature: 4,
      thresholds: [0, 0.9, 1],
      variants: [
        { name: "hard", method: { rows: "labelled" } },
        // A threshold of 1 keeps (almost surely) no pseudo-label: that run has no accuracy of kept labels.
        { name: "strict", method: { rows: "all", pseudo: { weight: 1, threshold: 1 } } },
        { name: "full", method: { rows: "all", pseudo: { weight: 1, threshold: 0.5 }, consistency: { weight: 1, perturb }, rounds: 2 } },
        { name: "all labels", method: { rows: "labelled", allLabels: true } },
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
  r.config.variants[1].method.pseudo.weight = -0.5;
  r.config.variants[2].method.consistency.perturb.noiseStd = -1;
  r.config.thresholds = [1.2];
  r.config.student.momentum = 0.9;
  const msg = problems(r);
  assert.match(msg, /config\.variants\[1\]\.method\.pseudo\.weight: got -0\.5; expected a number ≥ 0/);
  assert.match(msg, /config\.variants\[2\]\.method\.consistency\.perturb\.noiseStd: got -1; expected a number ≥ 0/);
  assert.match(msg, /config\.thresholds\[0\]: got 1\.2; expected a number ≤ 1/);
  assert.match(msg, /config\.student\.momentum: got 0\.9; expected no such field/);
  const s = raw();
  s.config.variants[0].method.pseudo = { weight: 1, threshold: 0.9 };
  s.config.variants[3].method.rounds = 2;
  const m = problems(s);
  assert.match(m, /config\.variants\[0\]\.method\.pseudo: got \{"weight":1,"threshold":0\.9\}; expected no pseudo-labels with rows "labelled"/);
  assert.match(m, /config\.variants\[3\]\.method\.rounds: got 2; expected 1 without pseudo-labels/);
});

test("a run that kept no pseudo-label has no accuracy of kept labels (null, 'none kept'), never 0 %", () => {
  const row = (seed: number, kept: number, accuracy: number | null): UsedPseudoLabels => ({ variant: "v", round: 1, seed, source: "teacher", threshold: 0.99, rows: 100, kept, coverage: kept / 100, accuracy });
  const [s] = summarizeUsedPseudoLabels([row(0, 10, 0.9), row(1, 0, null), row(2, 20, 0.8)]);
  assert.ok(Math.abs(s.accuracy! - 0.85) < 1e-12, `mean over the seeds that kept any: ${s.accuracy}`);
  assert.is(s.noneKept, 1);
  assert.ok(Math.abs(s.coverage - 0.1) < 1e-12, "coverage over every seed");
  const [none] = summarizeUsedPseudoLabels([row(0, 0, null), row(1, 0, null)]);
  assert.is(none.accuracy, null);
  assert.is(usedPseudoLabelTable([none])[0]["accuracy of kept %"], "none kept");
});

test("the runner on a tiny configuration: the results' shape, same steps for every variant, none kept at threshold 1", async () => {
  const exp = resolveExperiment<SemiSupervisedExperiment>(raw(), { file: "t.json", budget: "full" });
  const run = await runSemiSupervised(exp, { workers: 1, log: () => {} });
  const r = run.results;
  assert.equal(r.splits, [{ seed: 3, labelled: 130, unlabelled: 1167, test: 500 }]);
  assert.is(r.teachers.length, 1);
  assert.equal(r.runs.map((x) => x.variant), ["hard", "strict", "full", "all labels"]);
  assert.equal(r.summary.map((x) => x.steps), [42, 42, 42, 42], "the same optimiser steps for every variant");
  assert.equal(r.runs.find((x) => x.variant === "full")!.rounds.map((q) => q.round), [1, 2]);
  assert.is(r.thresholdCurve.length, 3);
  assert.is(r.thresholdSummary[0].coverage, 1, "threshold 0 keeps every row");
  const strict = r.usedPseudoLabelSummary.find((u) => u.variant === "strict")!;
  assert.is(strict.noneKept, 1);
  assert.is(strict.accuracy, null, "no pseudo-label kept: no accuracy");
  assert.is(r.runs.find((x) => x.variant === "strict")!.rounds[0].pseudoKept, 0);
  assert.ok(r.reading.some((l) => l.startsWith("- **The teacher**")));
  assert.is(r.curves.length, 4);
  assert.ok(run.charts.curves.every((p) => p.variant !== "full"), "two-round runs are left out of the step curves");
});

test.run();

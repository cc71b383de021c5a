/**
 * Notebook 07's beyond-KD experiment as a function: the base experiment's data
 * and teacher (same budget), the strict teacher, every arm × seed through
 * runSweep, the comparisons' summaries, readings and ordering checks.
 */
import * as path from "path";
import { pct } from "../../analysis/format";
import { stepMatchedEpochs } from "../multi-teacher-trial";
import { RunOptions } from "../experiment-results";
import { loadFashionData } from "../fashion";
import { beyondKdShared } from "../beyond-kd/data";
import { summarizeComparison } from "../beyond-kd/summary";
import { BeyondKdContext, BeyondKdPoint, BeyondKdTrialResult, beyondKdSetup, beyondKdTrial } from "../beyond-kd/trial";
import type { BeyondKdShared } from "../beyond-kd/data";
import { runSweep } from "../sweep";
import { ExperimentFile, loadExperiment } from "../schema/experiment-file";
import type { FashionBeyondKdExperiment } from "../schema/fashion-beyond-kd";
import { FashionMnistExperiment, fashionMnistKind } from "../schema/fashion-mnist";

export async function runFashionBeyondKd(exp: ExperimentFile<FashionBeyondKdExperiment>, opts: RunOptions = {}) {
  const c = exp.config;
  const log = opts.log ?? console.log;
  const base = loadExperiment<FashionMnistExperiment>(c.base, { budget: exp.budget, kinds: fashionMnistKind }).config;
  const data = await loadFashionData(base);
  try {
    log(`Fashion-MNIST (${base.budget} budget of ${c.base}): ${data.fit.numSamples} fit rows, ${data.test.numSamples} test rows`);
    const { shared, teachers } = await beyondKdShared(c, base, data, log);
    const labelledN = shared.labelled.length;
    const epochsOf = (rows: string) => (rows === "labelled" ? stepMatchedEpochs(data.fit.numSamples, c.epochs, labelledN, c.student.batchSize) : c.epochs);
    const points: BeyondKdPoint[] = c.arms.map((arm) => ({ arm, student: c.student, epochs: epochsOf(arm.rows) }));
    const swept = await runSweep<BeyondKdPoint, BeyondKdTrialResult, BeyondKdShared, BeyondKdContext>({
      label: "beyond-kd",
      points,
      seeds: c.seeds,
      module: path.join(__dirname, "..", "beyond-kd", "trial.ts"),
      fn: "beyondKdTrial",
      setup: "beyondKdSetup",
      local: { fn: beyondKdTrial, setup: beyondKdSetup },
      shared,
      workers: opts.workers,
      describe: (p, seed) => `${p.arm.name} · seed ${seed}`,
      report: (r) => `test accuracy ${pct(r.row.testAcc)}`,
    });
    const runs = swept.map((s) => s.result.row);
    const comparisons = c.comparisons.map((cmp) => summarizeComparison(runs, cmp));
    const results = {
      budget: base.budget,
      data: { fitRows: data.fit.numSamples, labelledRows: labelledN, testRows: data.test.numSamples, labelledFraction: c.labelledFraction },
      teachers,
      student: { hidden: c.student.hidden, params: swept[0].result.params },
      arms: points.map((p) => ({ name: p.arm.name, rows: p.arm.rows, teacher: p.arm.teacher ?? null, epochs: p.epochs, losses: p.arm.losses })),
      comparisons,
      runs,
      curves: swept.flatMap((s) => s.result.curve).filter((p) => p.epoch % 5 === 0 || p.epoch === 1),
    };
    return { results };
  } finally {
    data.dispose();
  }
}

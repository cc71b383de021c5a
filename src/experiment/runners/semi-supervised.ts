/**
 * Notebook 04 as a function: the labelling per seed, the teachers on the
 * labelled rows, every (seed, variant) student with the same optimiser steps,
 * the summary and reading, and — after training, against the hidden labels —
 * the pseudo-labels' coverage and accuracy per threshold and of the ones each
 * run trained on: everything the results file holds, and the charts' data.
 */
import { loadDataset } from "../data-source";
import type { DatasetConfig } from "../schema/blocks";
import type { MlpTrainSpec } from "../runs";
import { RunOptions } from "../experiment-results";
import { compactCurves } from "../results";
import type { ExperimentFile } from "../schema/experiment-file";
import type { SemiSupervisedExperiment } from "../schema/semi-supervised";
import { summarizeThresholds, summarizeUsedPseudoLabels, thresholdCurve, usedPseudoLabels } from "../semi-supervised-evaluation";
import { readSsl, summarizeSsl, teacherAccuracy } from "../semi-supervised-summary";
import { labelledSplits, runSslTrials, sslShared, sslTrials } from "../semi-supervised-sweep";
import type { SslConfig, SslVariant } from "../semi-supervised-types";

export async function runSemiSupervised(exp: ExperimentFile<SemiSupervisedExperiment>, opts: RunOptions = {}) {
  const c = exp.config;
  const log = opts.log ?? console.log;
  // The casts are for tslab, which compiles without strict (zod's inferred fields all optional there); the schema has filled every default.
  const data = loadDataset(c.data as DatasetConfig);
  const config: SslConfig = {
    dataSeed: c.data.seed,
    labelledFraction: c.labelledFraction,
    seeds: c.seeds,
    teacher: c.teacher as MlpTrainSpec,
    student: c.student as Omit<MlpTrainSpec, "epochs">,
    steps: c.steps,
    temperature: c.temperature,
    thresholds: c.thresholds,
    variants: c.variants as SslVariant[],
  };
  // The labelling (stratified by class, per seed): done once, before any training.
  const splits = labelledSplits(data.train.y, c.labelledFraction, c.seeds);
  const plan = sslTrials(config, data.train.y, splits);
  log(`budget ${exp.budget}: ${plan.teacher ? c.seeds.length : 0} teachers, then ${c.variants.length} variants × ${c.seeds.length} seeds = ${c.variants.length * c.seeds.length} students of ${c.steps} steps`);
  const shared = sslShared({ trainX: data.train.x, testX: data.test.x, testY: data.test.y, numFeatures: data.train.numFeatures, numClasses: data.train.numClasses });
  const run = await runSslTrials(shared, plan, { workers: opts.workers });
  const summary = summarizeSsl(config, run.students);
  // After training: the hidden labels are read here, and only here.
  const curve = thresholdCurve(run.teachers, splits, data.train.y, data.train.numClasses, c.thresholds);
  const thresholdOf = (variant: string) => c.variants.find((v) => v.name === variant)?.method.pseudo?.threshold ?? 0;
  const used = usedPseudoLabels(run.students, splits, data.train.y, thresholdOf);
  const results = {
    splits: c.seeds.map((s) => ({ seed: s, labelled: splits.get(s)!.labelled.length, unlabelled: splits.get(s)!.unlabelled.length, test: data.test.numSamples })),
    teachers: run.teachers.map((t) => ({ seed: t.seed, testAcc: t.testAcc, params: t.params, ms: t.ms })),
    teacherAccuracy: teacherAccuracy(run.teachers),
    summary,
    reading: readSsl(config, summary, run.students, c.claimedOfFull, run.teachers),
    thresholdCurve: curve,
    thresholdSummary: summarizeThresholds(curve),
    usedPseudoLabels: used,
    usedPseudoLabelSummary: summarizeUsedPseudoLabels(used),
    runs: run.students.map((s) => ({
      variant: s.variant,
      seed: s.seed,
      testAcc: s.testAcc,
      steps: s.steps,
      trainRows: s.trainRows,
      params: s.params,
      ms: s.ms,
      rounds: s.rounds.map((r) => ({ round: r.round, epochs: r.epochs, steps: r.steps, testAcc: r.testAcc, pseudoRows: r.pseudoRows, pseudoKept: r.pseudoKept, lastExtra: r.lastExtra })),
    })),
    curves: compactCurves(run.students.flatMap((s) => s.curve.map((p) => ({ variant: s.variant, seed: s.seed, epoch: p.epoch, testAcc: p.testAcc }))), (p) => ({ variant: p.variant, seed: p.seed })),
  };
  // Learning curves of the one-round variants, x in optimiser steps.
  const curves = run.students
    .filter((s) => s.rounds.length === 1)
    .flatMap((s) => s.curve.map((p) => ({ setting: `${s.steps} steps`, variant: s.variant, seed: s.seed, epoch: Math.round((p.epoch * s.steps) / s.curve.length), testAcc: p.testAcc })));
  return { results, charts: { curves } };
}

/**
 * Notebook 03 as a function: the teachers and their validation split, the
 * regimes (all fit rows; a fraction of them with step-matched epochs), every
 * (regime, seed, variant) student run, the summaries, paired comparisons and
 * readings — everything the results file holds — and the data of the charts.
 */
import { loadDataset } from "../data-source";
import type { DatasetConfig } from "../schema/blocks";
import type { MlpTrainSpec } from "../runs";
import { RunOptions } from "../experiment-results";
import { trainTeacherContext } from "../multi-teacher-context";
import { MultiTeacherSweepResult, multiTeacherSweep } from "../multi-teacher-sweep";
import { compareVariants, readMultiTeacher, summarizeVariants, weightCurves } from "../multi-teacher-summary";
import { stepMatchedEpochs, studentRows } from "../multi-teacher-trial";
import type { MultiTeacherRunConfig, MultiTeacherTrialResult, MultiTeacherTrialSpec, MultiTeacherVariant, TeacherSpec, TeacherSummary } from "../multi-teacher-types";
import type { VariantComparisons, VariantSummary } from "../multi-teacher-summary";
import type { ExperimentFile } from "../schema/experiment-file";
import type { MultiTeacherWeightingExperiment } from "../schema/multi-teacher-weighting";

/** Curves drawn in the learning-curve chart. */
export const CURVE_VARIANTS = ["hard labels", "only large", "uniform", "student-aware / epoch", "per sample (CA-MKD)"];

export interface RegimeResults {
  key: string;
  name: string;
  trainFraction: number;
  studentRows: number;
  epochs: number;
  steps: number;
  temperature: number;
  alpha: number;
  summary: VariantSummary[];
  comparisons: VariantComparisons[];
  reading: string[];
  trials: MultiTeacherTrialSpec[];
  runs: MultiTeacherTrialResult[];
}

/** What the results file holds (the field names of the notebook's results before the experiment files). */
export interface MultiTeacherWeightingResults {
  teachers: TeacherSummary[];
  fitRows: number;
  valRows: number;
  testRows: number;
  student: string;
  ensembles: MultiTeacherSweepResult["ensembles"];
  regimes: RegimeResults[];
}

export async function runMultiTeacherWeighting(exp: ExperimentFile<MultiTeacherWeightingExperiment>, opts: RunOptions = {}): Promise<{ results: MultiTeacherWeightingResults; charts: ReturnType<typeof multiTeacherCharts> }> {
  const c = exp.config;
  const log = opts.log ?? console.log;
  // The casts are for tslab, which compiles without strict (zod's inferred fields all optional there); the schema has filled every default.
  const teachers = c.teachers as TeacherSpec[];
  const variants = c.variants as MultiTeacherVariant[];
  const data = loadDataset(c.data as DatasetConfig);
  const ctx = await trainTeacherContext(data, { valFraction: c.valFraction, splitSeed: c.splitSeed, teachers }, log);
  try {
    const regimes = c.regimes.map((r) => {
      const rows = studentRows(ctx.fitLabels, r.trainFraction, c.seeds[0]).length;
      const epochs = r.epochs === "step-matched" ? stepMatchedEpochs(ctx.fitLabels.length, c.student.epochs, rows, c.student.batchSize) : r.epochs ?? c.student.epochs;
      const config: MultiTeacherRunConfig = { teachers, student: { ...(c.student as MlpTrainSpec), epochs }, trainFraction: r.trainFraction, temperature: r.temperature, alpha: c.alpha, seeds: c.seeds, variants };
      return { key: r.key, name: r.name, config };
    });
    log(`budget ${exp.budget}: ${regimes.length} regimes × ${c.variants.length} variants × ${c.seeds.length} seeds = ${regimes.length * c.variants.length * c.seeds.length} student runs`);
    const sweeps: MultiTeacherSweepResult[] = [];
    for (const r of regimes) sweeps.push(await multiTeacherSweep(ctx, r.config, { label: r.key, workers: opts.workers }));
    const summaries = sweeps.map((s) => summarizeVariants(s.results, s.trials));
    const results: MultiTeacherWeightingResults = {
      teachers: sweeps[0].teachers,
      fitRows: sweeps[0].fitRows,
      valRows: sweeps[0].valRows,
      testRows: ctx.test.x.shape[0],
      student: sweeps[0].studentArch,
      ensembles: sweeps[0].ensembles,
      regimes: regimes.map((r, i) => ({
        key: r.key,
        name: r.name,
        trainFraction: sweeps[i].trainFraction,
        studentRows: sweeps[i].studentRows,
        epochs: sweeps[i].epochs,
        steps: sweeps[i].steps,
        temperature: sweeps[i].temperature,
        alpha: r.config.alpha,
        summary: summaries[i],
        comparisons: compareVariants(summaries[i], sweeps[i].results),
        reading: readMultiTeacher(summaries[i], sweeps[i].results),
        trials: sweeps[i].trials,
        runs: sweeps[i].results,
      })),
    };
    return { results, charts: multiTeacherCharts(results) };
  } finally {
    ctx.dispose();
  }
}

/** The charts' data, from the results alone: accuracy per regime, teacher weights over epochs, learning curves. */
export function multiTeacherCharts(r: MultiTeacherWeightingResults) {
  const label = (g: RegimeResults) => `${g.name} (${g.studentRows} rows, ${g.steps} steps, T = ${g.temperature})`;
  const accuracy = r.regimes.map((g) => {
    const minAcc = Math.min(...g.runs.map((x) => x.testAcc));
    return {
      regime: label(g),
      rows: g.runs.map((x) => ({ variant: x.variant, seed: x.seed, testAcc: x.testAcc })),
      // Teachers far below every student would squash the axis.
      references: r.teachers.map((t) => ({ label: `teacher ${t.name}`, testAcc: t.testAcc })).filter((t) => t.testAcc >= minAcc - 0.02),
    };
  });
  const weights = r.regimes.map((g) => ({ key: g.key, name: g.name, points: weightCurves({ results: g.runs, teachers: r.teachers }).filter((p) => !p.variant.startsWith("only ")) }));
  const curves = r.regimes.flatMap((g) =>
    g.runs.filter((x) => CURVE_VARIANTS.includes(x.variant)).flatMap((x) => x.curve.map((p) => ({ setting: `${g.name} · ${g.epochs} epochs`, variant: x.variant, seed: x.seed, epoch: p.epoch, testAcc: p.testAcc }))),
  );
  return { accuracy, weights, curves };
}

/**
 * Notebook 07 as a function: the data, the three cached teachers, the
 * temperature sweep per student size, the students against the teachers, the
 * multi-teacher comparison and the gains next to the digits — everything the
 * results file holds (the same fields as before the experiment file), plus
 * what the notebook's tables and charts need besides.
 */
import { pct } from "../../analysis/format";
import * as tf from "@tensorflow/tfjs";
import { measureLatency } from "../../models/latency";
import { RunOptions } from "../experiment-results";
import { fashionMultiTeacherContext, fashionTeachers, loadFashionData } from "../fashion";
import { compareWithTeacher, digitsGains, fashionGains, readGains } from "../fashion-compare";
import { fashionMultiTeacherSweeps, fashionTemperatureSweeps } from "../fashion-sweeps";
import { readMultiTeacher, summarizeVariants } from "../multi-teacher";
import { compactCurves } from "../results";
import type { ExperimentFile } from "../schema/experiment-file";
import type { FashionMnistExperiment } from "../schema/fashion-mnist";
import { readSweep, summarizeSweep } from "../temperature-sweep";

export async function runFashionMnist(exp: ExperimentFile<FashionMnistExperiment>, opts: RunOptions = {}) {
  const c = exp.config;
  if (c.budget !== exp.budget) throw new Error(`${exp.file}: config.budget is "${c.budget}" but the ${exp.budget} budget is running (budgets.${exp.budget === "ci" ? "ci" : "…"} must set "budget": "${exp.budget}")`);
  const log = opts.log ?? console.log;
  const backend = tf.getBackend();
  const data = await loadFashionData(c);
  log(`Fashion-MNIST from ${data.dir}: ${data.fit.numSamples + data.val.numSamples} of ${data.fullTrain} training rows (${data.fit.numSamples} fit + ${data.val.numSamples} validation), ${data.test.numSamples} of ${data.fullTest} test rows (budget ${c.budget})`);
  const names = c.teachers.map((t) => t.name);
  const teachers = await fashionTeachers(c, data);
  try {
    const latency = teachers.map((t) => measureLatency(t.model));
    const sweepTeacher = teachers[names.indexOf(c.sweepTeacher)];
    const sweeps = await fashionTemperatureSweeps(c, data, sweepTeacher, { workers: opts.workers });
    const allRows = sweeps.flatMap((s) => s.rows.map((r) => ({ ...r, setting: `${s.studentArch} · ${r.setting}` })));
    const summary = summarizeSweep(allRows);
    const compare = compareWithTeacher(c, teachers.map((t, i) => ({ name: names[i], teacher: t, latency: latency[i] })), summary, backend);
    const mctx = fashionMultiTeacherContext(data, teachers, names);
    try {
      const mts = await fashionMultiTeacherSweeps(c, mctx, { workers: opts.workers });
      const mtSummaries = mts.map((m) => summarizeVariants(m.sweep.results, m.sweep.trials));
      const mtReadings = mts.map((m, i) => readMultiTeacher(mtSummaries[i], m.sweep.results));
      const gains = { fashion: fashionGains(sweeps, summary, mts, mtSummaries), digits: digitsGains() };
      const results = {
        budget: c.budget,
        data: { dir: data.dir, fitRows: data.fit.numSamples, valRows: data.val.numSamples, testRows: data.test.numSamples, fullTrain: data.fullTrain, fullTest: data.fullTest },
        teachers: teachers.map((t, i) => ({ name: names[i], arch: t.arch, params: t.params, testAcc: t.testAcc, source: t.source, reason: t.reason, cacheDir: t.dir, trainSeconds: t.meta.trainSeconds, history: t.history, latency: latency[i] })),
        sweepTeacher: c.sweepTeacher,
        comparison: compare.rows,
        summary,
        reading: readSweep(summary),
        runs: allRows,
        curves: compactCurves(sweeps.flatMap((s) => s.curves.map((p) => ({ ...p, setting: `${s.studentArch} · ${p.setting}` }))), (p) => ({ setting: p.setting, variant: p.variant, seed: p.seed })),
        multiTeacher: mts.map((m, i) => ({
          setting: m.setting, studentArch: m.sweep.studentArch, studentRows: m.sweep.studentRows, epochs: m.sweep.epochs, steps: m.sweep.steps, temperature: m.sweep.temperature,
          teachers: m.sweep.teachers, ensembles: m.sweep.ensembles, summary: mtSummaries[i], reading: mtReadings[i],
          runs: m.sweep.results.map((r) => ({ variant: r.variant, seed: r.seed, testAcc: r.testAcc, trainRows: r.trainRows, steps: r.steps, ms: r.ms })),
        })),
        nextToDigits: gains,
      };
      return {
        results,
        backend,
        /** Rows per class of each split. */
        classCounts: { fit: data.fit.classCounts(), validation: data.val.classCounts(), test: data.test.classCounts() },
        /** When each cached teacher was saved. */
        teacherSavedAt: teachers.map((t) => t.meta.savedAt),
        /** The sweep's first line: budget, rows, teacher. */
        sweepHeadline: `Budget **${c.budget}**: ${data.fit.numSamples} fit rows, ${data.test.numSamples} test rows, teacher ${c.sweepTeacher} (${sweepTeacher.arch}) at ${pct(sweepTeacher.testAcc, 2)}.`,
        /** One sentence per student against the sweep teacher. */
        comparisonLines: compare.lines,
        /** The paragraphs under the side-by-side table. */
        gainLines: readGains(c.budget, gains.fashion, gains.digits),
      };
    } finally {
      mctx.dispose();
    }
  } finally {
    teachers.forEach((t) => t.dispose());
    data.dispose();
  }
}

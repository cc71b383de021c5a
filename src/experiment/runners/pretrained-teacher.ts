/**
 * Notebook 09 as a function: fortunes + fastText's answers, every (budget,
 * variant, seed) student through runSweep, the summary and reading, the
 * disagreement analysis, the exported student with its size and latency next
 * to the teacher's — everything the results file holds.
 */
import * as path from "path";
import { pct } from "../../analysis/format";
import { TEACHER_LICENCE } from "../../models/fasttext-teacher";
import { RunOptions } from "../experiment-results";
import { disagreementExamples, disagreements, readPretrained, summarizeBudgets } from "../pretrained-teacher-summary";
import { prepareTextTask } from "../pretrained-teacher-data";
import { TextContext, TextPoint, TextShared, TextTrialResult, textSetup, textTrial } from "../pretrained-teacher-trial";
import { resultPath } from "../results";
import type { ExperimentFile } from "../schema/experiment-file";
import type { PretrainedTeacherExperiment } from "../schema/pretrained-teacher";
import { runSweep } from "../sweep";
import { exportTextStudent, measureTextLatency } from "../text-student-export";

export async function runPretrainedTeacher(exp: ExperimentFile<PretrainedTeacherExperiment>, opts: RunOptions = {}) {
  const c = exp.config;
  const log = opts.log ?? console.log;
  const d = await prepareTextTask(c, log);
  const budgets = [...new Set(c.queryBudgets.map((b) => (b === "all" ? d.pool.length : b)))].sort((a, b) => a - b);
  const tooBig = budgets.filter((b) => b > d.pool.length);
  if (tooBig.length) throw new Error(`queryBudgets ${tooBig.join(", ")} exceed the ${d.pool.length} texts of the training pool (use "all")`);
  const largest = budgets[budgets.length - 1];
  const shared: TextShared = {
    config: c,
    classes: d.languages.length,
    slots: d.slots,
    x: c.hashing.buckets < 65535 ? Uint16Array.from(d.x) : d.x,
    pool: d.pool,
    test: d.test,
    monitor: d.monitor,
    poolTrueY: d.poolTrueY,
    testY: d.testY,
    monitorY: d.monitorY,
    teacherLogp: d.teacherLogp,
    teacherTop1: d.teacherTop1,
  };
  const points: TextPoint[] = budgets.flatMap((budget) =>
    c.variants.map((v) => ({ budget, variant: v.name, ...(budget === largest && v.name === c.exportVariant ? { keepWeights: true, keepPredictions: true } : {}) })),
  );
  const swept = await runSweep<TextPoint, TextTrialResult, TextShared, TextContext>({
    label: "students",
    points,
    seeds: c.seeds,
    module: path.join(__dirname, "..", "pretrained-teacher-trial.ts"),
    fn: "textTrial",
    setup: "textSetup",
    local: { fn: textTrial, setup: textSetup },
    shared,
    workers: opts.workers,
    describe: (p, seed) => `${p.variant} · ${p.budget} queries · seed ${seed}`,
    report: (r) => `test accuracy ${pct(r.testAcc, 2)}, agreement with the teacher ${pct(r.agreement, 2)} (${r.epochs} epochs)`,
  });
  const runs = swept.map((s) => s.result);
  const summary = summarizeBudgets(runs, c.reference);
  const teacherOnTest = Array.from(d.test, (r) => d.teacherTop1[r]);
  const analysed = runs.filter((r) => r.predictions);
  const disagreement = disagreements(analysed, d.testY, teacherOnTest);

  const exported = analysed.find((r) => r.seed === c.seeds[0])!;
  const dir = resultPath(`${exp.name}.student`);
  const testTexts = Array.from(d.test, (r) => d.texts[r]);
  const student = await exportTextStudent(c, d.languages, exported.weights!, dir, { texts: testTexts, predictions: exported.predictions! });
  const latency = await measureTextLatency(dir, d.teacherModel, testTexts.slice(0, 200));
  log(`student exported to ${dir}: ${student.params} parameters, ${student.bytesOnDisk} bytes; ${latency.studentMsPerText.toFixed(3)} ms/text vs the teacher's ${latency.teacherMsPerText.toFixed(3)}`);

  const results = {
    data: {
      source: "Debian fortunes packages (fortunes, fortunes-de, fortunes-es, fortunes-it)",
      languages: d.languages,
      stats: d.stats,
      texts: d.texts.length,
      poolTexts: d.pool.length,
      testTexts: d.test.length,
      monitorTexts: d.monitor.length,
      ngramSlots: d.slots,
      msEncodeAll: d.msEncode,
    },
    teacher: { name: "fastText lid.176.ftz (fasttext.wasm.js)", licence: TEACHER_LICENCE, ...d.teacher },
    budgets,
    summary,
    reading: readPretrained(summary, { reference: c.reference, trueVariant: c.variants.find((v) => v.target === "true-labels")?.name, teacherAcc: d.teacher.testAcc, exportVariant: c.exportVariant, disagreement }),
    disagreement,
    examples: disagreementExamples(exported, d.texts, d.test, d.testY, teacherOnTest, d.languages),
    student: { ...student, dir: path.relative(resultPath("."), student.dir), sizeRatio: student.bytesOnDisk / d.teacher.sizeBytes, variant: c.exportVariant, budget: largest, seed: exported.seed },
    latency,
    runs: runs.map(({ predictions: _p, weights: _w, curve, ...r }) => ({ ...r, curve: curve.map((v) => +v.toFixed(4)) })),
  };
  return { results };
}

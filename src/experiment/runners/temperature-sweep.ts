/**
 * Notebook 01 as a function: the teacher, the students' latency, the sweep
 * (settings × seeds × {hard labels, T …}), its summary and reading, and the
 * teacher's soft-target entropies — everything the results file holds.
 */
import { measureLatency } from "../../models/latency";
import { buildMlp } from "../../models/mlp";
import { loadDataset } from "../data-source";
import { RunOptions } from "../experiment-results";
import { compactCurves } from "../results";
import { teacherEpochLog, trainTeacher } from "../runs";
import type { ExperimentFile } from "../schema/experiment-file";
import type { TemperatureSweepExperiment } from "../schema/temperature-sweep";
import { CurvePoint, readSweep, softTargetEntropies, summarizeSweep, temperatureSweep } from "../temperature-sweep";

export async function runTemperatureSweep(exp: ExperimentFile<TemperatureSweepExperiment>, opts: RunOptions = {}) {
  const c = exp.config;
  const log = opts.log ?? console.log;
  const data = loadDataset(c.data);
  const tensors = { train: data.train, test: data.test, trainT: data.train.toTensors(), testT: data.test.toTensors() };
  const teacher = await trainTeacher(tensors, c.teacher, c.teacher.seed, teacherEpochLog(log, c.teacher.epochs));
  try {
    const probe = buildMlp({ inputDim: data.train.numFeatures, hidden: c.student.hidden, outputDim: data.train.numClasses, seed: 0 });
    const latency = { teacher: measureLatency(teacher.model), student: measureLatency(probe) };
    probe.dispose();
    const sweep = await temperatureSweep(tensors, teacher, { student: c.student, temperatures: c.temperatures, alpha: c.alpha, seeds: c.seeds, settings: c.settings }, { workers: opts.workers });
    const summary = summarizeSweep(sweep.rows);
    const results = {
      data: { source: data.source, sha256: data.sha256, trainRows: data.train.numSamples, testRows: data.test.numSamples, trainClassCounts: data.train.classCounts(), testClassCounts: data.test.classCounts() },
      teacher: { arch: teacher.arch, params: teacher.params, testAcc: teacher.testAcc, history: teacher.history, latency: latency.teacher },
      student: { arch: sweep.studentArch, params: sweep.studentParams, latency: latency.student },
      summary,
      reading: readSweep(summary),
      entropies: softTargetEntropies(teacher.outputs.train, c.entropyTemperatures),
      runs: sweep.rows,
      curves: compactCurves(sweep.curves, (p) => ({ setting: p.setting, variant: p.variant, seed: p.seed })),
    };
    return { results, curves: sweep.curves as CurvePoint[] };
  } finally {
    teacher.dispose();
    [tensors.trainT.x, tensors.trainT.y, tensors.testT.x, tensors.testT.y].forEach((t) => t.dispose());
  }
}

/**
 * Notebook 02 as a function: the teacher, every (variant, seed) student run
 * across cores, epochs to reach each threshold, the paired speed-ups of the
 * configured comparisons, the verdict on the claim and its reading — everything
 * the results file holds — plus the curves and schedule tables the charts show.
 */
import { pct } from "../../analysis/format";
import { loadDataset } from "../data-source";
import { claimVerdict, convergenceTable, finalAccuracy, readSpeedup, speedup } from "../dynamic-temperature";
import { dynamicTemperatureSweep, recordedTemperatures, scheduleCurves } from "../dynamic-temperature-trials";
import { RunOptions } from "../experiment-results";
import { sweepShared } from "../parallel-sweep";
import { teacherEpochLog, trainTeacher } from "../runs";
import type { ExperimentFile } from "../schema/experiment-file";
import type { DynamicTemperatureExperiment } from "../schema/dynamic-temperature";

export async function runDynamicTemperature(exp: ExperimentFile<DynamicTemperatureExperiment>, opts: RunOptions = {}) {
  const c = exp.config;
  const log = opts.log ?? console.log;
  const data = loadDataset(c.data);
  const tensors = { train: data.train, test: data.test, trainT: data.train.toTensors(), testT: data.test.toTensors() };
  const teacher = await trainTeacher(tensors, c.teacher, c.teacher.seed, teacherEpochLog(log, c.teacher.epochs));
  try {
    log(`teacher ${teacher.arch}: test accuracy ${pct(teacher.testAcc)}`);
    const sweep = await dynamicTemperatureSweep(sweepShared(tensors, teacher.outputs), c, { workers: opts.workers });
    const convergence = convergenceTable(sweep.results, c.thresholds);
    const speedups = c.comparisons.flatMap((p) => speedup(sweep.results, p.candidate, p.baseline, c.thresholds));
    const isClaim = (r: { candidate: string; baseline: string }) => r.candidate === c.claim.candidate && r.baseline === c.claim.baseline;
    const claimRows = speedups.filter(isClaim);
    const claimReading = readSpeedup(claimRows, c.claimedReduction);
    const otherReading = readSpeedup(speedups.filter((r) => !isClaim(r)), c.claimedReduction);
    const results = {
      teacher: { arch: teacher.arch, params: teacher.params, testAcc: teacher.testAcc },
      student: { arch: sweep.studentArch, trainRows: sweep.trainRows, stepsPerEpoch: sweep.stepsPerEpoch },
      trials: sweep.trials,
      finalAccuracy: finalAccuracy(sweep.results),
      convergence,
      speedups,
      verdict: claimVerdict(claimRows, c.claimedReduction),
      reading: [...claimReading, ...otherReading],
      runs: sweep.results,
    };
    const setting = `${data.source} · ${c.epochs} epochs`;
    return {
      results,
      claimReading,
      otherReading,
      /** Per-epoch test accuracy of every run, as the learning-curve chart takes them. */
      curves: sweep.results.flatMap((r) => r.curve.map((p) => ({ setting, variant: r.variant, seed: r.seed, epoch: p.epoch, testAcc: p.testAcc }))),
      /** T over training of each scheduled variant, and the mean T the trainer recorded (first seed). */
      schedules: scheduleCurves(sweep, 5),
      recordedTemperatures: recordedTemperatures(sweep.results, c.seeds[0], c.epochs),
    };
  } finally {
    teacher.dispose();
    [tensors.trainT.x, tensors.trainT.y, tensors.testT.x, tensors.testT.y].forEach((t) => t.dispose());
  }
}

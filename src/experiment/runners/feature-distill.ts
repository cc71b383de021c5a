/**
 * Notebook 06 as a function: the Transformer teacher, the students' sweep
 * (seeds × variants through runSweep), its summary and reading, and the
 * attention pictures — everything the results file holds.
 */
import { pct } from "../../analysis/format";
import { checkPublishedOrdering } from "../../analysis/published-ordering";
import { loadDataset } from "../data-source";
import { RunOptions } from "../experiment-results";
import { FeatureCurvePoint, FeatureSweepConfig, featureRows, featureSweep, trainFeatureTeacher } from "../feature-distill";
import { readFeatureSweep, summarizeFeatureSweep } from "../feature-summary";
import type { ExperimentFile } from "../schema/experiment-file";
import type { FeatureDistillExperiment } from "../schema/feature-distill";

export async function runFeatureDistill(exp: ExperimentFile<FeatureDistillExperiment>, opts: RunOptions = {}) {
  const c = exp.config;
  const log = opts.log ?? console.log;
  const data = loadDataset(c.data);
  const tr = data.train.toTensors();
  const te = data.test.toTensors();
  const split = { trainX: tr.x, trainY: tr.y, testX: te.x, testY: te.y };
  const sweepConfig: FeatureSweepConfig = c;
  const teacher = await trainFeatureTeacher(split, c.teacher, (r) => {
    if (r.epoch % 10 === 0) log(`teacher epoch ${r.epoch}/${c.teacher.epochs}: loss ${r.loss.toFixed(4)}, test accuracy ${pct(r.testAcc)}`);
  });
  try {
    const sweep = await featureSweep(split, teacher.model, sweepConfig, { workers: opts.workers });
    const summary = summarizeFeatureSweep(sweep.rows, c.reference);
    const results = {
      data: { source: data.source, trainRows: data.train.numSamples, testRows: data.test.numSamples, studentRows: featureRows(data.train.y, c.trainFraction, c.seeds[0]).length },
      teacher: { arch: teacher.model.name, params: teacher.params, testAcc: teacher.testAcc, history: teacher.history.map((h) => ({ epoch: h.epoch, loss: h.loss, testAcc: h.testAcc })) },
      student: { arch: sweep.studentArch, params: sweep.studentParams, adapterParams: sweep.adapterParams },
      summary,
      reading: readFeatureSweep(summary, c.reference, c.baseline),
      ordering: c.publishedOrdering ? checkPublishedOrdering(sweep.rows, c.publishedOrdering.methods, c.publishedOrdering.source) : null,
      runs: sweep.rows,
      curves: sweep.curves.filter((p) => p.epoch % 5 === 0 || p.epoch === 1),
      pictures: { teacher: sweep.teacherPicture, students: sweep.pictures },
    };
    return {
      results,
      /** Every epoch's point (the results file keeps every 5th). */
      curves: sweep.curves as FeatureCurvePoint[],
      /** Variant names in the configuration's order (chart order). */
      order: c.variants.map((v) => v.name),
      /** The label of the test row whose attention maps are drawn. */
      pictureLabel: data.test.y[c.pictureRow],
    };
  } finally {
    teacher.model.dispose();
    [tr.x, tr.y, te.x, te.y].forEach((t) => t.dispose());
  }
}

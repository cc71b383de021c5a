/**
 * The trials of the semi-supervised experiment, as pure async functions of
 * plain data (in this process or a worker, with the same numbers):
 * teacherTrial trains the teacher on a seed's labelled rows only;
 * studentTrial trains one student variant (all its rounds): CE on the
 * labelled rows, distillation on the kept pseudo-labelled rows, consistency
 * under a seeded perturbation. A trial reads training labels only from its
 * labelled rows (spec.labelledY).
 */
import * as tf from "@tensorflow/tfjs";
import { consistencyTerm } from "../distill/perturb";
import { pseudoLabelTerm, pseudoLabels } from "../distill/semi-supervised";
import { predictLogits } from "../distill/teachers";
import { buildMlp } from "../models/mlp";
import { EpochRecord, LossTerm, train } from "../train/trainer";
import { deriveSeed } from "../core/seed";
import type { TrialContext } from "./parallel";
import { checkSslMethod } from "./semi-supervised-checks";
import type { LabelledRows, RoundRecord, SslContext, SslShared, StudentTrialResult, StudentTrialSpec, TeacherTrialResult, TeacherTrialSpec } from "./semi-supervised-types";

/** Steps per epoch over `rows` rows at `batchSize` (the last batch may be short). */
export const stepsPerEpoch = (rows: number, batchSize: number): number => Math.ceil(rows / batchSize);

/** Epochs that give (as near as possible, at least one) `steps` optimiser steps over `rows` rows. */
export function epochsForSteps(rows: number, batchSize: number, steps: number): number {
  return Math.max(1, Math.round(steps / stepsPerEpoch(rows, batchSize)));
}

export function sslSetup(s: SslShared): SslContext {
  const rows = s.trainX.length / s.numFeatures;
  const trainX = tf.tensor2d(s.trainX, [rows, s.numFeatures], "float32");
  const test = { x: tf.tensor2d(s.testX, [s.testY.length, s.numFeatures], "float32"), y: tf.tensor1d(s.testY, "int32") };
  return {
    trainX,
    test,
    rows,
    dispose() {
      [trainX, test.x, test.y].forEach((t) => t.dispose());
    },
  };
}

/** The unlabelled rows: every training row not in `labelled`, ascending. */
export function unlabelledRows(rows: number, labelled: number[]): number[] {
  const isLabelled = new Uint8Array(rows);
  for (const i of labelled) {
    if (!(Number.isInteger(i) && i >= 0 && i < rows)) throw new Error(`labelled row ${i} out of range [0, ${rows})`);
    isLabelled[i] = 1;
  }
  const out: number[] = [];
  for (let i = 0; i < rows; i++) if (!isLabelled[i]) out.push(i);
  return out;
}

function checkLabelled(spec: LabelledRows): void {
  if (spec.labelled.length === 0) throw new Error("no labelled rows");
  if (spec.labelled.length !== spec.labelledY.length) throw new Error(`${spec.labelled.length} labelled rows but ${spec.labelledY.length} labels`);
}

/** Trains the teacher on the labelled rows only; returns its logits on every training row. */
export async function teacherTrial(spec: TeacherTrialSpec, ctx: TrialContext<SslShared, SslContext>): Promise<TeacherTrialResult> {
  checkLabelled(spec);
  const t0 = performance.now();
  const d = ctx.setup;
  const C = ctx.shared.numClasses;
  const idx = tf.tensor1d(spec.labelled, "int32");
  const rowsT = { x: tf.gather(d.trainX, idx) as tf.Tensor2D, y: tf.tensor1d(spec.labelledY, "int32") };
  const t = spec.teacher;
  const model = buildMlp({ inputDim: ctx.shared.numFeatures, hidden: t.hidden, outputDim: C, activation: t.activation, dropout: t.dropout, seed: deriveSeed(spec.seed, "ssl-teacher-init") });
  try {
    const history = await train(model, { train: rowsT, test: d.test }, { epochs: t.epochs, batchSize: t.batchSize, learningRate: t.learningRate, seed: deriveSeed(spec.seed, "ssl-teacher-train") });
    const logits = predictLogits(model, d.trainX);
    const trainLogits = Float32Array.from(logits.dataSync() as Float32Array);
    logits.dispose();
    return { seed: spec.seed, testAcc: history[history.length - 1].testAcc, params: model.countParams(), trainLogits, ms: performance.now() - t0 };
  } finally {
    model.dispose();
    [idx, rowsT.x, rowsT.y].forEach((x) => x.dispose());
  }
}

/** One student variant for one seed (all its rounds). Reads training labels only from spec.labelledY. */
export async function studentTrial(spec: StudentTrialSpec, ctx: TrialContext<SslShared, SslContext>): Promise<StudentTrialResult> {
  checkLabelled(spec);
  checkSslMethod(spec.method, `method (${spec.variant})`);
  const t0 = performance.now();
  const d = ctx.setup;
  const C = ctx.shared.numClasses;
  const N = d.rows;
  const m = spec.method;
  const rounds = m.rounds ?? 1;
  if (m.pseudo && !spec.teacherLogits) throw new Error(`variant ${spec.variant}: pseudo-labels need teacherLogits`);
  const unlabelled = unlabelledRows(N, spec.labelled);
  const records: RoundRecord[] = [];
  const curve: { epoch: number; testAcc: number }[] = [];
  let teacherLogits = spec.teacherLogits;
  let params = 0;
  for (let round = 1; round <= rounds; round++) {
    const owned: tf.Tensor[] = [];
    const keep = <T extends tf.Tensor>(t: T): T => {
      owned.push(t);
      return t;
    };
    const model = buildMlp({ inputDim: ctx.shared.numFeatures, hidden: spec.student.hidden, outputDim: C, activation: spec.student.activation, dropout: spec.student.dropout, seed: deriveSeed(spec.seed, "ssl-student-init", round) });
    try {
      let data: { train: { x: tf.Tensor2D; y: tf.Tensor1D }; labelMask?: tf.Tensor1D };
      const terms: LossTerm[] = [];
      let pseudoPredicted: Int32Array | null = null;
      let pseudoConfidence: Float32Array | null = null;
      let pseudoKept = 0;
      if (m.rows === "labelled") {
        const idx = keep(tf.tensor1d(spec.labelled, "int32"));
        data = { train: { x: keep(tf.gather(d.trainX, idx) as tf.Tensor2D), y: keep(tf.tensor1d(spec.labelledY, "int32")) } };
      } else {
        // Every training row; labels known only on the labelled rows (−1 elsewhere, masked out).
        const y = new Int32Array(N).fill(-1);
        const mask = new Float32Array(N);
        spec.labelled.forEach((r, i) => {
          y[r] = spec.labelledY[i];
          mask[r] = 1;
        });
        data = { train: { x: d.trainX, y: keep(tf.tensor1d(y, "int32")) }, labelMask: keep(tf.tensor1d(mask, "float32")) };
        if (m.pseudo) {
          const logitsU = new Float32Array(unlabelled.length * C);
          unlabelled.forEach((r, i) => logitsU.set(teacherLogits!.subarray(r * C, (r + 1) * C), i * C));
          const pl = pseudoLabels(logitsU, C, spec.temperature, m.pseudo.threshold);
          const targets = new Float32Array(N * C);
          const pmask = new Float32Array(N);
          unlabelled.forEach((r, i) => {
            if (!pl.keep[i]) return;
            targets.set(pl.probs.subarray(i * C, (i + 1) * C), r * C);
            pmask[r] = 1;
          });
          pseudoPredicted = pl.predicted;
          pseudoConfidence = pl.confidence;
          pseudoKept = pl.kept;
          terms.push(pseudoLabelTerm({ targets: keep(tf.tensor2d(targets, [N, C])), mask: keep(tf.tensor1d(pmask, "float32")), temperature: spec.temperature, weight: m.pseudo.weight }));
        }
        if (m.consistency) terms.push(consistencyTerm({ weight: m.consistency.weight, perturb: m.consistency.perturb, seed: deriveSeed(spec.seed, "ssl-perturb", round) }));
      }
      const rows = data.train.x.shape[0];
      const epochs = epochsForSteps(rows, spec.student.batchSize, spec.steps / rounds);
      const history: EpochRecord[] = await train(
        model,
        { train: data.train, test: d.test, labelMask: data.labelMask },
        { epochs, batchSize: spec.student.batchSize, learningRate: spec.student.learningRate, seed: deriveSeed(spec.seed, "ssl-student-train", round), alpha: 1, extraTerms: terms },
      );
      const last = history[history.length - 1];
      const offset = curve.length;
      history.forEach((h) => curve.push({ epoch: offset + h.epoch, testAcc: h.testAcc }));
      records.push({ round, epochs, steps: epochs * stepsPerEpoch(rows, spec.student.batchSize), testAcc: last.testAcc, pseudoRows: m.pseudo ? unlabelled.length : 0, pseudoKept, pseudoPredicted, pseudoConfidence, lastExtra: last.extra ?? {} });
      params = model.countParams();
      if (round < rounds) {
        const z = predictLogits(model, d.trainX);
        teacherLogits = Float32Array.from(z.dataSync() as Float32Array);
        z.dispose();
      }
    } finally {
      model.dispose();
      owned.forEach((t) => t.dispose());
    }
  }
  const final = records[records.length - 1];
  return {
    variant: spec.variant,
    seed: spec.seed,
    testAcc: final.testAcc,
    steps: records.reduce((a, r) => a + r.steps, 0),
    trainRows: m.rows === "labelled" ? spec.labelled.length : N,
    rounds: records,
    curve,
    params,
    ms: performance.now() - t0,
  };
}

/**
 * One arm × seed of the beyond-KD experiment, here or in a worker thread: an
 * MLP student (its hidden layers exposed as features dense_0 …) trained by the
 * one trainer on the arm's rows with the arm's registry terms. On the transfer
 * set the unlabelled rows' labels are replaced by −1 before the trainer sees
 * them, and a label mask marks the labelled rows, so no term can read them.
 */
import * as tf from "@tensorflow/tfjs";
import { deriveSeed } from "../../core/seed";
import { buildMlp } from "../../models/mlp";
import { countParams, layersFeatureModel } from "../../models/probe";
import { fit } from "../../train/trainer";
import type { TrialContext } from "../parallel";
import type { SweepTrialSpec } from "../sweep";
import { studentSteps } from "../multi-teacher-trial";
import type { BeyondKdArm } from "../schema/fashion-beyond-kd";
import type { BeyondKdShared } from "./data";

export interface BeyondKdPoint {
  arm: BeyondKdArm;
  student: { hidden: number[]; batchSize: number; learningRate: number };
  epochs: number;
}

export interface BeyondKdRow {
  arm: string;
  seed: number;
  testAcc: number;
  teacherAgreement: number | null;
  /** Rows the student trains on, and how many of them carry a label it reads. */
  trainRows: number;
  labelledRows: number;
  epochs: number;
  steps: number;
  ms: number;
}

export interface BeyondKdTrialResult {
  row: BeyondKdRow;
  /** Per epoch: test accuracy and the training loss (the weighted total). */
  curve: { arm: string; seed: number; epoch: number; testAcc: number; loss: number }[];
  params: number;
}

export interface BeyondKdContext {
  fitX: tf.Tensor2D;
  fitY: tf.Tensor1D;
  testX: tf.Tensor2D;
  testY: tf.Tensor1D;
  teachers: Record<"full" | "strict", { train: tf.Tensor2D; test: tf.Tensor2D }>;
  embedding: tf.Tensor2D;
  dispose(): void;
}

export function beyondKdSetup(s: BeyondKdShared): BeyondKdContext {
  const n = s.fitY.length;
  const m = s.testY.length;
  const k = s.numClasses;
  const ctx: BeyondKdContext = {
    fitX: tf.tensor2d(s.fitX, [n, s.numFeatures], "float32"),
    fitY: tf.tensor1d(s.fitY, "int32"),
    testX: tf.tensor2d(s.testX, [m, s.numFeatures], "float32"),
    testY: tf.tensor1d(s.testY, "int32"),
    teachers: {
      full: { train: tf.tensor2d(s.full.train, [n, k]), test: tf.tensor2d(s.full.test, [m, k]) },
      strict: { train: tf.tensor2d(s.strict.train, [n, k]), test: tf.tensor2d(s.strict.test, [m, k]) },
    },
    embedding: tf.tensor2d(s.full.embedding, [n, s.full.embeddingDim]),
    dispose() {
      tf.dispose([ctx.fitX, ctx.fitY, ctx.testX, ctx.testY, ctx.embedding, ctx.teachers.full.train, ctx.teachers.full.test, ctx.teachers.strict.train, ctx.teachers.strict.test]);
    },
  };
  return ctx;
}


/** The labels the trainer gets on the transfer set: the labelled rows' own, −1 elsewhere. */
export function transferLabels(fitY: Int32Array, labelled: Int32Array): { y: Int32Array; mask: Float32Array } {
  const y = new Int32Array(fitY.length).fill(-1);
  const mask = new Float32Array(fitY.length);
  for (const i of labelled) {
    y[i] = fitY[i];
    mask[i] = 1;
  }
  return { y, mask };
}

export async function beyondKdTrial(t: SweepTrialSpec<BeyondKdPoint>, ctx: TrialContext<BeyondKdShared, BeyondKdContext>): Promise<BeyondKdTrialResult> {
  const { arm, student, epochs } = t.point;
  const s = ctx.shared;
  const d = ctx.setup;
  const t0 = performance.now();
  const owned: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(x: T): T => (owned.push(x), x);
  const idx = arm.rows === "labelled" ? keep(tf.tensor1d(s.labelled, "int32")) : null;
  const rowsOf = <T extends tf.Tensor>(x: T): T => (idx ? keep(tf.gather(x, idx) as T) : x);
  const x = rowsOf(d.fitX);
  let y: tf.Tensor1D;
  let labelMask: tf.Tensor1D | undefined;
  if (arm.rows === "transfer") {
    const tl = transferLabels(s.fitY, s.labelled);
    y = keep(tf.tensor1d(tl.y, "int32"));
    labelMask = keep(tf.tensor1d(tl.mask, "float32"));
  } else y = rowsOf(d.fitY);
  const teacher = arm.teacher ? d.teachers[arm.teacher] : undefined;
  const teacherTrain = teacher ? rowsOf(teacher.train) : undefined;
  const inputs: Record<string, tf.Tensor> = arm.teacher === "full" ? { teacherEmbedding: rowsOf(d.embedding) } : {};
  const hidden = student.hidden.map((_, i) => `dense_${i}`);
  const model = layersFeatureModel(buildMlp({ inputDim: s.numFeatures, hidden: student.hidden, outputDim: s.numClasses, seed: deriveSeed(t.seed, "student-init") }), hidden);
  try {
    const history = await fit(
      model,
      { train: { x, y }, test: { x: d.testX, y: d.testY }, teacherTrain, teacherTest: teacher?.test, labelMask, inputs },
      { epochs, batchSize: student.batchSize, learningRate: student.learningRate, seed: deriveSeed(t.seed, "student-train"), losses: arm.losses },
    );
    const last = history[history.length - 1];
    const trainRows = x.shape[0];
    return {
      row: {
        arm: arm.name, seed: t.seed, testAcc: last.testAcc, teacherAgreement: last.teacherAgreement, trainRows,
        labelledRows: arm.rows === "all" ? trainRows : s.labelled.length, epochs, steps: studentSteps(trainRows, student.batchSize, epochs), ms: performance.now() - t0,
      },
      curve: history.map((h) => ({ arm: arm.name, seed: t.seed, epoch: h.epoch, testAcc: h.testAcc, loss: h.loss })),
      params: countParams(model),
    };
  } finally {
    model.dispose();
    tf.dispose(owned);
  }
}

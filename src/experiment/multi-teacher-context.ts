/**
 * The teachers of a multi-teacher experiment and their cached logits: a
 * stratified validation split held out from the training rows for weighting
 * them (the test set is never used for weights), every teacher trained on the
 * remaining (fit) rows, their logits computed once on the fit, validation and
 * test rows and shared by every trial; the same context from teachers trained
 * elsewhere (multiTeacherContextFrom), and as plain arrays for worker
 * processes (multiTeacherShared → multiTeacherSetup).
 */
import * as tf from "@tensorflow/tfjs";
import { Tensors } from "../data/dataset";
import { loadDigits } from "../data/digits";
import { Prepared } from "../data/prepare";
import { labelledFraction } from "../data/split";
import { perSampleCrossEntropy, stackTeacherLogits } from "../distill/multi-teacher";
import { accuracy, predictLogits } from "../distill/teachers";
import { buildMlp, describeMlp } from "../models/mlp";
import { train } from "../train/trainer";
import { deriveSeed } from "../core/seed";
import { checkMultiTeacherConfig } from "./multi-teacher-checks";
import type { MultiTeacherConfig, MultiTeacherContext, MultiTeacherShared, TeacherBank, TeacherLogits, TeacherSpec } from "./multi-teacher-types";

/**
 * A stratified validation split of `data.train`; every teacher trained on the
 * remaining (fit) rows; their logits cached on fit, validation and test rows.
 * The teacher models are released once their logits are cached.
 */
export async function trainTeacherContext(
  data: Prepared,
  opts: { valFraction: number; splitSeed: number; teachers: TeacherSpec[] },
  log: (line: string) => void = () => {},
): Promise<MultiTeacherContext> {
  const all = Array.from({ length: data.train.numSamples }, (_, i) => i);
  const { labelled: fitIdx, unlabelled: valIdx } = labelledFraction(data.train.y, all, 1 - opts.valFraction, opts.splitSeed);
  const fit = data.train.subset(fitIdx).toTensors();
  const val = data.train.subset(valIdx).toTensors();
  const test = data.test.toTensors();
  const C = data.train.numClasses;
  const models: tf.LayersModel[] = [];
  const logits: TeacherLogits[] = [];
  try {
    for (const spec of opts.teachers) {
      const t0 = performance.now();
      const model = buildMlp({ inputDim: data.train.numFeatures, hidden: spec.hidden, outputDim: C, activation: spec.activation, dropout: spec.dropout, seed: deriveSeed(spec.seed, "teacher-init", spec.name) });
      models.push(model);
      await train(model, { train: fit, test: val }, { epochs: spec.epochs, batchSize: spec.batchSize, learningRate: spec.learningRate, seed: deriveSeed(spec.seed, "teacher-train", spec.name) });
      const arch = describeMlp({ inputDim: data.train.numFeatures, hidden: spec.hidden, outputDim: C });
      logits.push({ name: spec.name, arch, params: model.countParams(), epochs: spec.epochs, fit: predictLogits(model, fit.x), val: predictLogits(model, val.x), test: predictLogits(model, test.x) });
      log(`teacher ${spec.name} (${arch}, ${spec.epochs} epochs) trained in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    return multiTeacherContextFrom({ fit, val, test, numClasses: C, teachers: logits, ownsData: true });
  } catch (e) {
    [fit.x, fit.y, val.x, val.y, test.x, test.y].forEach((t) => t.dispose());
    throw e;
  } finally {
    models.forEach((m) => m.dispose());
    logits.forEach((l) => [l.fit, l.val, l.test].forEach((t) => t.dispose()));
  }
}

/** The digits (config.dataSeed) and trainTeacherContext on them. */
export async function prepareMultiTeacherContext(config: MultiTeacherConfig, log = true): Promise<MultiTeacherContext> {
  checkMultiTeacherConfig(config);
  return trainTeacherContext(loadDigits({ seed: config.dataSeed }), config, log ? console.log : undefined);
}

/**
 * A context from teachers trained elsewhere (e.g. cached CNNs): their logits
 * are stacked (copied; the caller keeps its own) and scored on the validation
 * and test rows. With ownsData the context also disposes fit/val/test.
 */
export function multiTeacherContextFrom(args: { fit: Tensors; val: Tensors; test: Tensors; numClasses: number; teachers: TeacherLogits[]; ownsData: boolean }): MultiTeacherContext {
  const { fit, val, test, numClasses: C } = args;
  const stack = (which: "fit" | "val" | "test", rows: number) => {
    args.teachers.forEach((t) => {
      if (t[which].shape[0] !== rows) throw new Error(`teacher "${t.name}" has logits for ${t[which].shape[0]} ${which} rows; the ${which} set has ${rows}`);
    });
    return stackTeacherLogits(args.teachers.map((t) => t[which]), C, "teachers");
  };
  const bank: TeacherBank = {
    teachers: args.teachers.map((t) => ({ name: t.name, arch: t.arch, params: t.params, epochs: t.epochs, valAcc: 0, valCE: 0, testAcc: 0 })),
    fit: stack("fit", fit.x.shape[0]),
    val: stack("val", val.x.shape[0]),
    test: stack("test", test.x.shape[0]),
    valCERows: [],
  };
  const ce = perSampleCrossEntropy(bank.val, val.y);
  bank.valCERows = (ce.arraySync() as number[][]).map((r) => r.map(Number));
  ce.dispose();
  bank.teachers.forEach((t, k) => {
    t.valAcc = accuracy(args.teachers[k].val, val.y);
    t.testAcc = accuracy(args.teachers[k].test, test.y);
    t.valCE = bank.valCERows[k].reduce((a, b) => a + b, 0) / bank.valCERows[k].length;
  });
  return {
    fit,
    val,
    test,
    numClasses: C,
    bank,
    fitLabels: Int32Array.from(fit.y.dataSync() as Int32Array),
    valLabels: Int32Array.from(val.y.dataSync() as Int32Array),
    dispose() {
      [bank.fit, bank.val, bank.test].forEach((t) => t.dispose());
      if (args.ownsData) [fit.x, fit.y, val.x, val.y, test.x, test.y].forEach((t) => t.dispose());
    },
  };
}

export function multiTeacherShared(ctx: MultiTeacherContext): MultiTeacherShared {
  const f32 = (t: tf.Tensor) => Float32Array.from(t.dataSync() as Float32Array);
  const i32 = (t: tf.Tensor) => Int32Array.from(t.dataSync() as Int32Array);
  return {
    numFeatures: ctx.fit.x.shape[1],
    numClasses: ctx.numClasses,
    teachers: ctx.bank.teachers,
    fitX: f32(ctx.fit.x),
    fitY: i32(ctx.fit.y),
    valX: f32(ctx.val.x),
    valY: i32(ctx.val.y),
    testX: f32(ctx.test.x),
    testY: i32(ctx.test.y),
    bankFit: f32(ctx.bank.fit),
    bankVal: f32(ctx.bank.val),
    bankTest: f32(ctx.bank.test),
    valCERows: ctx.bank.valCERows,
  };
}

/** Per-process setup for runTrials: the context rebuilt from the shared arrays (same values as the caller's). */
export function multiTeacherSetup(s: MultiTeacherShared): MultiTeacherContext {
  const k = s.teachers.length;
  const rows = (y: Int32Array) => y.length;
  const set = (x: Float32Array, y: Int32Array): Tensors => ({ x: tf.tensor2d(x, [rows(y), s.numFeatures], "float32"), y: tf.tensor1d(y, "int32") });
  const fit = set(s.fitX, s.fitY);
  const val = set(s.valX, s.valY);
  const test = set(s.testX, s.testY);
  const stack = (z: Float32Array, n: number) => tf.tensor3d(z, [k, n, s.numClasses], "float32");
  const bank: TeacherBank = { teachers: s.teachers, fit: stack(s.bankFit, rows(s.fitY)), val: stack(s.bankVal, rows(s.valY)), test: stack(s.bankTest, rows(s.testY)), valCERows: s.valCERows };
  return {
    fit,
    val,
    test,
    numClasses: s.numClasses,
    bank,
    fitLabels: Int32Array.from(s.fitY),
    valLabels: Int32Array.from(s.valY),
    dispose() {
      [fit.x, fit.y, val.x, val.y, test.x, test.y, bank.fit, bank.val, bank.test].forEach((t) => t.dispose());
    },
  };
}

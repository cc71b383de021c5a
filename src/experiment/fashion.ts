/**
 * Notebook 07's experiment as plain data plus the two steps every run of it
 * shares: the data (a stratified validation hold-out of the training rows) and
 * the teachers (trained once, cached by teacher-cache.ts).
 *
 * Budgets: FASHION_BUDGET=ci (default) uses a stratified 6,000-row training and
 * 2,000-row test subset and few epochs, so CI runs the notebook in a few
 * minutes on 2 cores; `full` uses all 60,000 + 10,000 rows. Either way a
 * stratified validation split (valRows) is held out of the training rows: the
 * teachers and students train on the rest (the fit rows), the validation rows
 * only weight the teachers (never the test rows).
 *
 * Teachers: a small and a larger CNN (models/conv.ts) and a wide MLP, for the
 * multi-teacher section; the temperature sweep distils `sweepTeacher`.
 */
import { Dataset, Tensors } from "../data/dataset";
import { loadFashionMnist } from "../data/fashion-mnist";
import { labelledFraction } from "../data/split";
import { buildConvNet, describeConv } from "../models/conv";
import { buildMlp, describeMlp } from "../models/mlp";
import { TrainHooks } from "../train/trainer";
import { predictLogits } from "../distill/teachers";
import { MultiTeacherContext, MultiTeacherSweepResult, MultiTeacherVariant, TeacherLogits, multiTeacherContextFrom, multiTeacherSweep } from "./multi-teacher";
import { pct } from "../analysis/format";
import { MlpTrainSpec } from "./runs";
import { CachedTeacher, getTeacher } from "./teacher-cache";
import { TemperatureSweepConfig } from "./temperature-sweep";

export type FashionBudget = "ci" | "full";

export interface TeacherTrain {
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
}

export type FashionTeacherModel = { kind: "cnn"; filters: [number, number]; dense: number } | { kind: "mlp"; hidden: number[] };

export interface FashionTeacherSpec {
  /** Letters, digits, - (part of the cache folder name). */
  name: string;
  model: FashionTeacherModel;
  train: TeacherTrain;
}

export interface FashionConfig {
  budget: FashionBudget;
  dataSeed: number;
  /** Stratified subset sizes; undefined = all rows. */
  trainSize?: number;
  testSize?: number;
  /** Stratified validation rows held out of the training rows (for teacher weights). */
  valRows: number;
  teachers: FashionTeacherSpec[];
  /** The teacher the temperature sweep distils (a name from `teachers`). */
  sweepTeacher: string;
  /** Hidden widths of the MLP students, one sweep each. */
  students: number[][];
  sweep: Omit<TemperatureSweepConfig, "student"> & { student: { batchSize: number; learningRate: number } };
  /** Notebook 03's comparison at this scale: hard labels, each teacher alone, uniform and validation-accuracy weights. */
  multiTeacher: {
    /** epochs come from each setting. */
    student: MlpTrainSpec;
    alpha: number;
    seeds: number[];
    settings: { name: string; trainFraction: number; epochs: number; temperature: number }[];
    variants: MultiTeacherVariant[];
  };
}

export function fashionBudget(env: string | undefined = process.env.FASHION_BUDGET): FashionBudget {
  const b = (env ?? "ci").trim() || "ci";
  if (b !== "ci" && b !== "full") throw new Error(`FASHION_BUDGET must be "ci" or "full"; got "${env}"`);
  return b;
}

export function fashionConfig(budget: FashionBudget = fashionBudget()): FashionConfig {
  const ci = budget === "ci";
  const teachers: FashionTeacherSpec[] = [
    { name: "cnn-small", model: { kind: "cnn", filters: [16, 32], dense: 64 }, train: { epochs: 8, batchSize: 64, learningRate: 1e-3, seed: 0 } },
    { name: "cnn-large", model: { kind: "cnn", filters: [32, 64], dense: 128 }, train: { epochs: ci ? 5 : 6, batchSize: 64, learningRate: 1e-3, seed: 0 } },
    { name: "mlp", model: { kind: "mlp", hidden: [512, 512] }, train: { epochs: ci ? 20 : 15, batchSize: 128, learningRate: 1e-3, seed: 0 } },
  ];
  return {
    budget,
    dataSeed: 0,
    trainSize: ci ? 6000 : undefined,
    testSize: ci ? 2000 : undefined,
    valRows: ci ? 600 : 5000,
    teachers,
    sweepTeacher: "cnn-large",
    students: [[32], [128]],
    sweep: {
      // Full budget: batch 256 (a quarter of the steps of batch 64; a small MLP step costs about the same either way on wasm), rate ×2.
      student: ci ? { batchSize: 64, learningRate: 1e-3 } : { batchSize: 256, learningRate: 2e-3 },
      temperatures: [1, 4, 8],
      alpha: 0.5,
      seeds: [0, 1, 2],
      // The 10 % setting gets 10× the epochs: the same optimiser steps as all rows (notebook 01's data-short regime).
      settings: ci
        ? [
            { name: "all rows · 8 epochs", trainFraction: 1, epochs: 8 },
            { name: "10 % of rows · 80 epochs", trainFraction: 0.1, epochs: 80 },
          ]
        : [
            { name: "all rows · 15 epochs", trainFraction: 1, epochs: 15 },
            { name: "10 % of rows · 150 epochs", trainFraction: 0.1, epochs: 150 },
          ],
    },
    multiTeacher: {
      student: { hidden: [32], epochs: 0, ...(ci ? { batchSize: 64, learningRate: 1e-3 } : { batchSize: 256, learningRate: 2e-3 }) },
      alpha: 0.5,
      seeds: [0, 1, 2],
      // Notebook 03's two regimes: all rows at T = 4; 10 % of the rows, step-matched, at T = 8.
      settings: ci
        ? [
            { name: "all rows · 8 epochs · T = 4", trainFraction: 1, epochs: 8, temperature: 4 },
            { name: "10 % of rows · 80 epochs · T = 8", trainFraction: 0.1, epochs: 80, temperature: 8 },
          ]
        : [
            { name: "all rows · 15 epochs · T = 4", trainFraction: 1, epochs: 15, temperature: 4 },
            { name: "10 % of rows · 150 epochs · T = 8", trainFraction: 0.1, epochs: 150, temperature: 8 },
          ],
      variants: [
        { name: "hard labels", weighting: { kind: "hard" } },
        ...teachers.map((t, i) => ({ name: `only ${t.name}`, weighting: { kind: "single" as const, teacher: i } })),
        { name: "uniform", weighting: { kind: "uniform" } },
        { name: "val-accuracy", weighting: { kind: "val-accuracy" } },
      ],
    },
  };
}

export function describeTeacher(m: FashionTeacherModel): string {
  return m.kind === "cnn" ? describeConv({ filters: m.filters, dense: m.dense, numClasses: 10 }) : describeMlp({ inputDim: 784, hidden: m.hidden, outputDim: 10 });
}

/** The teacher cache folder of one teacher at one budget. */
export function teacherKey(c: FashionConfig, t: FashionTeacherSpec): string {
  return `fashion-${c.budget}-${t.name}-${describeTeacher(t.model)}`;
}

export interface FashionData {
  /** The rows teachers and students train on (training rows minus the validation rows). */
  fit: Dataset;
  val: Dataset;
  test: Dataset;
  fitT: Tensors;
  valT: Tensors;
  testT: Tensors;
  dir: string;
  fullTrain: number;
  fullTest: number;
  dispose(): void;
}

export async function loadFashionData(c: FashionConfig): Promise<FashionData> {
  const fm = await loadFashionMnist({ trainSize: c.trainSize, testSize: c.testSize, seed: c.dataSeed });
  const n = fm.train.numSamples;
  if (!(Number.isInteger(c.valRows) && c.valRows >= 10 && c.valRows < n)) throw new Error(`valRows must be an integer in [10, ${n - 1}]; got ${c.valRows}`);
  const all = Array.from({ length: n }, (_, i) => i);
  const { labelled: valIdx, unlabelled: fitIdx } = labelledFraction(fm.train.y, all, c.valRows / n, c.dataSeed + 7);
  const fit = fm.train.subset(fitIdx);
  const val = fm.train.subset(valIdx);
  const fitT = fit.toTensors();
  const valT = val.toTensors();
  const testT = fm.test.toTensors();
  return {
    fit,
    val,
    test: fm.test,
    fitT,
    valT,
    testT,
    dir: fm.dir,
    fullTrain: fm.fullTrain,
    fullTest: fm.fullTest,
    dispose() {
      [fitT.x, fitT.y, valT.x, valT.y, testT.x, testT.y].forEach((t) => t.dispose());
    },
  };
}

function teacherSpec(c: FashionConfig, name: string): FashionTeacherSpec {
  const t = c.teachers.find((s) => s.name === name);
  if (!t) throw new Error(`no Fashion-MNIST teacher named "${name}"; the config has ${c.teachers.map((s) => s.name).join(", ")}`);
  return t;
}

/**
 * The named teachers (default all), each reloaded from the cache or trained on
 * the fit rows and saved; they come back with their logits on the fit and test
 * rows cached.
 */
export async function fashionTeachers(c: FashionConfig, data: FashionData, names: string[] = c.teachers.map((t) => t.name), hooks?: (name: string) => TrainHooks): Promise<CachedTeacher[]> {
  const out: CachedTeacher[] = [];
  try {
    for (const name of names) {
      const t = teacherSpec(c, name);
      const seed = t.train.seed;
      out.push(
        await getTeacher({
          key: teacherKey(c, t),
          config: { model: t.model, train: t.train },
          arch: describeTeacher(t.model),
          build: () =>
            t.model.kind === "cnn"
              ? buildConvNet({ side: 28, filters: t.model.filters, dense: t.model.dense, numClasses: 10, seed })
              : buildMlp({ inputDim: 784, hidden: t.model.hidden, outputDim: 10, seed }),
          data: { train: data.fit, test: data.test, trainT: data.fitT, testT: data.testT },
          hooks: hooks?.(name) ?? {
            onEpoch: (r) => console.log(`[teacher ${name}] epoch ${r.epoch}/${t.train.epochs}: loss ${r.loss.toFixed(4)}, test accuracy ${pct(r.testAcc)} (${(r.ms / 1000).toFixed(1)} s)`),
          },
        }),
      );
    }
    return out;
  } catch (e) {
    out.forEach((t) => t.dispose());
    throw e;
  }
}

/**
 * The multi-teacher context of notebook 03 built from the cached teachers: their
 * logits on the fit and test rows (already cached with them) and on the
 * validation rows (computed here). The data tensors stay the caller's.
 */
export function fashionMultiTeacherContext(data: FashionData, teachers: CachedTeacher[], names: string[]): MultiTeacherContext {
  if (names.length !== teachers.length) throw new Error(`${teachers.length} teachers but ${names.length} names`);
  const logits: TeacherLogits[] = teachers.map((t, i) => ({
    name: names[i],
    arch: t.arch,
    params: t.params,
    epochs: t.history.length,
    fit: t.outputs.train,
    val: predictLogits(t.model, data.valT.x),
    test: t.outputs.test,
  }));
  try {
    return multiTeacherContextFrom({ fit: data.fitT, val: data.valT, test: data.testT, numClasses: 10, teachers: logits, ownsData: false });
  } finally {
    logits.forEach((l) => l.val.dispose());
  }
}

/** One multi-teacher sweep per setting of the config (all rows; a fraction of them), in runTrials' workers. */
export async function fashionMultiTeacherSweeps(c: FashionConfig, ctx: MultiTeacherContext): Promise<{ setting: string; sweep: MultiTeacherSweepResult }[]> {
  const m = c.multiTeacher;
  const out: { setting: string; sweep: MultiTeacherSweepResult }[] = [];
  for (const s of m.settings) {
    const sweep = await multiTeacherSweep(
      ctx,
      { teachers: c.teachers, student: { ...m.student, epochs: s.epochs }, trainFraction: s.trainFraction, temperature: s.temperature, alpha: m.alpha, seeds: m.seeds, variants: m.variants },
      { label: `multi-teacher · ${s.name}` },
    );
    out.push({ setting: s.name, sweep });
  }
  return out;
}

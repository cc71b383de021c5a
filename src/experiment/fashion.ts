/**
 * Notebook 07's two steps every run of it shares: the data (a stratified
 * validation hold-out of the training rows) and the teachers (trained once,
 * cached by teacher-cache.ts), plus the multi-teacher context built from them.
 * The configuration is experiments/07-fashion-mnist-distillation.json (both
 * budgets); the sweeps are in fashion-sweeps.ts, the comparisons in
 * fashion-compare.ts, the whole notebook in runners/fashion-mnist.ts.
 *
 * Either budget holds out a stratified validation split (valRows) of the
 * training rows: the teachers and students train on the rest (the fit rows),
 * the validation rows only weight the teachers (never the test rows).
 */
import { Dataset, Tensors } from "../data/dataset";
import { loadFashionMnist } from "../data/fashion-mnist";
import { labelledFraction } from "../data/split";
import { buildConvNet, describeConv } from "../models/conv";
import { buildMlp, describeMlp } from "../models/mlp";
import { TrainHooks } from "../train/trainer";
import { predictLogits } from "../distill/teachers";
import { MultiTeacherContext, TeacherLogits, multiTeacherContextFrom } from "./multi-teacher";
import { pct } from "../analysis/format";
import { CachedTeacher, getTeacher } from "./teacher-cache";
import type { FashionMnistExperiment, FashionTeacherSpec } from "./schema/fashion-mnist";

/** Notebook 07's configuration (experiments/07-fashion-mnist-distillation.json, checked by schema/fashion-mnist.ts). */
export type FashionConfig = FashionMnistExperiment;
export type FashionBudget = FashionConfig["budget"];
export type { FashionTeacherSpec } from "./schema/fashion-mnist";
export type FashionTeacherModel = FashionTeacherSpec["model"];

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

/** A fresh, untrained model of a teacher spec (seeded by its train.seed). */
export function buildFashionTeacher(t: FashionTeacherSpec) {
  const seed = t.train.seed;
  return t.model.kind === "cnn"
    ? buildConvNet({ side: 28, filters: t.model.filters, dense: t.model.dense, numClasses: 10, seed })
    : buildMlp({ inputDim: 784, hidden: t.model.hidden, outputDim: 10, seed });
}

export function teacherSpec(c: FashionConfig, name: string): FashionTeacherSpec {
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
      out.push(
        await getTeacher({
          key: teacherKey(c, t),
          config: { model: t.model, train: t.train },
          arch: describeTeacher(t.model),
          build: () => buildFashionTeacher(t),
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

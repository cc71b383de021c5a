/**
 * The two runs every distillation experiment is made of: train a teacher on
 * hard labels, then train a student (hard labels, or distilled from cached
 * teacher logits). Both are seeded and release every tensor they create.
 */
import * as tf from "@tensorflow/tfjs";
import { Dataset, Tensors } from "../data/dataset";
import { TeacherOutputs, cacheTeacherOutputs } from "../distill/teachers";
import { Latency, measureLatency } from "../models/latency";
import { Activation, buildMlp, describeMlp } from "../models/mlp";
import { EpochRecord, TemperatureFn, TrainHooks, train } from "../train/trainer";
import { deriveSeed } from "../core/seed";

/** Hooks that log every 10th epoch of a teacher's training. */
export function teacherEpochLog(log: (line: string) => void, epochs: number): TrainHooks {
  return {
    onEpoch: (r) => {
      if (r.epoch % 10 === 0) log(`teacher epoch ${r.epoch}/${epochs}: loss ${r.loss.toFixed(4)}, test accuracy ${(100 * r.testAcc).toFixed(1)} %`);
    },
  };
}

export interface MlpTrainSpec {
  hidden: number[];
  activation?: Activation;
  dropout?: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
}

export interface TrainedTeacher {
  model: tf.LayersModel;
  arch: string;
  params: number;
  testAcc: number;
  history: EpochRecord[];
  /** Teacher logits on the train and test sets, computed once for all students. */
  outputs: TeacherOutputs;
  dispose(): void;
}

/** Trains an MLP teacher on all training rows with hard labels and caches its logits. */
export async function trainTeacher(
  data: { train: Dataset; test: Dataset; trainT: Tensors; testT: Tensors },
  spec: MlpTrainSpec,
  seed: number,
  hooks: TrainHooks = {},
): Promise<TrainedTeacher> {
  const model = buildMlp({ inputDim: data.train.numFeatures, hidden: spec.hidden, outputDim: data.train.numClasses, activation: spec.activation, dropout: spec.dropout, seed: deriveSeed(seed, "teacher-init") });
  const history = await train(model, { train: data.trainT, test: data.testT }, { ...spec, seed: deriveSeed(seed, "teacher-train") }, hooks);
  const outputs = cacheTeacherOutputs(model, data.trainT.x, data.testT.x);
  return {
    model,
    arch: describeMlp({ inputDim: data.train.numFeatures, hidden: spec.hidden, outputDim: data.train.numClasses }),
    params: model.countParams(),
    testAcc: history[history.length - 1].testAcc,
    history,
    outputs,
    dispose() {
      outputs.dispose();
      model.dispose();
    },
  };
}

export interface StudentRun {
  history: EpochRecord[];
  testAcc: number;
  teacherAgreement: number | null;
  params: number;
  latency?: Latency;
  ms: number;
}

/**
 * Trains one student MLP. `teacher` (cached logits on exactly these train and
 * test rows) is needed when alpha < 1. The model is disposed unless `keep` is set.
 */
export async function runStudent(args: {
  train: Tensors;
  test: Tensors;
  teacher?: { train: tf.Tensor2D; test: tf.Tensor2D };
  numClasses: number;
  spec: MlpTrainSpec;
  /** Fixed, or a schedule over training steps (see distill/schedules.ts). */
  temperature: number | TemperatureFn;
  alpha: number;
  seed: number;
  measure?: boolean;
  hooks?: TrainHooks;
}): Promise<StudentRun> {
  const t0 = performance.now();
  const model = buildMlp({ inputDim: args.train.x.shape[1], hidden: args.spec.hidden, outputDim: args.numClasses, activation: args.spec.activation, dropout: args.spec.dropout, seed: deriveSeed(args.seed, "student-init") });
  try {
    const history = await train(
      model,
      { train: args.train, test: args.test, teacherTrain: args.teacher?.train, teacherTest: args.teacher?.test },
      { epochs: args.spec.epochs, batchSize: args.spec.batchSize, learningRate: args.spec.learningRate, seed: deriveSeed(args.seed, "student-train"), temperature: args.temperature, alpha: args.alpha },
      args.hooks,
    );
    const last = history[history.length - 1];
    return {
      history,
      testAcc: last.testAcc,
      teacherAgreement: last.teacherAgreement,
      params: model.countParams(),
      latency: args.measure ? measureLatency(model) : undefined,
      ms: performance.now() - t0,
    };
  } finally {
    model.dispose();
  }
}

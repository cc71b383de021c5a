/**
 * Staged training: several calls of train() on one model with one Adam
 * optimiser, each stage with its own data, temperature, α, batch size,
 * learning rate and epochs. Weights and the optimiser state (Adam's moments
 * and iteration count) carry over between stages; a learning-rate change sets
 * the optimiser's `learningRate` field, which tfjs's Adam reads at every step,
 * so its moments are kept. The combined history numbers epochs and steps
 * globally and marks where each stage begins and ends.
 */
import * as tf from "@tensorflow/tfjs";
import { EpochRecord, LossTerm, TrainData, TrainHooks, train } from "./trainer";
import { checkAlpha, checkTemperature } from "../distill/temperature";
import { deriveSeed } from "../core/seed";

export interface Stage {
  name: string;
  data: TrainData;
  temperature: number;
  /** Weight of the hard-label loss (α·CE + (1−α)·KD); default 0.5 with a teacher, 1 without. */
  alpha?: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  extraTerms?: LossTerm[];
}

export interface StagedEpochRecord extends EpochRecord {
  stage: string;
  stageIndex: number;
  /** Epoch number within the stage (1-based); `epoch` is global. */
  stageEpoch: number;
  /** Global optimiser steps done at the end of this epoch. */
  step: number;
  learningRate: number;
  batchSize: number;
}

export interface StageBoundary {
  stage: string;
  index: number;
  /** First and last global epoch of the stage. */
  firstEpoch: number;
  lastEpoch: number;
  /** Global steps before and after the stage. */
  stepsBefore: number;
  stepsAfter: number;
}

export interface StagedResult {
  history: StagedEpochRecord[];
  boundaries: StageBoundary[];
  /** Total optimiser steps over all stages (the optimiser's iteration count grows by exactly this). */
  steps: number;
}

/** Rejects a bad stage list with the field and the value. */
export function checkStages(stages: Stage[]): void {
  if (!Array.isArray(stages) || stages.length === 0) throw new Error("stages must list at least one stage");
  stages.forEach((s, i) => {
    const f = `stages[${i}]${s.name ? ` (${s.name})` : ""}`;
    if (!Number.isInteger(s.epochs) || s.epochs <= 0) throw new Error(`${f}.epochs must be a positive integer; got ${s.epochs}`);
    if (!Number.isInteger(s.batchSize) || s.batchSize <= 0) throw new Error(`${f}.batchSize must be a positive integer; got ${s.batchSize}`);
    if (!(Number.isFinite(s.learningRate) && s.learningRate > 0)) throw new Error(`${f}.learningRate must be > 0; got ${s.learningRate}`);
    checkTemperature(s.temperature, `${f}.temperature`);
    if (s.alpha !== undefined) checkAlpha(s.alpha, `${f}.alpha`);
    if (!s.data || !s.data.train) throw new Error(`${f}.data must hold train and test tensors`);
  });
}

/** Steps one stage runs: epochs × ⌈rows / batchSize⌉. */
export function stageSteps(s: { epochs: number; batchSize: number; rows: number }): number {
  return s.epochs * Math.ceil(s.rows / s.batchSize);
}

/** The learning rate of a tfjs optimiser that has one (Adam, SGD, …). */
export function getLearningRate(optimizer: tf.Optimizer): number {
  const lr = (optimizer as unknown as { learningRate?: unknown }).learningRate;
  if (typeof lr !== "number") throw new Error(`optimizer ${optimizer.getClassName()} exposes no numeric learningRate`);
  return lr;
}

/** Changes the learning rate in place, keeping the optimiser's state (Adam: moments and iterations). */
export function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  if (!(Number.isFinite(learningRate) && learningRate > 0)) throw new Error(`learningRate must be > 0; got ${learningRate}`);
  getLearningRate(optimizer);
  (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
}

/**
 * Runs the stages in order on `model`. `optimizer` (default: a fresh Adam at the
 * first stage's learning rate, disposed at the end) is shared by every stage.
 * Each stage's shuffling is seeded from `seed` and the stage index.
 */
export async function trainStages(model: tf.LayersModel, stages: Stage[], opts: { seed: number; optimizer?: tf.Optimizer; hooks?: TrainHooks }): Promise<StagedResult> {
  checkStages(stages);
  const optimizer = opts.optimizer ?? tf.train.adam(stages[0].learningRate);
  const history: StagedEpochRecord[] = [];
  const boundaries: StageBoundary[] = [];
  let steps = 0;
  try {
    for (let i = 0; i < stages.length; i++) {
      const s = stages[i];
      setLearningRate(optimizer, s.learningRate);
      const rows = s.data.train.x.shape[0];
      const perEpoch = Math.ceil(rows / s.batchSize);
      const stepsBefore = steps;
      const epochOffset = history.length;
      const h = await train(
        model,
        s.data,
        { epochs: s.epochs, batchSize: s.batchSize, learningRate: s.learningRate, seed: deriveSeed(opts.seed, "stage", i), temperature: s.temperature, alpha: s.alpha, extraTerms: s.extraTerms, optimizer },
        opts.hooks,
      );
      h.forEach((r) => {
        history.push({ ...r, epoch: epochOffset + r.epoch, stage: s.name, stageIndex: i, stageEpoch: r.epoch, step: stepsBefore + r.epoch * perEpoch, learningRate: s.learningRate, batchSize: s.batchSize });
      });
      steps += s.epochs * perEpoch;
      boundaries.push({ stage: s.name, index: i, firstEpoch: epochOffset + 1, lastEpoch: history.length, stepsBefore, stepsAfter: steps });
    }
  } finally {
    if (!opts.optimizer) optimizer.dispose();
  }
  return { history, boundaries, steps };
}

/** The trainer's configuration, data, records and state, and their checks. */
import * as tf from "@tensorflow/tfjs";
import { Tensors } from "../data/dataset";
import type { LossSpec } from "../distill/registry";
import type { LossTerm } from "../distill/terms/types";
import { checkAlpha, checkTemperature } from "../distill/temperature";
import type { HeadMode } from "../distill/attention";
import type { ModelLike } from "./trainable";

import type { TargetFn, TemperatureFn } from "../distill/terms/types";
export type { TargetFn, TemperatureFn } from "../distill/terms/types";

export interface TrainConfig {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Seeds the shuffling order and the loss terms' own draws (the model's init has its own seed). */
  seed: number;
  /** The run's temperature, fixed or per step; default 1. A kd term without its own temperature uses it. */
  temperature?: number | TemperatureFn;
  /** Shorthand objective α·CE + (1−α)·KD (default 1 without a teacher, 0.5 with one). Not with `losses`. */
  alpha?: number;
  /** The objective as registry terms, e.g. [{ loss: "ce", weight: 1 }, { loss: "hint", weight: 0.5, … }]. */
  losses?: LossSpec[];
  /** Hand-built terms added after the others; each is recorded per epoch under its name. */
  extraTerms?: LossTerm[];
  /** An optimizer owned by the caller (kept, not disposed): carries state across stages or a resume. Default: a fresh Adam. */
  optimizer?: tf.Optimizer;
  /** Continue a run from a saved state (see TrainState); the model and optimizer must hold the matching weights. */
  resume?: TrainState;
  /** Attention layers whose student–teacher similarity on the test rows is measured every epoch (needs a teacherModel). */
  probe?: { studentLayer: number; teacherLayer: number; heads?: HeadMode };
}

export interface TrainData {
  train: Tensors;
  test: Tensors;
  /** Cached teacher logits on train.x. */
  teacherTrain?: tf.Tensor2D;
  /** Soft targets per batch, instead of teacherTrain. */
  teacherTargets?: TargetFn;
  /** Cached teacher logits on test.x (for the agreement metric). */
  teacherTest?: tf.Tensor2D;
  /** A frozen teacher whose outputs (logits, features, attention maps) are cached on train.x as the terms need. */
  teacherModel?: ModelLike;
  /**
   * Optional per-row label mask over train rows (1 = labelled, 0 = unlabelled).
   * When given, the hard-label cross-entropy is the mean over the labelled rows
   * of each batch (0 for a batch without any), training accuracy counts labelled
   * rows only, and the labels of unlabelled rows are never used: they may hold
   * any value (e.g. −1), as they are replaced by 0 before any loss sees them.
   */
  labelMask?: tf.Tensor1D;
  /** Named tensors over the training rows that registry terms read (e.g. pseudo-label targets). */
  inputs?: Record<string, tf.Tensor>;
}

export interface EpochRecord {
  epoch: number;
  /** Weighted total, mean over the epoch's samples. */
  loss: number;
  /** Unweighted mean of each term over the epoch's samples, by term name. */
  parts: Record<string, number>;
  /** parts.ce and parts.kd (0 when absent). */
  ce: number;
  kd: number;
  /** The parts other than ce and kd (only when there are any). */
  extra?: Record<string, number>;
  /** Training accuracy on the (shuffled, dropout-on) batches of the epoch (labelled rows only with a labelMask). */
  trainAcc: number;
  testAcc: number;
  /** Fraction of test samples where student and teacher predict the same class; null without a teacher. */
  teacherAgreement: number | null;
  /** Mean cosine between student and teacher attention maps on the test rows (with a probe), else null. */
  attentionSimilarity: number | null;
  /** Mean temperature over the epoch's steps (the constant T when it is fixed). */
  temperature: number;
  ms: number;
}

/** Where a run stands after an epoch: enough, with the weights and optimiser state, to resume it exactly. */
export interface TrainState {
  /** Last completed epoch (0 before training). */
  epoch: number;
  /** Global step count so far. */
  step: number;
  /** State of the shuffling RNG after `epoch`. */
  rngState: number;
  history: EpochRecord[];
}

export interface TrainHooks {
  /** Called once the terms are built: their names (the parts recorded) and the parameters they add (adapters). */
  onStart?: (info: { partNames: string[]; extraParams: number }) => void;
  /** Called before each epoch (awaited): e.g. to compute per-epoch teacher weights with asynchronous reads. */
  onEpochStart?: (epoch: number) => unknown;
  /** Called after each epoch; may be async (e.g. to write a checkpoint). */
  onEpoch?: (r: EpochRecord, state: TrainState) => unknown;
}

export function checkTrainConfig(c: TrainConfig): void {
  const posInt = (name: string, v: number) => {
    if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} must be a positive integer; got ${v}`);
  };
  posInt("epochs", c.epochs);
  posInt("batchSize", c.batchSize);
  if (!(Number.isFinite(c.learningRate) && c.learningRate > 0)) throw new Error(`learningRate must be > 0; got ${c.learningRate}`);
  if (!Number.isFinite(c.seed)) throw new Error(`seed must be a finite number; got ${c.seed}`);
  if (typeof c.temperature === "number") checkTemperature(c.temperature);
  if (c.alpha !== undefined) checkAlpha(c.alpha);
  if (c.alpha !== undefined && c.losses) throw new Error("give alpha or losses, not both (alpha is shorthand for ce and kd terms)");
  (c.extraTerms ?? []).forEach((t, i) => {
    if (!(Number.isFinite(t.weight) && t.weight >= 0)) throw new Error(`extraTerms[${i}] (${t.name}).weight must be ≥ 0; got ${t.weight}`);
  });
  if (c.resume && !(Number.isInteger(c.resume.epoch) && c.resume.epoch >= 0 && c.resume.epoch <= c.epochs)) {
    throw new Error(`resume.epoch must be an integer in [0, ${c.epochs}]; got ${c.resume.epoch}`);
  }
}

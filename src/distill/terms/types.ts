/**
 * What a loss term is: a named, weighted scalar computed for one batch inside
 * the trainer's gradient scope. Terms come from the registry (src/distill/registry.ts),
 * built from plain configuration, or are written by hand as a LossTerm.
 */
import * as tf from "@tensorflow/tfjs";
import type { ModelOutputs } from "../../models/probe";

/** Temperature as a function of the global training step (0-based); see distill/schedules.ts. */
export type TemperatureFn = (step: number) => number;

/**
 * Soft targets for a batch: probabilities at `temperature` for the training rows
 * `indices`, at `epoch`. Lets several teachers, fused by weights that may change
 * every epoch, stand in for one teacher's cached logits.
 */
export type TargetFn = (args: { indices: tf.Tensor1D; temperature: number; epoch: number }) => tf.Tensor2D;

/** The frozen teacher's outputs for the batch rows (cached once per run; no gradient reaches them). */
export interface TeacherBatch {
  /** Teacher logits [batch, classes]. */
  logits?: tf.Tensor2D;
  /** Soft targets at the current temperature [batch, classes] (e.g. several teachers fused), instead of logits. */
  targets?: tf.Tensor2D;
  /** Named teacher features. */
  features: Record<string, tf.Tensor>;
  /** Teacher attention maps by (non-negative) layer index. */
  attentions: Record<number, tf.Tensor4D>;
}

export interface LossContext {
  /** The student's outputs on the batch, in training mode. */
  outputs: ModelOutputs;
  /** outputs.logits. */
  logits: tf.Tensor2D;
  /** Runs the student again in training mode (e.g. on perturbed inputs). */
  forward: (x: tf.Tensor2D) => ModelOutputs;
  /** The student's trainable variables; `model` when the student is a tf.LayersModel. */
  variables: tf.Variable[];
  model?: tf.LayersModel;
  x: tf.Tensor2D;
  /** The batch rows' inputs on the host (only for terms that declare needs.hostInputs). */
  xHost: () => Float32Array;
  /** int32 labels; unlabelled rows (label mask 0) hold class 0. */
  y: tf.Tensor1D;
  /** 1 = labelled, 0 = not; absent when every row is labelled. */
  mask?: tf.Tensor1D;
  /** Indices of the batch rows in the training set. */
  indices: tf.Tensor1D;
  teacher: TeacherBatch;
  /** The run's temperature at this step (fixed or scheduled). */
  temperature: number;
  epoch: number;
  step: number;
}

/** A term of the objective, added as weight · compute(ctx). */
export interface LossTerm {
  /** The name its per-epoch mean is recorded under. */
  name: string;
  weight: number;
  compute: (ctx: LossContext) => tf.Scalar;
  /** Extra trainable variables (e.g. a hint adapter), optimised with the student's. */
  variables?: tf.Variable[];
  /** What the term needs from the teacher, so the trainer caches exactly that. */
  needs?: TeacherNeeds;
  dispose?: () => void;
}

export interface TeacherNeeds {
  logits?: boolean;
  features?: string[];
  /** Layer indices, non-negative (resolved against the teacher's layer count). */
  attentions?: number[];
  /** The batch inputs on the host (ctx.xHost). */
  hostInputs?: boolean;
}

/** Shapes the two models produce, for checking pairings before training. */
export interface ModelShapes {
  name: string;
  features: Record<string, number[]>;
  attentions: number[][];
}

/** What a registry entry may use to build its term. */
export interface BuildEnv {
  student: ModelShapes;
  /** Absent without a teacher model (cached teacher logits carry no features). */
  teacher?: ModelShapes;
  /** Whether teacher logits or soft targets will be available. */
  hasTeacherOutputs: boolean;
  /** The run's seed: an entry derives its own seeds from it with a label of its own (deriveSeed). */
  seed: number;
  /** Tensors over the training rows that some terms read by name (e.g. pseudo-label targets and mask). */
  inputs: Record<string, tf.Tensor>;
  /** Number of training rows (terms that keep a state per row, e.g. CRD's memory bank). */
  trainRows?: number;
  /** Position of the term among the terms of its entry (0 for the first hint, …). */
  index: number;
}

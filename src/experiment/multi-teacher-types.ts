/**
 * The plain-data types of the multi-teacher experiment (notebook 03, and the
 * Fashion-MNIST comparison of notebook 07): teachers, weightings, run
 * configurations, trials and their results, and the context of cached teacher
 * logits every trial reads. The functions live in multi-teacher-context.ts
 * (teachers and their logits), multi-teacher-trial.ts (one student run),
 * multi-teacher-sweep.ts (every run of a configuration) and
 * multi-teacher-summary.ts (summaries and readings).
 */
import * as tf from "@tensorflow/tfjs";
import { Tensors } from "../data/dataset";
import { MlpTrainSpec } from "./runs";

export interface TeacherSpec extends MlpTrainSpec {
  name: string;
  seed: number;
}

/** How the teachers' soft targets are weighted (plain data). */
export type Weighting =
  | { kind: "hard" }
  | { kind: "single"; teacher: number }
  | { kind: "uniform" }
  /** Fixed from validation accuracy: proportional to it, or softmax(acc / temperature) when a temperature is given. */
  | { kind: "val-accuracy"; temperature?: number }
  /** Re-computed every epoch from the teachers' validation cross-entropy on the rows the student gets wrong (see studentAwareWeights). */
  | { kind: "student-aware"; temperature: number }
  /** Per training row: softmax_k(−CE_k(i) / temperature) (CA-MKD). */
  | { kind: "per-sample"; temperature: number };

export interface MultiTeacherVariant {
  name: string;
  weighting: Weighting;
}

/** What the student runs need; the teachers come as a context (their names must match). */
export interface MultiTeacherRunConfig {
  teachers: { name: string }[];
  student: MlpTrainSpec;
  /**
   * Stratified fraction of the fit rows the student trains on, in (0, 1]; default 1 (all of them).
   * The teachers always train on all fit rows and the validation rows are the same.
   */
  trainFraction?: number;
  temperature: number;
  alpha: number;
  seeds: number[];
  variants: MultiTeacherVariant[];
}

/** MLP teachers trained on the digits, then the student runs. */
export interface MultiTeacherConfig extends MultiTeacherRunConfig {
  dataSeed: number;
  /** Fraction of the training rows held out (stratified) as the validation split for weighting. */
  valFraction: number;
  splitSeed: number;
  teachers: TeacherSpec[];
}

export interface MultiTeacherTrialSpec {
  variant: string;
  weighting: Weighting;
  seed: number;
  student: MlpTrainSpec;
  /** Fraction of the fit rows the student trains on (1 = all); the rows follow from the seed (studentRows). */
  trainFraction: number;
  temperature: number;
  alpha: number;
}

export interface MultiTeacherTrialResult {
  variant: string;
  seed: number;
  testAcc: number;
  /** Rows the student trained on. */
  trainRows: number;
  /** Optimiser steps taken. */
  steps: number;
  /** Test accuracy per epoch (every epoch up to 60 epochs; beyond, about 60 evenly spaced epochs plus the first and last). */
  curve: { epoch: number; testAcc: number }[];
  /** Teacher weights used in each epoch (per-sample: mean over the training rows), on the curve's epochs; empty for hard labels. */
  weights: { epoch: number; weights: number[] }[];
  ms: number;
}

export interface TeacherSummary {
  name: string;
  arch: string;
  params: number;
  epochs: number;
  valAcc: number;
  /** Mean cross-entropy on the validation rows (nats). */
  valCE: number;
  testAcc: number;
}

/** Teacher logits cached once, [K, rows, C], on each input set. */
export interface TeacherBank {
  teachers: TeacherSummary[];
  fit: tf.Tensor3D;
  val: tf.Tensor3D;
  test: tf.Tensor3D;
  /** Per-row validation cross-entropy, [K][nVal], for the per-epoch weights. */
  valCERows: number[][];
}

export interface MultiTeacherContext {
  fit: Tensors;
  val: Tensors;
  test: Tensors;
  numClasses: number;
  bank: TeacherBank;
  /** Labels of the fit rows (the student's row subsets are stratified on them). */
  fitLabels: Int32Array;
  valLabels: Int32Array;
  dispose(): void;
}

/** One teacher's logits on the fit, validation and test rows, with what the reports show of it. */
export interface TeacherLogits {
  name: string;
  arch: string;
  params: number;
  epochs: number;
  fit: tf.Tensor2D;
  val: tf.Tensor2D;
  test: tf.Tensor2D;
}

/** What each worker process gets once: the context's tensors as typed arrays. */
export interface MultiTeacherShared {
  numFeatures: number;
  numClasses: number;
  teachers: TeacherSummary[];
  fitX: Float32Array;
  fitY: Int32Array;
  valX: Float32Array;
  valY: Int32Array;
  testX: Float32Array;
  testY: Int32Array;
  /** Teacher logits [K, rows, C], flattened. */
  bankFit: Float32Array;
  bankVal: Float32Array;
  bankTest: Float32Array;
  valCERows: number[][];
}

/**
 * The plain-data types of the semi-supervised experiment (notebook 04): the
 * methods and configuration, what a trial gets (features, and the labels of
 * its labelled rows only) and what it returns. The functions: checks
 * (semi-supervised-checks.ts), trials (semi-supervised-trials.ts), the sweep
 * (semi-supervised-sweep.ts), evaluation against the hidden labels after
 * training (semi-supervised-evaluation.ts) and summaries
 * (semi-supervised-summary.ts).
 */
import * as tf from "@tensorflow/tfjs";
import type { PerturbSpec } from "../distill/perturb";
import type { MlpTrainSpec } from "./runs";

/** What a student variant trains on. */
export interface SslMethod {
  /**
   * "labelled": hard labels on the labelled rows only (these rows alone make the training set);
   * "all": every training row, CE on the labelled ones, the other terms on the rest.
   */
  rows: "labelled" | "all";
  /** Distillation on the pseudo-labelled rows (soft targets at the config's temperature). */
  pseudo?: { weight: number; threshold: number };
  /** Consistency under a small perturbation, on every row of the batch. */
  consistency?: { weight: number; perturb: PerturbSpec };
  /** Teacher → student rounds (≥ 1); round r > 1 uses round r − 1's student as the teacher. The step budget is split equally between rounds. */
  rounds?: number;
  /** Use every training label (the fully supervised reference, not a semi-supervised variant). */
  allLabels?: boolean;
}

export interface SslVariant {
  name: string;
  method: SslMethod;
}

export interface SslConfig {
  dataSeed: number;
  /** Labelled fraction of the training rows, stratified by class, in (0, 1]. */
  labelledFraction: number;
  seeds: number[];
  /** The initial model, trained on the labelled rows only. */
  teacher: MlpTrainSpec;
  student: Omit<MlpTrainSpec, "epochs">;
  /** Optimiser steps of every student variant (the budget); epochs follow from its row count. */
  steps: number;
  /** Temperature of the pseudo-labels' soft targets. */
  temperature: number;
  variants: SslVariant[];
  /** Thresholds for the pseudo-label coverage/accuracy curve (evaluation only). */
  thresholds: number[];
  /** Processes for the trials (see runTrials); default DISTILL_WORKERS or the number of cores. */
  workers?: number;
}

/** Sent once to every worker: features and test set — no training label. */
export interface SslShared {
  numFeatures: number;
  numClasses: number;
  trainX: Float32Array;
  testX: Float32Array;
  testY: Int32Array;
}

export interface SslContext {
  trainX: tf.Tensor2D;
  test: { x: tf.Tensor2D; y: tf.Tensor1D };
  rows: number;
  dispose(): void;
}

/** The labelled rows of one seed and their labels: all a trial gets to know about training labels. */
export interface LabelledRows {
  labelled: number[];
  labelledY: number[];
}

export interface TeacherTrialSpec extends LabelledRows {
  seed: number;
  teacher: MlpTrainSpec;
}

export interface TeacherTrialResult {
  seed: number;
  testAcc: number;
  params: number;
  /** Teacher logits on every training row, row-major [rows × classes]. */
  trainLogits: Float32Array;
  ms: number;
}

export interface StudentTrialSpec extends LabelledRows {
  variant: string;
  seed: number;
  method: SslMethod;
  student: Omit<MlpTrainSpec, "epochs">;
  steps: number;
  temperature: number;
  /** Teacher logits on every training row (row-major), when the method uses pseudo-labels. */
  teacherLogits: Float32Array | null;
}

export interface RoundRecord {
  round: number;
  epochs: number;
  steps: number;
  testAcc: number;
  /** Unlabelled rows given pseudo-labels (all of them), kept by the threshold. */
  pseudoRows: number;
  pseudoKept: number;
  /** The pseudo-labels' classes and confidences on the unlabelled rows (in `unlabelled` order), for evaluation afterwards. */
  pseudoPredicted: Int32Array | null;
  pseudoConfidence: Float32Array | null;
  /** Mean of each extra loss term in the last epoch. */
  lastExtra: Record<string, number>;
}

export interface StudentTrialResult {
  variant: string;
  seed: number;
  testAcc: number;
  /** Total optimiser steps over all rounds. */
  steps: number;
  trainRows: number;
  rounds: RoundRecord[];
  /** Test accuracy per epoch, rounds concatenated. */
  curve: { epoch: number; testAcc: number }[];
  params: number;
  ms: number;
}

export interface SslRunResult {
  teachers: TeacherTrialResult[];
  students: StudentTrialResult[];
}

/** Coverage and accuracy of a set of pseudo-labels against the hidden labels. */
export interface PseudoQualityRow {
  seed: number;
  source: string;
  threshold: number;
  rows: number;
  kept: number;
  coverage: number;
  /** Accuracy of the kept pseudo-labels; null when none was kept (there is no accuracy of nothing). */
  accuracy: number | null;
}

/**
 * Semi-supervised distillation with a small labelled fraction (notebook 04).
 *
 *   1. A stratified labelled fraction of the training rows (the labelling a
 *      user would do); the other rows are unlabelled: their labels are never
 *      passed to a trial, so no training step can read them.
 *   2. Per seed, a teacher trained on the labelled rows only (teacherTrial).
 *   3. Pseudo-labels for the unlabelled rows: the teacher's soft targets at T,
 *      kept where its confidence reaches a threshold.
 *   4. The student (studentTrial): CE on the labelled rows + distillation on
 *      the kept pseudo-labelled rows + a consistency term under a seeded input
 *      perturbation, each with its own weight.
 *   5. Optionally more rounds: the student relabels the unlabelled rows and a
 *      fresh student is trained on its pseudo-labels.
 *
 * One module per job, re-exported here:
 *   semi-supervised-types.ts       the plain-data types
 *   semi-supervised-checks.ts      configurations checked by the zod schemas
 *   semi-supervised-trials.ts      the teacher and student trials
 *   semi-supervised-sweep.ts       the labelling, the plan, both sweeps across cores
 *   semi-supervised-evaluation.ts  pseudo-label quality against the hidden labels (after training)
 *   semi-supervised-summary.ts     summaries, paired comparisons, the reading
 * Notebook 04 as one function: runners/semi-supervised.ts.
 */
export * from "./semi-supervised-types";
export * from "./semi-supervised-checks";
export { stepsPerEpoch, epochsForSteps, sslSetup, unlabelledRows, teacherTrial, studentTrial } from "./semi-supervised-trials";
export { labelledSplits, readLabels, sslTrials, runSslTrials, sslShared, sslTeacherSweepTrial, sslStudentSweepTrial } from "./semi-supervised-sweep";
export type { SslPlan, SslStudentPoint, SslSweepShared } from "./semi-supervised-sweep";
export * from "./semi-supervised-evaluation";
export * from "./semi-supervised-summary";

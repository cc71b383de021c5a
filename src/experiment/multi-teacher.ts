/**
 * Multi-teacher distillation (notebook 03; notebook 07 on Fashion-MNIST): K
 * teachers of different capacity trained on the same rows, a stratified
 * validation split held out for weighting them, and one student distilled
 * from each single teacher and from the fused ensemble under several
 * weightings, over several seeds, all with the same budget.
 *
 * One module per job, re-exported here:
 *   multi-teacher-types.ts    the plain-data types
 *   multi-teacher-checks.ts   configurations checked by the zod schemas
 *   multi-teacher-context.ts  the teachers and their cached logits
 *   multi-teacher-trial.ts    one student run (weights, fused targets, training)
 *   multi-teacher-sweep.ts    every run of a configuration, across cores
 *   multi-teacher-summary.ts  summaries, paired comparisons, readings
 * Notebook 03 as one function: runners/multi-teacher-weighting.ts.
 */
export * from "./multi-teacher-types";
export * from "./multi-teacher-checks";
export { trainTeacherContext, prepareMultiTeacherContext, multiTeacherContextFrom, multiTeacherShared, multiTeacherSetup } from "./multi-teacher-context";
export { validationAccuracyWeights, staticWeights, ensembleTestAccuracy, studentRows, studentSteps, stepMatchedEpochs, runMultiTeacherTrial, multiTeacherSweepTrial, multiTeacherTrial } from "./multi-teacher-trial";
export type { MultiTeacherPoint } from "./multi-teacher-trial";
export * from "./multi-teacher-sweep";
export * from "./multi-teacher-summary";

/**
 * Notebook 04: semi-supervised distillation with a small labelled fraction —
 * a ladder of student variants (labelled rows only, + pseudo-labels,
 * + threshold, + consistency, more rounds, full supervision), every one with
 * the same optimiser steps. The method schema is also what a trial checks a
 * method built in code against (semi-supervised-checks.ts).
 */
import { z } from "zod";
import { dataset, fraction, mlpShape, name, named, obj, optimiser, posInt, positive, probability, seeds, trainingShape, weight } from "./blocks";

export const perturb = obj({
  /** Standard deviation of the Gaussian pixel noise; 0 = none. */
  noiseStd: z.number().finite().min(0),
  /** Probability of a one-pixel shift of the image. */
  shiftProb: probability,
  /** Side of the square image the rows hold (8 for digits); needed when shiftProb > 0. */
  imageSide: z.number().int().gt(1).optional(),
}).refine((p) => p.shiftProb === 0 || p.imageSide !== undefined, { message: "imageSide (an integer > 1) when shiftProb > 0", path: ["imageSide"] });

export const sslMethod = obj({
  rows: z.enum(["labelled", "all"]),
  pseudo: obj({ weight, threshold: probability }).optional(),
  consistency: obj({ weight, perturb }).optional(),
  rounds: posInt.optional(),
  allLabels: z.boolean().optional(),
}).superRefine((m, ctx) => {
  const issue = (path: string, message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, path: [path], message });
  if (m.rows === "labelled" && m.pseudo) issue("pseudo", 'no pseudo-labels with rows "labelled" (they act on the unlabelled rows: use rows "all")');
  if (m.rows === "labelled" && m.consistency) issue("consistency", 'no consistency with rows "labelled" (it acts on the unlabelled rows: use rows "all")');
  if ((m.rounds ?? 1) > 1 && !m.pseudo) issue("rounds", "1 without pseudo-labels (a later round learns from the previous student's pseudo-labels)");
  if (m.allLabels && m.rows !== "labelled") issue("allLabels", 'rows "labelled" with allLabels (full supervision on every row)');
});

export const sslVariants = named(obj({ name, method: sslMethod }));

export const semiSupervisedSchema = obj({
  data: dataset.default({ kind: "digits", seed: 0 }),
  /** Labelled fraction of the training rows, stratified by class, drawn per seed. */
  labelledFraction: fraction,
  seeds,
  /** The initial model, trained on the labelled rows only (its seeds follow from the trial seeds). */
  teacher: obj({ ...mlpShape, ...trainingShape }),
  student: obj({ ...mlpShape, batchSize: optimiser.shape.batchSize, learningRate: optimiser.shape.learningRate }),
  /** Optimiser steps of every student variant; epochs follow from its rows. */
  steps: posInt,
  /** Temperature of the pseudo-labels' soft targets. */
  temperature: positive,
  /** Thresholds of the pseudo-label coverage/accuracy curve (evaluation only). */
  thresholds: z.array(probability).min(1),
  /** The circulating claim checked by the reading: the best variant reaches this fraction of full supervision. */
  claimedOfFull: fraction.default(0.92),
  variants: sslVariants,
});

export type SemiSupervisedExperiment = z.output<typeof semiSupervisedSchema>;

/** A configuration built in code (the sweep's argument): the same fields, others allowed. */
export const sslRunSchema = z.object({
  labelledFraction: fraction,
  seeds,
  teacher: z.object({ hidden: z.array(posInt), epochs: posInt, batchSize: posInt, learningRate: positive }),
  student: z.object({ hidden: z.array(posInt), batchSize: posInt, learningRate: positive }),
  steps: posInt,
  temperature: positive,
  thresholds: z.array(probability),
  variants: sslVariants,
});

/** The kind, for loadExperiment(file, { kinds: semiSupervisedKind }). */
export const semiSupervisedKind = { "semi-supervised": semiSupervisedSchema };

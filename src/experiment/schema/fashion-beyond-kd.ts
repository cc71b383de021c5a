/**
 * Notebook 07's second experiment: on notebook 07's data and cached teachers
 * (its experiment file at the same budget is the `base`), DKD and CRD next to
 * KD, and the transfer-set regime — labels on a fraction of the rows, the
 * teacher's soft targets on all of them — with a full-data teacher and a
 * teacher that saw only the labelled rows.
 */
import { z } from "zod";
import type { LossSpec } from "../../distill/registry";
import type { PublishedOrderingConfig } from "./blocks";
import { fraction, losses, name, named, obj, posInt, positive, publishedOrdering, seed, seeds } from "./blocks";

/** Which rows an arm trains on: the labelled ones, all with all labels, or all with only the labelled ones' labels (the transfer set). */
export const ARM_ROWS = ["labelled", "all", "transfer"] as const;
export type ArmRows = (typeof ARM_ROWS)[number];

const arm = obj({
  name,
  rows: z.enum(ARM_ROWS),
  /** "full": the base's teacher (all fit rows); "strict": the same architecture trained on the labelled rows only; absent: none. */
  teacher: z.enum(["full", "strict"]).optional(),
  losses,
});

export const fashionBeyondKdSchema = obj({
  /** Notebook 07's experiment file, loaded at the same budget for its data and teachers. */
  base: name,
  /** The base teacher distilled (by name); its architecture is also the strict teacher's. */
  teacher: name,
  /** Its layer whose output is the teacher embedding CRD reads (data.inputs.teacherEmbedding). */
  embeddingLayer: name,
  labelledFraction: fraction,
  /** Seeds the one labelled subset every arm and the strict teacher share. */
  labelSeed: seed,
  strictTeacher: obj({ epochs: posInt, batchSize: posInt, learningRate: positive, seed }),
  student: obj({ hidden: z.array(posInt).min(1), batchSize: posInt, learningRate: positive }),
  /** Epochs of an arm over all rows; an arm on the labelled rows takes epochs / labelledFraction (the same optimiser steps). */
  epochs: posInt,
  seeds,
  arms: named(arm),
  comparisons: z.array(obj({ title: name, arms: z.array(name).min(2), reference: name, publishedOrdering: publishedOrdering.optional() })).min(1),
}).superRefine((c, ctx) => {
  const names = c.arms.map((a) => a.name);
  const must = (v: string, path: (string | number)[]) => {
    if (!names.includes(v)) ctx.addIssue({ code: z.ZodIssueCode.custom, path, message: `"${v}" is not an arm (arms: ${names.join(", ")})` });
  };
  c.comparisons.forEach((cmp, i) => {
    cmp.arms.forEach((a, j) => must(a, ["comparisons", i, "arms", j]));
    must(cmp.reference, ["comparisons", i, "reference"]);
    if (!cmp.arms.includes(cmp.reference)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["comparisons", i, "reference"], message: "one of the comparison's own arms" });
    cmp.publishedOrdering?.methods.forEach((m, j) => {
      if (!cmp.arms.includes(m.variant)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["comparisons", i, "publishedOrdering", "methods", j, "variant"], message: `one of the comparison's arms (${cmp.arms.join(", ")})` });
    });
  });
  c.arms.forEach((a, i) => {
    const needsTeacher = a.losses.some((l) => ["kd", "dkd", "crd"].includes(l.loss) && l.weight > 0);
    if (needsTeacher && !a.teacher) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["arms", i, "teacher"], message: `arm "${a.name}" has a teacher term: give "teacher": "full" or "strict"` });
    if (a.rows === "transfer" && !a.teacher) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["arms", i, "teacher"], message: "a transfer-set arm learns the unlabelled rows from a teacher" });
  });
});

export interface BeyondKdArm {
  name: string;
  rows: ArmRows;
  teacher?: "full" | "strict";
  losses: LossSpec[];
}

/** The validated configuration (written out: tslab compiles without strictNullChecks). */
export interface FashionBeyondKdExperiment {
  base: string;
  teacher: string;
  embeddingLayer: string;
  labelledFraction: number;
  labelSeed: number;
  strictTeacher: { epochs: number; batchSize: number; learningRate: number; seed: number };
  student: { hidden: number[]; batchSize: number; learningRate: number };
  epochs: number;
  seeds: number[];
  arms: BeyondKdArm[];
  comparisons: { title: string; arms: string[]; reference: string; publishedOrdering?: PublishedOrderingConfig }[];
}
type StrictOnly<T> = undefined extends null ? unknown : T;
const _sameType: StrictOnly<FashionBeyondKdExperiment> = null as unknown as z.output<typeof fashionBeyondKdSchema>;
void _sameType;

export const fashionBeyondKdKind = { "fashion-beyond-kd": fashionBeyondKdSchema };

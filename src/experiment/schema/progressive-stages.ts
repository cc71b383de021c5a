/**
 * Notebook 05: progressive (staged) distillation vs one stage with the same
 * total steps, in budget groups; the student's accuracy as a share of the
 * teacher's, and its measured speed. Equal steps within a budget depend on the
 * data's row count, so the runner checks them once the data is loaded.
 */
import { z } from "zod";
import type { Activation } from "../../models/mlp";
import { DatasetConfig, dataset, fraction, mlpShape, mlpTeacher, name, obj, posInt, positive, probability, seeds, stage } from "./blocks";

/** A stage of this experiment: the shared block, with α given explicitly (1 = hard labels only). */
const progressiveStage = stage.extend({ alpha: probability });

const variant = obj({
  name,
  /** Variants with the same budget label must run the same total optimiser steps. */
  budget: name,
  stages: z.array(progressiveStage).min(1),
});

export const progressiveStagesSchema = obj({
  data: dataset.default({ kind: "digits", seed: 0 }),
  teacher: mlpTeacher,
  student: obj(mlpShape),
  seeds,
  variants: z.array(variant).min(1),
  /** The variant the reading compares with the others of its budget. */
  progressive: name,
  /** measureLatency: batch size of the throughput measurement, and timed runs. */
  latency: obj({ batchSize: posInt, repeats: posInt }),
  /** The claim the reading checks: "98 % of the teacher at 5× the speed". */
  claim: obj({ ofTeacher: fraction, speedup: positive }).default({ ofTeacher: 0.98, speedup: 5 }),
}).superRefine((c, ctx) => {
  const seen = new Set<string>();
  c.variants.forEach((v, i) => {
    const key = `${v.budget}\u0000${v.name}`;
    if (seen.has(key)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["variants", i, "name"], message: `a name not used twice in budget "${v.budget}"` });
    seen.add(key);
  });
  if (!c.variants.some((v) => v.name === c.progressive)) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["progressive"], message: `the name of a variant (one of ${[...new Set(c.variants.map((v) => JSON.stringify(v.name)))].join(", ")})` });
  }
});

/** The validated configuration, written out: tslab compiles without strictNullChecks, where zod's inferred types make every field optional. */
export interface ProgressiveStagesExperiment {
  data: DatasetConfig;
  teacher: { hidden: number[]; activation: Activation; dropout: number; epochs: number; batchSize: number; learningRate: number; seed: number };
  student: { hidden: number[]; activation: Activation; dropout: number };
  seeds: number[];
  variants: { name: string; budget: string; stages: { name: string; temperature: number; alpha: number; epochs: number; batchSize: number; learningRate: number; fraction: number }[] }[];
  progressive: string;
  latency: { batchSize: number; repeats: number };
  claim: { ofTeacher: number; speedup: number };
}

/** The kind, for loadExperiment(file, { kinds: progressiveStagesKind }). */
export const progressiveStagesKind = { "progressive-stages": progressiveStagesSchema };

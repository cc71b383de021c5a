/**
 * Notebook 02: fixed vs scheduled distillation temperature, same budget for
 * every variant; epochs to reach test accuracies and paired speed-ups of named
 * comparisons, one of them the claim being checked.
 */
import { z } from "zod";
import type { ScheduleTemplate } from "../../distill/schedules";
import type { Activation } from "../../models/mlp";
import { DatasetConfig, dataset, fraction, mlpShape, mlpTeacher, name, named, obj, optimiser, posInt, schedule, seeds } from "./blocks";

const comparison = obj({ candidate: name, baseline: name });

export const dynamicTemperatureSchema = obj({
  data: dataset.default({ kind: "digits", seed: 0 }),
  teacher: mlpTeacher,
  student: obj({ ...mlpShape, batchSize: optimiser.shape.batchSize, learningRate: optimiser.shape.learningRate }),
  /** The budget of every variant; a linear/cosine schedule without tMax decays over all its steps. */
  epochs: posInt,
  alpha: z.number().min(0).lt(1, "alpha = 1 ignores the teacher: every schedule would equal the hard-label baseline"),
  seeds,
  /** schedule null: hard labels only. */
  variants: named(obj({ name, schedule: schedule.nullable() })),
  /** Test accuracies (fractions) whose first-reaching epoch is measured. */
  thresholds: z.array(fraction).min(1),
  /** Paired speed-ups measured, in this order: 1 − epochs(candidate) / epochs(baseline). */
  comparisons: z.array(comparison).min(1),
  /** The comparison the claim is about (one of `comparisons`) … */
  claim: comparison,
  /** … and the claimed reduction in epochs (0.3 = "30 % faster"). */
  claimedReduction: fraction,
}).superRefine((c, ctx) => {
  const names = new Set(c.variants.map((v) => v.name));
  const known = [...names].map((n) => JSON.stringify(n)).join(", ");
  const check = (where: (string | number)[], v: string) => {
    if (!names.has(v)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: where, message: `the name of a variant (one of ${known})` });
  };
  c.comparisons.forEach((p, i) => {
    check(["comparisons", i, "candidate"], p.candidate);
    check(["comparisons", i, "baseline"], p.baseline);
    if (p.candidate === p.baseline) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["comparisons", i, "baseline"], message: "a variant other than the candidate" });
  });
  if (!c.comparisons.some((p) => p.candidate === c.claim.candidate && p.baseline === c.claim.baseline)) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["claim"], message: `one of the comparisons (${c.comparisons.map((p) => `${p.candidate} vs ${p.baseline}`).join("; ")})` });
  }
});

/** The validated configuration, written out: tslab compiles without strictNullChecks, where zod's inferred types make every field optional. */
export interface DynamicTemperatureExperiment {
  data: DatasetConfig;
  teacher: { hidden: number[]; activation: Activation; dropout: number; epochs: number; batchSize: number; learningRate: number; seed: number };
  student: { hidden: number[]; activation: Activation; dropout: number; batchSize: number; learningRate: number };
  epochs: number;
  alpha: number;
  seeds: number[];
  variants: { name: string; schedule: ScheduleTemplate | null }[];
  thresholds: number[];
  comparisons: { candidate: string; baseline: string }[];
  claim: { candidate: string; baseline: string };
  claimedReduction: number;
}

/** The kind, for loadExperiment(file, { kinds: dynamicTemperatureKind }). */
export const dynamicTemperatureKind = { "dynamic-temperature": dynamicTemperatureSchema };

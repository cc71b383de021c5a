/** Notebook 09: fastText's pretrained language identifier → an n-gram-bag student, from its outputs alone. */
import { z } from "zod";
import { FORTUNE_LANGUAGES } from "../../data/fortunes";
import { name, named, obj, posInt, positive, seed, seeds } from "./blocks";

/** What a student is trained on: the true labels (reference), the teacher's top-1, or its probabilities at T. */
const target = z.discriminatedUnion("target", [
  obj({ name, target: z.literal("true-labels") }),
  obj({ name, target: z.literal("teacher-top1") }),
  obj({ name, target: z.literal("teacher-probs"), temperature: positive }),
]);

export const pretrainedTeacherSchema = obj({
  data: obj({
    languages: z
      .array(z.enum(Object.keys(FORTUNE_LANGUAGES) as [string, ...string[]]))
      .min(2)
      .refine((l) => new Set(l).size === l.length, { message: "distinct languages" })
      .default(["en", "de", "es", "it"]),
    minLetters: z.number().int().min(0).default(20),
    /** Fraction of the texts held out as the test set (stratified by language, fixed by splitSeed). */
    testFraction: z.number().gt(0).lt(1).default(0.2),
    splitSeed: seed.default(0),
    /** Test rows the trainer reports after every epoch (a fixed stratified sample; the final numbers use the whole test set). */
    monitorRows: posInt.default(500),
  }).default({}),
  teacher: obj({
    /**
     * fastText returns only the languages it gives a non-zero probability; the others get this floor before
     * the log (log p is the student's KD target). At T > 1 the floor is raised to 1/T: keep it tiny.
     */
    probFloor: z.number().gt(0).lt(0.01).default(1e-12),
  }).default({ probFloor: 1e-12 }),
  hashing: obj({
    buckets: z.number().int().min(1).max(1 << 24),
    orders: z.array(z.number().int().min(1).max(8)).min(1),
    maxChars: posInt,
    lowercase: z.boolean().default(true),
  }),
  student: obj({ dim: posInt, hidden: z.array(posInt).default([]) }),
  training: obj({
    batchSize: posInt,
    learningRate: positive,
    /** Epochs at least; more when a small query budget would give fewer than minSteps steps. */
    epochs: posInt,
    minSteps: posInt,
  }),
  /** How many texts the teacher labels (a prefix of each seed's shuffled training pool); "all" = the whole pool. */
  queryBudgets: z.array(z.union([posInt, z.literal("all")])).min(1),
  variants: named(target),
  seeds,
  /** The variant the others are compared with (paired by seed and budget). */
  reference: name,
  /** The variant whose student is exported (largest budget, first seed) and analysed against the teacher. */
  exportVariant: name,
}).superRefine((c, ctx) => {
  const names = c.variants.map((v) => v.name);
  for (const key of ["reference", "exportVariant"] as const) {
    if (!names.includes(c[key])) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [key], message: `"${c[key]}" is not a variant (variants: ${names.join(", ")})` });
  }
  if (new Set(c.hashing.orders).size !== c.hashing.orders.length) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["hashing", "orders"], message: "distinct n-gram orders" });
  if (new Set(c.queryBudgets).size !== c.queryBudgets.length) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["queryBudgets"], message: "distinct budgets" });
});

export type TargetVariant = { name: string; target: "true-labels" } | { name: string; target: "teacher-top1" } | { name: string; target: "teacher-probs"; temperature: number };

/** The validated configuration (written out: tslab compiles without strictNullChecks). */
export interface PretrainedTeacherExperiment {
  data: { languages: string[]; minLetters: number; testFraction: number; splitSeed: number; monitorRows: number };
  teacher: { probFloor: number };
  hashing: { buckets: number; orders: number[]; maxChars: number; lowercase: boolean };
  student: { dim: number; hidden: number[] };
  training: { batchSize: number; learningRate: number; epochs: number; minSteps: number };
  queryBudgets: (number | "all")[];
  variants: TargetVariant[];
  seeds: number[];
  reference: string;
  exportVariant: string;
}
type StrictOnly<T> = undefined extends null ? unknown : T;
const _sameType: StrictOnly<PretrainedTeacherExperiment> = null as unknown as z.output<typeof pretrainedTeacherSchema>;
void _sameType;

export const pretrainedTeacherKind = { "pretrained-teacher": pretrainedTeacherSchema };

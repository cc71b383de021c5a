/**
 * Notebook 03: several teachers, their soft targets fused under several
 * weightings, in several regimes (all fit rows / a fraction of them). The
 * weighting and variant schemas are also what the multi-teacher sweep checks a
 * configuration built in code against (multi-teacher-checks.ts), so a field is
 * checked the same way in an experiment file and in a call.
 */
import { z } from "zod";
import { dataset, fraction, mlpShape, name, named, namedMlpTeacher, obj, positive, seed, seeds, trainingShape } from "./blocks";

export const weighting = z.discriminatedUnion("kind", [
  obj({ kind: z.literal("hard") }),
  obj({ kind: z.literal("single"), teacher: z.number().int().min(0) }),
  obj({ kind: z.literal("uniform") }),
  obj({ kind: z.literal("val-accuracy"), temperature: positive.optional() }),
  obj({ kind: z.literal("student-aware"), temperature: positive }),
  obj({ kind: z.literal("per-sample"), temperature: positive }),
]);

export const variants = named(obj({ name, weighting }));

export const alpha = z.number().min(0).lt(1, "alpha < 1 (alpha = 1 ignores the teachers: every weighting would equal the hard-label baseline)");

/** A "single" weighting must name one of the teachers (the schema of a variant alone cannot see how many there are). */
// (Fields optional in the type: tslab compiles without strict, where zod's inferred fields are all optional.)
export function teacherIndexCheck(c: { teachers?: unknown[]; variants?: { weighting?: { kind?: string; teacher?: number } }[] }, ctx: z.RefinementCtx): void {
  const k = c.teachers?.length ?? 0;
  (c.variants ?? []).forEach((v, i) => {
    const t = v.weighting?.teacher;
    if (v.weighting?.kind === "single" && t !== undefined && t >= k) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["variants", i, "weighting", "teacher"], message: `an index of teachers: 0 … ${k - 1}` });
    }
  });
}

/** One regime: the student's share of the fit rows, its temperature and epochs ("step-matched": as many optimiser steps as student.epochs over all fit rows). */
export const regime = obj({
  key: z.string().regex(/^[\w.-]+$/, "a plain key (letters, digits, . _ -): it names the chart files"),
  name,
  trainFraction: fraction.default(1),
  temperature: positive,
  epochs: z.union([z.number().int().positive(), z.literal("step-matched")]).optional(),
});

export const multiTeacherWeightingSchema = obj({
  data: dataset.default({ kind: "digits", seed: 0 }),
  /** Fraction of the training rows held out (stratified) for weighting the teachers; never trained on. */
  valFraction: z.number().gt(0).lt(1),
  splitSeed: seed.default(0),
  teachers: named(namedMlpTeacher),
  student: obj({ ...mlpShape, ...trainingShape }),
  alpha,
  seeds,
  variants,
  regimes: named(regime).refine((rs) => new Set(rs.map((r) => r.key)).size === rs.length, { message: "unique regime keys (a key appears twice)" }),
}).superRefine(teacherIndexCheck);

export type MultiTeacherWeightingExperiment = z.output<typeof multiTeacherWeightingSchema>;

/**
 * The student-run configuration built in code (multiTeacherSweep's argument):
 * the same fields, other fields allowed (a caller's own configuration may carry more).
 */
export const multiTeacherRunSchema = z
  .object({
    teachers: z.array(z.object({ name })).min(1),
    student: z.object({ hidden: z.array(z.number().int().positive()), epochs: z.number().int().positive(), batchSize: z.number().int().positive(), learningRate: positive }),
    trainFraction: fraction.optional(),
    temperature: positive,
    alpha,
    seeds,
    variants,
  })
  .superRefine(teacherIndexCheck);

/** The same with the digits split's validation fraction (prepareMultiTeacherContext's argument). */
export const multiTeacherDigitsSchema = z.intersection(multiTeacherRunSchema, z.object({ valFraction: z.number().gt(0).lt(1) }));

/** The kind, for loadExperiment(file, { kinds: multiTeacherWeightingKind }). */
export const multiTeacherWeightingKind = { "multi-teacher-weighting": multiTeacherWeightingSchema };

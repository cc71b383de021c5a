/**
 * Notebook 07: Fashion-MNIST, three cached teachers (two CNNs, an MLP), the
 * temperature sweep over MLP students of several sizes and the multi-teacher
 * comparison. The full budget's configuration is exactly the one recorded in
 * results/07-fashion-mnist-distillation.full.json (no field added by defaults).
 */
import { z } from "zod";
import type { Weighting } from "../multi-teacher-types";
import { weighting } from "./multi-teacher-weighting";
import { fraction, name, named, obj, posInt, positive, probability, seed, seeds } from "./blocks";

const teacherModel = z.discriminatedUnion("kind", [
  obj({ kind: z.literal("cnn"), filters: z.tuple([posInt, posInt]), dense: posInt }),
  obj({ kind: z.literal("mlp"), hidden: z.array(posInt).min(1) }),
]);

const fashionTeacher = obj({
  /** Part of the teacher cache's folder name. */
  name: z.string().regex(/^[A-Za-z0-9-]+$/, "letters, digits and - (part of a folder name)"),
  model: teacherModel,
  train: obj({ epochs: posInt, batchSize: posInt, learningRate: positive, seed }),
});


const optimiser = { batchSize: posInt, learningRate: positive };

export const fashionMnistSchema = obj({
  /** Which budget this configuration is (part of the teacher cache keys; the report says it). */
  budget: z.enum(["full", "ci"]),
  dataSeed: seed,
  /** Stratified subset sizes; absent = all 60,000 / 10,000 rows. */
  trainSize: posInt.max(60000).optional(),
  testSize: posInt.max(10000).optional(),
  /** Stratified validation rows held out of the training rows (they only weight the teachers). */
  valRows: z.number().int().min(10),
  teachers: named(fashionTeacher),
  /** The teacher the temperature sweep distils. */
  sweepTeacher: name,
  /** Hidden widths of the MLP students, one sweep each. */
  students: z.array(z.array(posInt).min(1)).min(1),
  sweep: obj({
    student: obj(optimiser),
    temperatures: z.array(positive).min(1),
    alpha: z.number().min(0).lt(1, "alpha = 1 ignores the teacher: every temperature would equal the hard-label baseline"),
    seeds,
    settings: named(obj({ name, trainFraction: fraction, epochs: posInt })),
  }),
  multiTeacher: obj({
    /** epochs: 0 here, each setting sets its own. */
    student: obj({ hidden: z.array(posInt).min(1), epochs: z.literal(0), ...optimiser }),
    alpha: probability,
    seeds,
    settings: named(obj({ name, trainFraction: fraction, epochs: posInt, temperature: positive })),
    variants: named(obj({ name, weighting })),
  }),
}).superRefine((c, ctx) => {
  const names = c.teachers.map((t) => t.name);
  if (!names.includes(c.sweepTeacher)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["sweepTeacher"], message: `one of the teachers: ${names.join(", ")}` });
  c.multiTeacher.variants.forEach((v, i) => {
    if (v.weighting.kind === "single" && v.weighting.teacher >= names.length) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["multiTeacher", "variants", i, "weighting", "teacher"], message: `an index of teachers: 0 … ${names.length - 1}` });
    }
  });
  const train = c.trainSize ?? 60000;
  if (c.valRows >= train) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["valRows"], message: `fewer than the ${train} training rows` });
});

export interface FashionTeacherSpec {
  name: string;
  model: { kind: "cnn"; filters: [number, number]; dense: number } | { kind: "mlp"; hidden: number[] };
  train: { epochs: number; batchSize: number; learningRate: number; seed: number };
}
export type FashionWeighting = Weighting;

/**
 * The validated configuration. Written out rather than z.output: tslab compiles without strictNullChecks,
 * where zod's output types make every field optional.
 */
export interface FashionMnistExperiment {
  budget: "full" | "ci";
  dataSeed: number;
  trainSize?: number;
  testSize?: number;
  valRows: number;
  teachers: FashionTeacherSpec[];
  sweepTeacher: string;
  students: number[][];
  sweep: {
    student: { batchSize: number; learningRate: number };
    temperatures: number[];
    alpha: number;
    seeds: number[];
    settings: { name: string; trainFraction: number; epochs: number }[];
  };
  multiTeacher: {
    student: { hidden: number[]; epochs: 0; batchSize: number; learningRate: number };
    alpha: number;
    seeds: number[];
    settings: { name: string; trainFraction: number; epochs: number; temperature: number }[];
    variants: { name: string; weighting: FashionWeighting }[];
  };
}
/** Under strict tsc the schema's output must be that interface (unknown, so unchecked, without strictNullChecks). */
type StrictOnly<T> = undefined extends null ? unknown : T;
const _sameType: StrictOnly<FashionMnistExperiment> = null as unknown as z.output<typeof fashionMnistSchema>;
void _sameType;

/** The kind, for loadExperiment(file, { kinds: fashionMnistKind }). */
export const fashionMnistKind = { "fashion-mnist": fashionMnistSchema };

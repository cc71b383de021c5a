/**
 * The building blocks every experiment configuration is made of, as zod
 * schemas: numbers with their ranges, seeds, models, training budgets, loss
 * terms (from the registry), temperature schedules, stages and data sets. An
 * experiment kind's schema (schema/kinds.ts) composes these, so a field means
 * the same and is checked the same way in every experiment file.
 *
 * Compiles under tslab's TypeScript 5.0 (non-strict): no satisfies/const generics.
 */
import { z } from "zod";
import { lossSpecSchema } from "../../distill/registry";
import { ScheduleTemplate, checkSchedule, withTMax } from "../../distill/schedules";

/** A strict object whose "unknown field" message lists the allowed fields. */
export function obj<T extends z.ZodRawShape>(shape: T) {
  return z.object(shape).strict(`allowed fields: ${Object.keys(shape).join(", ")}`);
}

export const positive = z.number().finite().positive();
export const posInt = z.number().int().positive();
export const seed = z.number().int().min(0);
/** (0, 1]: a fraction of rows. */
export const fraction = z.number().gt(0).max(1);
export const probability = z.number().min(0).max(1);
export const weight = z.number().finite().min(0);
export const name = z.string().min(1);

/** One or more distinct seeds. */
export const seeds = z
  .array(seed)
  .min(1)
  .refine((s) => new Set(s).size === s.length, { message: "distinct seeds (a seed is repeated)" });

/** A list of named things whose names are unique. */
export function named<T extends z.ZodTypeAny>(item: T) {
  return z
    .array(item)
    .min(1)
    .superRefine((xs, ctx) => {
      const names = xs.map((x: { name?: string }) => x.name);
      const dup = names.find((n, i) => n !== undefined && names.indexOf(n) !== i);
      if (dup !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `unique names ("${dup}" appears twice)` });
    });
}

export const ACTIVATIONS = ["relu", "tanh", "elu", "sigmoid", "linear"] as const;
export const mlpShape = {
  hidden: z.array(posInt),
  activation: z.enum(ACTIVATIONS).default("relu"),
  dropout: z.number().min(0).lt(1).default(0),
};
export const mlp = obj(mlpShape);

/** epochs, batch size, learning rate (Adam). */
export const trainingShape = {
  epochs: posInt,
  batchSize: posInt.default(64),
  learningRate: positive.default(1e-3),
};
export const training = obj(trainingShape);
/** A student's optimiser settings when the epochs are set elsewhere (per setting, per budget). */
export const optimiser = obj({ batchSize: posInt.default(64), learningRate: positive.default(1e-3) });

/** An MLP teacher trained here, with its own seed. */
export const mlpTeacher = obj({ ...mlpShape, ...trainingShape, seed: seed.default(0) });
/** The same, with a name (one of several teachers). */
export const namedMlpTeacher = obj({ name, ...mlpShape, ...trainingShape, seed: seed.default(0) });

export const transformerShape = {
  seqLen: posInt,
  tokenDim: posInt,
  dModel: posInt,
  heads: posInt,
  layers: posInt,
  ffDim: posInt,
  numClasses: posInt,
  seed: seed.default(0),
};
export const transformer = obj(transformerShape).refine((s) => s.dModel % s.heads === 0, { message: "dModel must be a multiple of heads", path: ["dModel"] });

/** Registry loss terms: [{ "loss": "kd", "weight": 0.5, "temperature": 4 }, …]; an unknown name lists the known ones. */
export const losses = z.array(lossSpecSchema).min(1);

/** A published ordering of methods to check against this experiment's variants (analysis/published-ordering.ts). */
export const publishedOrdering = obj({
  source: name,
  methods: z.array(obj({ label: name, variant: name, published: probability })).min(2),
});

export const schedule = z
  .discriminatedUnion("kind", [
    obj({ kind: z.literal("constant"), base: positive }),
    obj({ kind: z.literal("linear"), base: positive, alpha: probability, tMax: positive.optional(), min: positive }),
    obj({ kind: z.literal("cosine"), base: positive, alpha: probability, tMax: positive.optional(), min: positive }),
    obj({ kind: z.literal("step"), base: positive, gamma: z.number().gt(0).max(1), every: posInt, min: positive }),
  ])
  .superRefine((s, ctx) => {
    // The schedule module's own cross-field checks (e.g. min ≤ base); tMax may be left open (= the run's steps).
    try {
      checkSchedule(withTMax(s as ScheduleTemplate, 1), ctx.path.join("."));
    } catch (err) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: (err as Error).message, params: { complete: true } });
    }
  });

/** One stage of staged training. */
export const stage = obj({
  name,
  temperature: positive,
  alpha: probability.optional(),
  epochs: posInt,
  batchSize: posInt,
  learningRate: positive,
  /** Fraction of the rows the stage trains on (1 = all). */
  fraction: fraction.default(1),
});

export const digitsData = obj({ kind: z.literal("digits"), seed: seed.default(0), testFraction: z.number().gt(0).lt(1).default(500 / 1797) });
export const csvData = obj({
  kind: z.literal("csv"),
  path: z.string().min(1),
  labelColumn: z.union([z.string().min(1), z.number().int().min(0)]),
  testFraction: z.number().gt(0).lt(1).default(0.25),
  seed: seed.default(0),
  numClasses: z.number().int().min(2).nullable().default(null),
  header: z.union([z.boolean(), z.literal("auto")]).default("auto"),
  scaling: z.enum(["minmax", "none"]).default("minmax"),
});
/** Fashion-MNIST from Debian's dataset-fashion-mnist or FASHION_MNIST_DIR; row counts cut the standard split. */
export const fashionData = obj({
  kind: z.literal("fashion-mnist"),
  trainRows: posInt.max(60000).optional(),
  testRows: posInt.max(10000).optional(),
  validationRows: posInt.optional(),
  seed: seed.default(0),
});
export const dataset = z.discriminatedUnion("kind", [digitsData, csvData, fashionData]);
/** A validated data set (written out: tslab compiles without strictNullChecks, where zod's inferred fields are all optional). */
export type DatasetConfig =
  | { kind: "digits"; seed: number; testFraction: number }
  | { kind: "csv"; path: string; labelColumn: string | number; testFraction: number; seed: number; numClasses: number | null; header: boolean | "auto"; scaling: "minmax" | "none" }
  | { kind: "fashion-mnist"; trainRows?: number; testRows?: number; validationRows?: number; seed: number };
export interface PublishedOrderingConfig {
  source: string;
  methods: { label: string; variant: string; published: number }[];
}

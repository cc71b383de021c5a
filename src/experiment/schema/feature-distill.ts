/** Notebook 06: a Transformer teacher and students distilled with response, feature, attention and relational terms. */
import { z } from "zod";
import type { FeatureSweepConfig } from "../feature-distill";
import type { DatasetConfig, PublishedOrderingConfig } from "./blocks";
import { dataset, fraction, publishedOrdering, losses, name, named, obj, posInt, positive, seeds, trainingShape, transformer, transformerShape } from "./blocks";

const variant = obj({ name, losses });

export const featureDistillSchema = obj({
  data: dataset.default({ kind: "digits", seed: 0 }),
  teacher: obj({ ...transformerShape, ...trainingShape }).refine((s) => s.dModel % s.heads === 0, { message: "dModel must be a multiple of heads", path: ["dModel"] }),
  student: transformer,
  /** Fraction of the training rows the students see (stratified, chosen per seed). */
  trainFraction: fraction,
  epochs: posInt,
  batchSize: posInt,
  learningRate: positive,
  seeds,
  variants: named(variant),
  /** The variant the others are compared with, paired over seeds. */
  reference: name,
  /** A variant left out of the "what helped" summary line (e.g. hard labels). */
  baseline: name.optional(),
  /** Where the attention similarity to the teacher is measured. */
  probe: obj({ studentLayer: z.number().int(), teacherLayer: z.number().int(), heads: z.enum(["mean", "match"]).optional() }),
  /** Test row whose attention maps are drawn, and the variants whose student maps are drawn. */
  pictureRow: z.number().int().min(0),
  pictureVariants: z.array(name).min(1),
  /** A published ordering of some variants (e.g. KD < CRD < DKD) whose verdict the notebook reports. */
  publishedOrdering: publishedOrdering.optional(),
}).superRefine((c, ctx) => {
  const names = c.variants.map((v) => v.name);
  const must = (v: string | undefined, path: (string | number)[]) => {
    if (v !== undefined && !names.includes(v)) ctx.addIssue({ code: z.ZodIssueCode.custom, path, message: `"${v}" is not a variant (variants: ${names.join(", ")})` });
  };
  must(c.reference, ["reference"]);
  must(c.baseline, ["baseline"]);
  c.pictureVariants.forEach((v, i) => must(v, ["pictureVariants", i]));
  c.publishedOrdering?.methods.forEach((m, i) => must(m.variant, ["publishedOrdering", "methods", i, "variant"]));
});

/**
 * The validated configuration. Written out rather than z.output: tslab compiles without strictNullChecks,
 * where zod's output types make every field optional.
 */
export interface FeatureDistillExperiment extends FeatureSweepConfig {
  data: DatasetConfig;
  baseline?: string;
  pictureVariants: string[];
  publishedOrdering?: PublishedOrderingConfig;
}
/** Under strict tsc the schema's output must be that interface (unknown, so unchecked, without strictNullChecks). */
type StrictOnly<T> = undefined extends null ? unknown : T;
const _sameType: StrictOnly<FeatureDistillExperiment> = null as unknown as z.output<typeof featureDistillSchema>;
void _sameType;

/** The kind, for loadExperiment(file, { kinds: featureDistillKind }). */
export const featureDistillKind = { "feature-distill": featureDistillSchema };

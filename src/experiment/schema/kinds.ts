/**
 * Every kind of experiment an experiment file can name, with its schema.
 * Adding an experiment: a schema file here, one line below, and its runner in
 * src/experiment/runners.ts.
 */
import { z } from "zod";
import { temperatureSweepSchema } from "./temperature-sweep";
import { multiTeacherWeightingSchema } from "./multi-teacher-weighting";
import { semiSupervisedSchema } from "./semi-supervised";
import { dynamicTemperatureSchema } from "./dynamic-temperature";
import { progressiveStagesSchema } from "./progressive-stages";
import { featureDistillSchema } from "./feature-distill";
import { fashionMnistSchema } from "./fashion-mnist";
import { fashionBeyondKdSchema } from "./fashion-beyond-kd";
import { pretrainedTeacherSchema } from "./pretrained-teacher";
import { federatedSchema } from "./federated";

export const EXPERIMENT_SCHEMAS = {
  "temperature-sweep": temperatureSweepSchema,
  "multi-teacher-weighting": multiTeacherWeightingSchema,
  "semi-supervised": semiSupervisedSchema,
  "dynamic-temperature": dynamicTemperatureSchema,
  "progressive-stages": progressiveStagesSchema,
  "feature-distill": featureDistillSchema,
  "fashion-mnist": fashionMnistSchema,
  "fashion-beyond-kd": fashionBeyondKdSchema,
  "pretrained-teacher": pretrainedTeacherSchema,
  federated: federatedSchema,
};
const _check: Record<string, z.ZodTypeAny> = EXPERIMENT_SCHEMAS;
void _check;

export type ExperimentKind = keyof typeof EXPERIMENT_SCHEMAS;

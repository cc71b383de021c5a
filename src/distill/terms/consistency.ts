/** Consistency under perturbation: KL from the clean prediction to the prediction on a perturbed copy of the batch. */
import { z } from "zod";
import { deriveSeed } from "../../core/seed";
import { consistencyTerm } from "../perturb";
import { defineLoss } from "./entry";

export const consistencyEntry = defineLoss<{ noiseStd: number; shiftProb: number; imageSide: number; seed?: number }>({
  name: "consistency",
  summary: "KL(clean ‖ perturbed) under Gaussian noise and one-pixel shifts of a square image",
  params: z.object({
    noiseStd: z.number().finite().min(0),
    shiftProb: z.number().min(0).max(1),
    imageSide: z.number().int().positive(),
    seed: z.number().int().min(0).optional(),
  }),
  create: (p, { weight, name, env }) =>
    consistencyTerm({ weight, name, perturb: { noiseStd: p.noiseStd, shiftProb: p.shiftProb, imageSide: p.imageSide }, seed: p.seed ?? deriveSeed(env.seed, "consistency", env.index) }),
});

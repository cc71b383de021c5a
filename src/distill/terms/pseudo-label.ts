/**
 * KD on pseudo-labelled rows: T² · KL(q ‖ student_T) over the rows a mask keeps.
 * The targets q and the mask are tensors over the training rows, given to the
 * trainer as data.inputs[targets] and data.inputs[mask].
 */
import * as tf from "@tensorflow/tfjs";
import { z } from "zod";
import { pseudoLabelTerm } from "../semi-supervised";
import { defineLoss } from "./entry";

export const pseudoLabelEntry = defineLoss<{ temperature: number; targets: string; mask: string }>({
  name: "pseudo-label",
  summary: "T²·KL on pseudo-labelled rows; targets and mask are named tensors in data.inputs",
  params: z.object({
    temperature: z.number().finite().positive(),
    targets: z.string().default("pseudoTargets"),
    mask: z.string().default("pseudoMask"),
  }),
  create: (p, { weight, name, env }) => {
    const get = (k: string) => {
      const t = env.inputs[k];
      if (!t) throw new Error(`needs data.inputs["${k}"] (have: ${Object.keys(env.inputs).join(", ") || "none"})`);
      return t;
    };
    return pseudoLabelTerm({ targets: get(p.targets) as tf.Tensor2D, mask: get(p.mask) as tf.Tensor1D, temperature: p.temperature, weight, name });
  },
});

/** Weight decay as a loss term: ½ Σ‖W‖² over the dense kernels. */
import * as tf from "@tensorflow/tfjs";
import { z } from "zod";
import { defineLoss } from "./entry";

export const l2Entry = defineLoss<Record<string, never>>({
  name: "l2",
  summary: "½ Σ‖W‖² over the kernels (weight decay)",
  params: z.object({}),
  create: (_p, { weight, name }) => ({
    name: name ?? "l2",
    weight,
    compute: ({ model, variables }) => {
      const kernels = model ? model.trainableWeights.filter((w) => w.originalName.endsWith("kernel")).map((w) => w.read()) : variables.filter((v) => /kernel|(^|\/)W/.test(v.name));
      return tf.mul(tf.addN(kernels.map((k) => tf.sum(tf.square(k)))), 0.5) as tf.Scalar;
    },
  }),
});

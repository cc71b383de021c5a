/** −H(softmax(logits)), batch mean: penalises over-confident students (Pereyra et al., 2017). */
import * as tf from "@tensorflow/tfjs";
import { z } from "zod";
import { defineLoss } from "./entry";

export const confidencePenaltyEntry = defineLoss<Record<string, never>>({
  name: "confidence-penalty",
  summary: "−entropy of the student's prediction (Pereyra et al., 2017)",
  params: z.object({}),
  create: (_p, { weight, name }) => ({
    name: name ?? "confidence-penalty",
    weight,
    compute: ({ logits }) => tf.mean(tf.sum(tf.mul(tf.softmax(logits), tf.logSoftmax(logits)), 1)) as tf.Scalar,
  }),
});

/** Hard-label cross-entropy; with a label mask, the mean over the batch's labelled rows only. */
import * as tf from "@tensorflow/tfjs";
import { crossEntropy } from "../losses";
import { z } from "zod";
import { defineLoss } from "./entry";

export const ceEntry = defineLoss<Record<string, never>>({
  name: "ce",
  summary: "hard-label cross-entropy (labelled rows only under a label mask)",
  params: z.object({}),
  create: (_p, { weight, name }) => ({
    name: name ?? "ce",
    weight,
    compute: ({ logits, y, mask }) => {
      if (!mask) return crossEntropy(logits, y);
      const rowCe = tf.neg(tf.sum(tf.mul(tf.oneHot(y, logits.shape[1]), tf.logSoftmax(logits)), 1));
      return tf.div(tf.sum(tf.mul(rowCe, mask)), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
    },
  }),
});

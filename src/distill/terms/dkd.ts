/**
 * Decoupled KD as a registry term: α·TCKD + β·NCKD at T (Zhao et al. 2022),
 * scaled by the authors' linear warm-up. Rows are decoupled at their label; an
 * unlabelled row (label mask 0) at the teacher's top class, so its label is
 * never read.
 */
import * as tf from "@tensorflow/tfjs";
import { z } from "zod";
import { dkdFromLogProbs, dkdWarmup } from "../dkd";
import { defineLoss } from "./entry";

export const dkdEntry = defineLoss<{ alpha?: number; beta?: number; temperature?: number; warmup?: number }>({
  name: "dkd",
  summary: "decoupled KD: alpha·TCKD + beta·NCKD at T (defaults 1, 8, the run's T), × min(epoch/warmup, 1) (warmup in epochs, default 0 = none)",
  params: z.object({
    alpha: z.number().finite().min(0).optional(),
    beta: z.number().finite().min(0).optional(),
    temperature: z.number().finite().positive().optional(),
    warmup: z.number().int().min(0).optional(),
  }),
  create: (p, { weight, name, env }) => {
    if (weight > 0 && !env.hasTeacherOutputs) throw new Error("needs the teacher's logits or soft targets (give a teacher)");
    const w = { alpha: p.alpha ?? 1, beta: p.beta ?? 8 };
    const warmup = p.warmup ?? 0;
    return {
      name: name ?? "dkd",
      weight,
      needs: weight > 0 ? { logits: true } : undefined,
      compute: ({ logits, teacher, temperature, y, mask, epoch }) => {
        if (weight === 0) return tf.scalar(0);
        const T = p.temperature ?? temperature;
        return tf.tidy(() => {
          const logQ = teacher.logits
            ? (tf.logSoftmax(tf.div(teacher.logits, T)) as tf.Tensor2D)
            : teacher.targets
              ? (tf.log(tf.clipByValue(teacher.targets, 1e-12, 1)) as tf.Tensor2D)
              : null;
          if (!logQ) throw new Error("dkd: no teacher logits or targets for this batch");
          const target = mask ? (tf.where(tf.cast(mask, "bool"), tf.cast(y, "int32"), tf.argMax(logQ, 1)) as tf.Tensor1D) : y;
          return tf.mul(dkdFromLogProbs(logits, logQ, target, T, w).loss, dkdWarmup(epoch, warmup)) as tf.Scalar;
        });
      },
    };
  },
});

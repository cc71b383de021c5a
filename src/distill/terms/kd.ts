/**
 * Hinton's response distillation T² · KL(teacher_T ‖ student_T), against the
 * teacher's logits or given soft targets (several teachers fused). Weight 0 is
 * off and needs no teacher (its part is recorded as 0).
 */
import * as tf from "@tensorflow/tfjs";
import { z } from "zod";
import { kdLoss, kdLossFromProbs } from "../losses";
import { defineLoss } from "./entry";

export const kdEntry = defineLoss<{ temperature?: number }>({
  name: "kd",
  summary: "T²·KL(teacher_T ‖ student_T) on logits; temperature defaults to the run's (fixed or scheduled)",
  params: z.object({ temperature: z.number().finite().positive().optional() }),
  create: (p, { weight, name, env }) => {
    if (weight > 0 && !env.hasTeacherOutputs) throw new Error("needs the teacher's logits or soft targets (give a teacher)");
    return {
      name: name ?? "kd",
      weight,
      needs: weight > 0 ? { logits: true } : undefined,
      compute: ({ logits, teacher, temperature }) => {
        const T = p.temperature ?? temperature;
        if (weight === 0) return tf.scalar(0);
        if (teacher.logits) return kdLoss(logits, teacher.logits, T);
        if (teacher.targets) return kdLossFromProbs(logits, teacher.targets, T);
        throw new Error("kd: no teacher logits or targets for this batch");
      },
    };
  },
});

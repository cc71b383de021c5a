/** The three relational losses share one shape: a student and a teacher feature, compared across the batch's samples. */
import { z } from "zod";
import { RelationalKind, relationalLoss } from "../relational";
import { LossEntry, defineLoss, featureName, featureShape } from "./entry";

export function relationalEntry(kind: RelationalKind, summary: string): LossEntry<{ student: string; teacher: string }> {
  return defineLoss<{ student: string; teacher: string }>({
    name: kind,
    summary,
    params: z.object({ student: featureName, teacher: featureName }),
    create: (p, { weight, name, env }) => {
      featureShape(env.student, p.student, "student");
      featureShape(env.teacher, p.teacher, "teacher");
      return {
        name: name ?? `rel ${kind} ${p.student}→${p.teacher}`,
        weight,
        needs: { features: [p.teacher] },
        compute: ({ outputs, teacher }) => relationalLoss(kind, outputs.features[p.student], teacher.features[p.teacher]),
      };
    },
  });
}

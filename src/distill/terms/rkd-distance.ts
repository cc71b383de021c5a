/** relational KD, distance-wise: normalised pairwise distances (Park et al., 2019). */
import { z } from "zod";
import { relationalLoss } from "../relational";
import { defineLoss, featureName, featureShape } from "./entry";

export const rkdDistanceEntry = defineLoss<{ student: string; teacher: string }>({
  name: "rkd-distance",
  summary: "relational KD, distance-wise: normalised pairwise distances (Park et al., 2019)",
  params: z.object({ student: featureName, teacher: featureName }),
  create: (p, { weight, name, env }) => {
    featureShape(env.student, p.student, "student");
    featureShape(env.teacher, p.teacher, "teacher");
    return {
      name: name ?? `rel rkd-distance ${p.student}→${p.teacher}`,
      weight,
      needs: { features: [p.teacher] },
      compute: ({ outputs, teacher }) => relationalLoss("rkd-distance", outputs.features[p.student], teacher.features[p.teacher]),
    };
  },
});

/** similarity-preserving: the batch's sample-similarity matrices (Tung & Mori, 2019). */
import { z } from "zod";
import { relationalLoss } from "../relational";
import { defineLoss, featureName, featureShape } from "./entry";

export const spEntry = defineLoss<{ student: string; teacher: string }>({
  name: "sp",
  summary: "similarity-preserving: the batch's sample-similarity matrices (Tung & Mori, 2019)",
  params: z.object({ student: featureName, teacher: featureName }),
  create: (p, { weight, name, env }) => {
    featureShape(env.student, p.student, "student");
    featureShape(env.teacher, p.teacher, "teacher");
    return {
      name: name ?? `rel sp ${p.student}→${p.teacher}`,
      weight,
      needs: { features: [p.teacher] },
      compute: ({ outputs, teacher }) => relationalLoss("sp", outputs.features[p.student], teacher.features[p.teacher]),
    };
  },
});

/** FitNets-style hint: a student feature, through an adapter where widths differ, pulled to a teacher feature. */
import { z } from "zod";
import { deriveSeed } from "../../core/seed";
import { buildHintTerm } from "../features";
import { defineLoss, featureName, featureShape } from "./entry";

export const hintEntry = defineLoss<{ student: string; teacher: string; adapter?: "none" | "dense" | "conv1x1"; metric?: "l2" | "cosine" }>({
  name: "hint",
  summary: "hint loss between a student and a teacher feature (adapter: none | dense | conv1x1; metric: l2 | cosine)",
  params: z.object({
    student: featureName,
    teacher: featureName,
    adapter: z.enum(["none", "dense", "conv1x1"]).optional(),
    /** Named "metric", not "loss": "loss" names the registry entry. */
    metric: z.enum(["l2", "cosine"]).optional(),
  }),
  create: (p, { weight, name, env }) => {
    const h = buildHintTerm({ student: p.student, teacher: p.teacher, adapter: p.adapter, loss: p.metric }, featureShape(env.student, p.student, "student"), featureShape(env.teacher, p.teacher, "teacher"), deriveSeed(env.seed, "adapter", env.index));
    return {
      name: name ?? `feat ${p.student}→${p.teacher}`,
      weight,
      variables: h.adapter ? h.adapter.variables : [],
      needs: { features: [p.teacher] },
      compute: ({ outputs, teacher }) => h.compute(outputs.features[p.student], teacher.features[p.teacher]),
      dispose: () => h.adapter?.dispose(),
    };
  },
});

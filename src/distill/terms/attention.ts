/** TinyBERT-style attention transfer: a student layer's attention maps pulled to a teacher layer's. */
import { z } from "zod";
import { attentionLoss, pickLayer } from "../attention";
import { attentionLayer, defineLoss, layerIndex } from "./entry";

export const attentionEntry = defineLoss<{ studentLayer: number; teacherLayer: number; metric?: "kl" | "mse"; heads?: "mean" | "match" }>({
  name: "attention",
  summary: "attention-map transfer (metric: kl | mse; heads: mean | match; negative layers count from the end)",
  params: z.object({
    studentLayer: layerIndex,
    teacherLayer: layerIndex,
    /** Named "metric", not "loss": "loss" names the registry entry. */
    metric: z.enum(["kl", "mse"]).optional(),
    heads: z.enum(["mean", "match"]).optional(),
  }),
  create: (p, { weight, name, env }) => {
    const sl = attentionLayer(env.student, p.studentLayer, "student");
    const tl = attentionLayer(env.teacher, p.teacherLayer, "teacher");
    const s = env.student.attentions[sl];
    const t = env.teacher!.attentions[tl];
    if (s[2] !== t[2] || s[3] !== t[3]) throw new Error(`student maps [${s}] and teacher maps [${t}] differ in sequence length`);
    if ((p.heads ?? "mean") === "match" && s[1] !== t[1]) throw new Error(`heads "match": student maps [${s}] and teacher maps [${t}] have different head counts`);
    return {
      name: name ?? `att L${p.studentLayer}→L${p.teacherLayer}`,
      weight,
      needs: { attentions: [tl] },
      compute: ({ outputs, teacher }) => attentionLoss(pickLayer(outputs.attentions, p.studentLayer, "student"), teacher.attentions[tl], { loss: p.metric, heads: p.heads }),
    };
  },
});

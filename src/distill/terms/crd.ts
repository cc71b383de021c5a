/**
 * Contrastive representation distillation as a registry term: a student
 * feature and a teacher feature (of the teacher model, or a tensor over the
 * training rows given in data.inputs, e.g. a cached teacher's embeddings),
 * each projected to `dim` and normalised, aligned by in-batch InfoNCE at τ —
 * or, with `negatives`, against K rows of CRD's memory bank (crd-memory.ts).
 */
import * as tf from "@tensorflow/tfjs";
import { z } from "zod";
import { deriveSeed } from "../../core/seed";
import { createCrdHeads } from "../contrastive";
import { createCrdMemory } from "../crd-memory";
import { defineLoss, featureName, featureShape } from "./entry";

const width = (shape: number[]) => shape.slice(1).reduce((a, b) => a * b, 1);

export const crdEntry = defineLoss<{ student: string; teacher?: string; teacherInput?: string; dim?: number; tau?: number; symmetric?: boolean; negatives?: number; momentum?: number }>({
  name: "crd",
  summary: "contrastive (InfoNCE) distillation of a student feature to a teacher feature or data.inputs tensor, through projection heads (dim default 64, tau default 0.1); negatives: K draws from CRD's memory bank (momentum default 0.5) instead of the batch",
  params: z.object({
    student: featureName,
    teacher: featureName.optional(),
    teacherInput: z.string().min(1).optional(),
    dim: z.number().int().positive().optional(),
    tau: z.number().finite().positive().optional(),
    symmetric: z.boolean().optional(),
    /** K ≥ 1: negatives drawn from a memory bank of every training row (CRD's), not the batch's other rows. */
    negatives: z.number().int().positive().optional(),
    momentum: z.number().min(0).lt(1).optional(),
  }),
  create: (p, { weight, name, env }) => {
    if ((p.teacher === undefined) === (p.teacherInput === undefined)) throw new Error("give exactly one of teacher (a teacher model's feature) or teacherInput (a tensor in data.inputs)");
    const sDim = width(featureShape(env.student, p.student, "student"));
    let tDim: number;
    let rows: tf.Tensor2D | undefined;
    if (p.teacherInput !== undefined) {
      const t = env.inputs[p.teacherInput];
      if (!t) throw new Error(`needs data.inputs["${p.teacherInput}"] (have: ${Object.keys(env.inputs).join(", ") || "none"})`);
      if (t.rank !== 2) throw new Error(`data.inputs["${p.teacherInput}"] must be [rows, dim]; got [${t.shape}]`);
      rows = t as tf.Tensor2D;
      tDim = t.shape[1] as number;
    } else {
      tDim = width(featureShape(env.teacher, p.teacher!, "teacher"));
    }
    const dim = p.dim ?? 64;
    const tau = p.tau ?? 0.1;
    if (p.momentum !== undefined && p.negatives === undefined) throw new Error("momentum is a memory-bank setting: give negatives too");
    const memory = p.negatives === undefined ? null : createCrdMemory(env.trainRows ?? 0, dim, p.negatives, tau, p.momentum ?? 0.5, deriveSeed(env.seed, "crd-memory", env.index));
    const heads = createCrdHeads(sDim, tDim, dim, tau, deriveSeed(env.seed, "crd", env.index), p.symmetric ?? true);
    const lossOf = (sf: tf.Tensor, tfeat: tf.Tensor, indices: tf.Tensor1D, step: number): tf.Scalar => {
      if (!memory) return heads.loss(sf, tfeat);
      return tf.tidy(() => {
        const e = heads.embed(sf, tfeat);
        return memory.loss(e.s, e.t, indices, step);
      });
    };
    return {
      name: name ?? `crd ${p.student}→${p.teacher ?? p.teacherInput}`,
      weight,
      variables: heads.variables,
      needs: p.teacher !== undefined ? { features: [p.teacher] } : undefined,
      compute: ({ outputs, teacher, indices, step }) => {
        const sf = outputs.features[p.student];
        // A last batch of one row has no in-batch negatives: it adds nothing rather than stopping the run.
        if (!memory && sf.shape[0] < 2) return tf.scalar(0);
        if (rows) return tf.tidy(() => lossOf(sf, tf.gather(rows!, indices), indices, step));
        return lossOf(sf, teacher.features[p.teacher!], indices, step);
      },
      dispose: () => {
        heads.dispose();
        memory?.dispose();
      },
    };
  },
});

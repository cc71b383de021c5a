/**
 * What every arm of notebook 07's beyond-KD experiment shares: the base
 * experiment's data, the one labelled subset, the full-data teacher's logits
 * and embedding (the layer CRD reads) and the strict teacher — the same
 * architecture trained on the labelled rows only — with its logits on all fit
 * rows. Teachers come from the teacher cache; the arrays go to the workers once.
 */
import * as tf from "@tensorflow/tfjs";
import { labelledFraction } from "../../data/split";
import { predictLogits } from "../../distill/teachers";
import { layersFeatureModel } from "../../models/probe";
import { flatRows } from "../../distill/contrastive";
import { forwardAll } from "../../train/trainable";
import { FashionConfig, FashionData, buildFashionTeacher, fashionTeachers, teacherKey, teacherSpec } from "../fashion";
import { CachedTeacher, getTeacher } from "../teacher-cache";
import type { FashionBeyondKdExperiment } from "../schema/fashion-beyond-kd";
import { pct } from "../../analysis/format";

export interface TeacherArrays {
  /** Logits on the fit rows and the test rows, rows × classes. */
  train: Float32Array;
  test: Float32Array;
}

export interface BeyondKdShared {
  numFeatures: number;
  numClasses: number;
  fitX: Float32Array;
  fitY: Int32Array;
  testX: Float32Array;
  testY: Int32Array;
  /** Indices of the labelled fit rows (sorted). */
  labelled: Int32Array;
  full: TeacherArrays & { embedding: Float32Array; embeddingDim: number };
  strict: TeacherArrays;
}

export interface BeyondKdTeacher {
  role: "full" | "strict";
  name: string;
  arch: string;
  params: number;
  trainRows: number;
  testAcc: number;
  source: "cache" | "trained";
  trainSeconds: number;
}

const f32 = (t: tf.Tensor) => Float32Array.from(t.dataSync() as Float32Array);

/** The named layer's output on x, in batches, one row per input (the teacher's embedding for CRD). */
export function layerOutputs(model: tf.LayersModel, layer: string, x: tf.Tensor2D, batchSize = 1024): tf.Tensor2D {
  // Not disposed: layersFeatureModel's dispose would dispose the caller's model.
  const view = layersFeatureModel(model, [layer]);
  return tf.tidy(() => flatRows(forwardAll(view, x, (o) => [o.features[layer]], batchSize)[0]));
}

/** The labelled subset: stratified, `fraction` of the fit rows, seeded. */
export function labelledRows(labels: ArrayLike<number>, fraction: number, seed: number): number[] {
  const all = Array.from({ length: labels.length }, (_, i) => i);
  return labelledFraction(labels, all, fraction, seed).labelled.slice().sort((a, b) => a - b);
}

export async function beyondKdShared(c: FashionBeyondKdExperiment, base: FashionConfig, data: FashionData, log: (l: string) => void): Promise<{ shared: BeyondKdShared; teachers: BeyondKdTeacher[] }> {
  const labelled = labelledRows(data.fit.y, c.labelledFraction, c.labelSeed);
  const spec = teacherSpec(base, c.teacher);
  const [full] = await fashionTeachers(base, data, [c.teacher]);
  let strict: CachedTeacher | undefined;
  const sub = data.fit.subset(labelled);
  const subT = sub.toTensors();
  try {
    const strictSpec = { ...spec, train: c.strictTeacher };
    strict = await getTeacher({
      key: `${teacherKey(base, spec)}-labelled-${c.labelledFraction}-seed${c.labelSeed}`,
      config: { model: spec.model, train: c.strictTeacher, labelledFraction: c.labelledFraction, labelSeed: c.labelSeed },
      arch: full.arch,
      build: () => buildFashionTeacher(strictSpec),
      data: { train: sub, test: data.test, trainT: subT, testT: data.testT },
      hooks: { onEpoch: (r) => r.epoch % 10 === 0 && log(`[strict teacher] epoch ${r.epoch}/${c.strictTeacher.epochs}: test accuracy ${pct(r.testAcc)}`) },
      log,
    });
    const strictFit = predictLogits(strict.model, data.fitT.x);
    const emb = layerOutputs(full.model, c.embeddingLayer, data.fitT.x);
    const shared: BeyondKdShared = {
      numFeatures: data.fit.numFeatures,
      numClasses: data.fit.numClasses,
      fitX: f32(data.fitT.x),
      fitY: Int32Array.from(data.fitT.y.dataSync() as Int32Array),
      testX: f32(data.testT.x),
      testY: Int32Array.from(data.testT.y.dataSync() as Int32Array),
      labelled: Int32Array.from(labelled),
      full: { train: f32(full.outputs.train), test: f32(full.outputs.test), embedding: f32(emb), embeddingDim: emb.shape[1] },
      strict: { train: f32(strictFit), test: f32(strict.outputs.test) },
    };
    tf.dispose([strictFit, emb]);
    const info = (role: "full" | "strict", t: CachedTeacher, rows: number): BeyondKdTeacher => ({ role, name: role === "full" ? c.teacher : `${c.teacher} on the labelled rows`, arch: t.arch, params: t.params, trainRows: rows, testAcc: t.testAcc, source: t.source, trainSeconds: t.meta.trainSeconds });
    return { shared, teachers: [info("full", full, data.fit.numSamples), info("strict", strict, labelled.length)] };
  } finally {
    full.dispose();
    strict?.dispose();
    subT.x.dispose();
    subT.y.dispose();
  }
}

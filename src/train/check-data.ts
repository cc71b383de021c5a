/** Checks a run's tensors against each other and the student before any step. */
import * as tf from "@tensorflow/tfjs";
import type { TrainData } from "./train-types";

/** Reads a tensor's values asynchronously (WebGPU in Node cannot read synchronously) and disposes it. */
export async function readAndDispose(t: tf.Tensor): Promise<Float32Array | Int32Array | Uint8Array> {
  try {
    return (await t.data()) as Float32Array | Int32Array | Uint8Array;
  } finally {
    t.dispose();
  }
}

export async function checkData(classes: number, d: TrainData, needsTeacher: boolean): Promise<void> {
  const n = d.train.x.shape[0];
  if (d.train.y.shape[0] !== n) throw new Error(`train.y has ${d.train.y.shape[0]} labels for ${n} rows of train.x`);
  if (d.test.y.shape[0] !== d.test.x.shape[0]) throw new Error(`test.y has ${d.test.y.shape[0]} labels for ${d.test.x.shape[0]} rows of test.x`);
  if (d.labelMask && (d.labelMask.rank !== 1 || d.labelMask.shape[0] !== n)) throw new Error(`labelMask has shape [${d.labelMask.shape}], expected [${n}] (one entry per train row)`);
  const [lo, hi] = await readAndDispose(
    tf.tidy(() => {
      // With a label mask, only the labelled rows' labels are checked (the others are never used).
      const y = d.labelMask ? tf.where(tf.greater(d.labelMask, 0), tf.cast(d.train.y, "int32"), tf.zerosLike(tf.cast(d.train.y, "int32"))) : d.train.y;
      return tf.stack([tf.min(y), tf.max(y)]);
    }),
  );
  if (lo < 0 || hi >= classes) throw new Error(`train labels must be in [0, ${classes - 1}] (the student's classes); found [${lo}, ${hi}]`);
  if (needsTeacher && !d.teacherTrain && !d.teacherTargets && !d.teacherModel) throw new Error("alpha < 1 (distillation) needs teacherTrain logits or teacherTargets");
  if (d.teacherTrain && d.teacherTargets) throw new Error("give teacherTrain or teacherTargets, not both");
  for (const [name, t, rows] of [["teacherTrain", d.teacherTrain, n], ["teacherTest", d.teacherTest, d.test.x.shape[0]]] as const) {
    if (t && (t.shape[0] !== rows || t.shape[1] !== classes)) {
      throw new Error(`${name} has shape [${t.shape}], expected [${rows}, ${classes}] (rows × student classes)`);
    }
  }
  for (const [k, t] of Object.entries(d.inputs ?? {})) {
    if (t.shape[0] !== n) throw new Error(`inputs["${k}"] has ${t.shape[0]} rows, expected ${n} (one per train row)`);
  }
}

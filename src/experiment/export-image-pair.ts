/**
 * Saves a digits student (from a trial's weights) and its teacher in the TF.js
 * layers format, each with the image preprocessing in its model.json
 * (models/image-input.ts: 8×8 grey levels 0–16, the training scaler, class
 * names, a dozen scaled test images), ready for `npm run deploy`.
 */
import * as tf from "@tensorflow/tfjs";
import type { Prepared } from "../data/prepare";
import { ImageInput, setImageInput } from "../models/image-input";
import { saveModel } from "../models/io";
import { Activation, buildMlp } from "../models/mlp";

export interface ImagePairExport {
  studentDir: string;
  teacherDir: string;
  /** Which run the student is. */
  student: { budget: string; variant: string; seed: number; testAcc: number };
}

export function digitsImageInput(data: Prepared, examples = 12): ImageInput {
  if (!data.scaler) throw new Error("the digits data set has no scaler: cannot describe its preprocessing");
  const d = data.test.numFeatures;
  return {
    width: 8,
    height: 8,
    rawMax: 16,
    scaler: { offset: Array.from(data.scaler.offset), scale: Array.from(data.scaler.scale) },
    classNames: Array.from({ length: data.test.numClasses }, (_, i) => String(i)),
    examples: Array.from({ length: Math.min(examples, data.test.numSamples) }, (_, r) => ({ x: Array.from(data.test.x.subarray(r * d, (r + 1) * d)), label: data.test.y[r] })),
  };
}

export async function exportImagePair(o: {
  studentDir: string;
  teacherDir: string;
  meta: ImageInput;
  student: { hidden: number[]; activation?: Activation; dropout?: number };
  run: ImagePairExport["student"] & { weights: { shape: number[]; values: Float32Array }[] };
  teacher: tf.LayersModel;
}): Promise<ImagePairExport> {
  const inputDim = o.meta.width * o.meta.height;
  const model = buildMlp({ inputDim, hidden: o.student.hidden, outputDim: o.meta.classNames.length, activation: o.student.activation, dropout: o.student.dropout, seed: 0 });
  try {
    const tensors = o.run.weights.map((w) => tf.tensor(w.values, w.shape));
    model.setWeights(tensors);
    tensors.forEach((t) => t.dispose());
    setImageInput(model, o.meta);
    await saveModel(model, o.studentDir);
  } finally {
    model.dispose();
  }
  setImageInput(o.teacher, o.meta);
  await saveModel(o.teacher, o.teacherDir);
  const { weights: _w, ...student } = o.run;
  return { studentDir: o.studentDir, teacherDir: o.teacherDir, student };
}

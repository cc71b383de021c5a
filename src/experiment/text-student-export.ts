/**
 * The exported n-gram student: rebuilt from a trial's weights, saved in the
 * TF.js layers format with its hashing in model.json (src/models/io.ts), read
 * back, checked to predict exactly as the trial did, sized on disk, and timed
 * per text against the teacher (both from raw text to a language).
 */
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { encodeTexts } from "../data/char-ngrams";
import { median } from "../models/latency";
import { LanguageIdTeacher } from "../models/fasttext-teacher";
import { loadModel, saveModel } from "../models/io";
import { buildNgramBag, hashingOf } from "../models/ngram-bag";
import type { PretrainedTeacherExperiment } from "./schema/pretrained-teacher";
import { predictClasses } from "./pretrained-teacher-trial";

export interface ExportedStudent {
  dir: string;
  params: number;
  /** Bytes of model.json + weights.bin. */
  bytesOnDisk: number;
  /** Test texts where the reloaded model's language differs from the trial's (0 expected). */
  reloadMismatches: number;
}

export async function exportTextStudent(
  c: PretrainedTeacherExperiment,
  languages: string[],
  weights: { shape: number[]; values: Float32Array }[],
  dir: string,
  check: { texts: string[]; predictions: number[] },
): Promise<ExportedStudent> {
  const model = buildNgramBag({ hashing: c.hashing, dim: c.student.dim, hidden: c.student.hidden, numClasses: languages.length, seed: 0, classNames: languages });
  const tensors = weights.map((w) => tf.tensor(w.values, w.shape));
  model.setWeights(tensors);
  tensors.forEach((t) => t.dispose());
  const params = model.countParams();
  await saveModel(model, dir);
  model.dispose();
  const bytesOnDisk = fs.readdirSync(dir).reduce((s, f) => s + fs.statSync(path.join(dir, f)).size, 0);
  const loaded = await loadModel(dir);
  try {
    const { hashing } = hashingOf(loaded);
    const pred = await classify(loaded, encodeTexts(check.texts, hashing), check.texts.length);
    const reloadMismatches = pred.reduce((n, p, i) => n + (p === check.predictions[i] ? 0 : 1), 0);
    return { dir, params, bytesOnDisk, reloadMismatches };
  } finally {
    loaded.dispose();
  }
}

async function classify(model: tf.LayersModel, ids: Float32Array, rows: number): Promise<Int32Array> {
  const x = tf.tensor2d(ids, [rows, ids.length / rows]);
  try {
    return await predictClasses(model, x);
  } finally {
    x.dispose();
  }
}

export interface TextLatency {
  texts: number;
  /** Median ms from raw text to a language, one text at a time. */
  studentMsPerText: number;
  teacherMsPerText: number;
  /** Student ms per text in batches of `batch` texts (hashing included). */
  studentBatchMsPerText: number;
  batch: number;
}

/** Per-text latency of the saved student (hash + forward + read) and of the teacher, on the same texts. */
export async function measureTextLatency(dir: string, teacher: LanguageIdTeacher, texts: string[], batch = 256): Promise<TextLatency> {
  const model = await loadModel(dir);
  try {
    const { hashing } = hashingOf(model);
    const student: number[] = [];
    const fastText: number[] = [];
    await classify(model, encodeTexts(texts.slice(0, 8), hashing), Math.min(8, texts.length)); // warm-up
    teacher.answer(texts.slice(0, 8));
    for (const t of texts) {
      let t0 = performance.now();
      await classify(model, encodeTexts([t], hashing), 1);
      student.push(performance.now() - t0);
      t0 = performance.now();
      teacher.answer([t]);
      fastText.push(performance.now() - t0);
    }
    const many = Array.from({ length: batch }, (_, i) => texts[i % texts.length]);
    const t0 = performance.now();
    await classify(model, encodeTexts(many, hashing), batch);
    const studentBatchMsPerText = (performance.now() - t0) / batch;
    return { texts: texts.length, studentMsPerText: median(student), teacherMsPerText: median(fastText), studentBatchMsPerText, batch };
  } finally {
    model.dispose();
  }
}

/**
 * A cached teacher's logits on its train and test rows, saved beside it
 * (<entry>/logits/{train,test}.f32 as little-endian float32, and logits.json)
 * so a re-run reads them instead of running the teacher over every row again.
 * They are reused only for the same data fingerprint, the same model files
 * (sha256) and the same backend (logits differ in the last bits between
 * backends, and a run must give what a recomputation would); every file is
 * checked by size and sha256. Anything else is recomputed and rewritten,
 * saying why.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { writeFileAtomic, writeJsonAtomic } from "../atomic";
import { TeacherOutputs, cacheTeacherOutputs, teacherOutputs } from "../distill/teachers";

export interface LogitsKey {
  dataFingerprint: string;
  modelSha256: string;
  backend: string;
}

interface LogitsFile {
  rows: number;
  classes: number;
  sha256: string;
}

interface LogitsMeta extends LogitsKey {
  train: LogitsFile;
  test: LogitsFile;
  savedAt: string;
}

const sha256 = (b: Uint8Array) => crypto.createHash("sha256").update(b).digest("hex");
const bytesOf = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function readPart(dir: string, part: "train" | "test", want: LogitsFile, rows: number): Float32Array | string {
  const file = path.join(dir, `${part}.f32`);
  if (!fs.existsSync(file)) return `${file} is missing`;
  if (want.rows !== rows) return `${part} logits are for ${want.rows} rows, the data has ${rows}`;
  const buf = fs.readFileSync(file);
  if (buf.byteLength !== want.rows * want.classes * 4) return `${file} has ${buf.byteLength} bytes, expected ${want.rows * want.classes * 4}`;
  if (sha256(buf) !== want.sha256) return `${file} changed since it was saved (sha256 mismatch)`;
  const out = new Float32Array(want.rows * want.classes);
  bytesOf(out).set(buf);
  return out;
}

/** The saved logits if they match `key` and the rows, else why not. */
function tryRead(dir: string, key: LogitsKey, trainRows: number, testRows: number): { train: Float32Array; test: Float32Array; classes: number } | string {
  const metaFile = path.join(dir, "logits.json");
  if (!fs.existsSync(metaFile)) return "no saved logits yet";
  let meta: LogitsMeta;
  try {
    meta = JSON.parse(fs.readFileSync(metaFile, "utf8"));
  } catch (e) {
    return `${metaFile} is not valid JSON (${(e as Error).message})`;
  }
  for (const k of ["dataFingerprint", "modelSha256", "backend"] as const) {
    if (meta[k] !== key[k]) return `saved for another ${k === "backend" ? "backend" : k === "modelSha256" ? "model" : "data set"} (${String(meta[k]).slice(0, 12)}, now ${key[k].slice(0, 12)})`;
  }
  if (!meta.train || !meta.test || meta.train.classes !== meta.test.classes) return `${metaFile} lacks its train/test entries`;
  const train = readPart(dir, "train", meta.train, trainRows);
  if (typeof train === "string") return train;
  const test = readPart(dir, "test", meta.test, testRows);
  if (typeof test === "string") return test;
  return { train, test, classes: meta.train.classes };
}

/** The teacher's logits on trainX and testX: read from `<entry>/logits` when valid, else computed and saved there. */
export function teacherLogits(entry: string, key: LogitsKey, model: tf.LayersModel, trainX: tf.Tensor2D, testX: tf.Tensor2D): { outputs: TeacherOutputs; source: "cache" | "computed"; reason: string | null } {
  const dir = path.join(entry, "logits");
  const got = tryRead(dir, key, trainX.shape[0], testX.shape[0]);
  if (typeof got !== "string") {
    return { outputs: teacherOutputs(tf.tensor2d(got.train, [trainX.shape[0], got.classes]), tf.tensor2d(got.test, [testX.shape[0], got.classes])), source: "cache", reason: null };
  }
  const outputs = cacheTeacherOutputs(model, trainX, testX);
  const part = (t: tf.Tensor2D, name: "train" | "test"): LogitsFile => {
    const values = t.dataSync() as Float32Array;
    writeFileAtomic(path.join(dir, `${name}.f32`), bytesOf(values));
    return { rows: t.shape[0], classes: t.shape[1], sha256: sha256(bytesOf(values)) };
  };
  const meta: LogitsMeta = { ...key, train: part(outputs.train, "train"), test: part(outputs.test, "test"), savedAt: new Date().toISOString() };
  writeJsonAtomic(path.join(dir, "logits.json"), meta);
  return { outputs, source: "computed", reason: got };
}

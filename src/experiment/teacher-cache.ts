/**
 * Teacher reuse: a trained teacher is saved once, in the TF.js layers format
 * (models/io.ts), under <dir>/<key>/model/ with <dir>/<key>/teacher.json
 * (config fingerprint, data fingerprint, test accuracy, the model files'
 * sha256), and every later notebook run reloads it instead of retraining.
 * A stale entry (different config or data) or a corrupt one (missing or
 * unreadable files, changed weights, a test accuracy that no longer matches)
 * is retrained and overwritten; the progress line says which and why. Its
 * logits on the train and test rows are cached beside it (teacher-logits-cache.ts).
 * Default dir: <reports>/teachers (REPORTS_DIR respected) or $TEACHER_CACHE_DIR.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { writeJsonAtomic } from "../atomic";
import { Dataset, Tensors } from "../data/dataset";
import { accuracy, predictLogits } from "../distill/teachers";
import { teacherLogits } from "./teacher-logits-cache";
import { loadModel, modelSha256, saveModel } from "../models/io";
import "../models/conv"; // registers the conv layers for deserialisation
import { EpochRecord, TrainHooks, train } from "../train/trainer";
import { resultsDir } from "./results";
import { TrainedTeacher } from "./runs";

/** JSON with object keys sorted, so a fingerprint ignores key order. */
function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(",")}]`;
  if (v && typeof v === "object") return `{${Object.keys(v as object).sort().map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(",")}}`;
  return JSON.stringify(v);
}

export function configFingerprint(config: unknown): string {
  return crypto.createHash("sha256").update(stableJson(config)).digest("hex");
}

/** sha256 over the train and test rows (features and labels) and their shapes. */
export function dataFingerprint(train: Dataset, test: Dataset): string {
  const h = crypto.createHash("sha256");
  for (const d of [train, test]) {
    h.update(`${d.numSamples}x${d.numFeatures}:${d.numClasses};`);
    h.update(new Uint8Array(d.x.buffer, d.x.byteOffset, d.x.byteLength));
    h.update(new Uint8Array(d.y.buffer, d.y.byteOffset, d.y.byteLength));
  }
  return h.digest("hex");
}

export interface TeacherMeta {
  key: string;
  arch: string;
  configFingerprint: string;
  dataFingerprint: string;
  testAcc: number;
  params: number;
  modelSha256: string;
  history: EpochRecord[];
  config: unknown;
  savedAt: string;
  trainSeconds: number;
}

export interface CachedTeacher extends TrainedTeacher {
  /** "cache" when reloaded, "trained" when trained in this call. */
  source: "cache" | "trained";
  /** Why it was (re)trained; null when reloaded. */
  reason: string | null;
  dir: string;
  meta: TeacherMeta;
}

export function teacherCacheDir(): string {
  return process.env.TEACHER_CACHE_DIR ? path.resolve(process.env.TEACHER_CACHE_DIR) : path.join(resultsDir(), "teachers");
}

export interface TeacherRequest {
  /** Folder name under the cache dir (letters, digits, . _ -). */
  key: string;
  /** Cache root; default teacherCacheDir(). */
  dir?: string;
  /** Everything that determines the model: architecture and training settings. Its fingerprint must match to reuse. */
  config: { train: { epochs: number; batchSize: number; learningRate: number; seed: number }; [k: string]: unknown };
  arch: string;
  build: () => tf.LayersModel;
  data: { train: Dataset; test: Dataset; trainT: Tensors; testT: Tensors };
  hooks?: TrainHooks;
  /** Progress lines (default console.log). */
  log?: (line: string) => void;
  /** Retrain even when a valid entry exists. */
  force?: boolean;
}

/** Test accuracy through predictLogits (batched), the same computation on save and on reload. */
function testAccuracy(model: tf.LayersModel, testT: Tensors): number {
  const logits = predictLogits(model, testT.x);
  try {
    return accuracy(logits, testT.y);
  } finally {
    logits.dispose();
  }
}

/** Checks a cache entry; returns the loaded model or why it cannot be reused. */
async function tryLoad(entry: string, cfp: string, dfp: string, testT: Tensors): Promise<{ model: tf.LayersModel; meta: TeacherMeta } | { reason: string }> {
  const metaFile = path.join(entry, "teacher.json");
  const modelDir = path.join(entry, "model");
  if (!fs.existsSync(metaFile)) return { reason: fs.existsSync(entry) ? `corrupt: ${metaFile} is missing` : "no saved teacher yet" };
  let meta: TeacherMeta;
  try {
    meta = JSON.parse(fs.readFileSync(metaFile, "utf8"));
  } catch (e) {
    return { reason: `corrupt: ${metaFile} is not valid JSON (${(e as Error).message})` };
  }
  if (meta.configFingerprint !== cfp) return { reason: `stale: the teacher config changed (fingerprint ${String(meta.configFingerprint).slice(0, 12)} saved, ${cfp.slice(0, 12)} now)` };
  if (meta.dataFingerprint !== dfp) return { reason: `stale: the data changed (fingerprint ${String(meta.dataFingerprint).slice(0, 12)} saved, ${dfp.slice(0, 12)} now)` };
  let model: tf.LayersModel;
  try {
    const sha = modelSha256(modelDir);
    if (sha !== meta.modelSha256) return { reason: `corrupt: the model files in ${modelDir} changed since they were saved (sha256 ${sha.slice(0, 12)}, expected ${String(meta.modelSha256).slice(0, 12)})` };
    model = await loadModel(modelDir);
  } catch (e) {
    return { reason: `corrupt: ${(e as Error).message}` };
  }
  const acc = testAccuracy(model, testT);
  if (Math.abs(acc - meta.testAcc) > 1e-6) {
    model.dispose();
    return { reason: `corrupt: the reloaded teacher scores ${(100 * acc).toFixed(2)} % on the test rows, its metadata says ${(100 * meta.testAcc).toFixed(2)} %` };
  }
  return { model, meta };
}

function wrap(model: tf.LayersModel, meta: TeacherMeta, data: TeacherRequest["data"], source: "cache" | "trained", reason: string | null, dir: string, log: (l: string) => void): CachedTeacher {
  const t0 = performance.now();
  const lg = teacherLogits(dir, { dataFingerprint: meta.dataFingerprint, modelSha256: meta.modelSha256, backend: tf.getBackend() }, model, data.trainT.x, data.testT.x);
  const outputs = lg.outputs;
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  log(lg.source === "cache" ? `[teacher ${meta.key}] logits on ${data.trainT.x.shape[0]} + ${data.testT.x.shape[0]} rows read from ${path.join(dir, "logits")} (${secs} s)` : `[teacher ${meta.key}] logits computed and saved (${lg.reason}; ${secs} s)`);
  return {
    model,
    arch: meta.arch,
    params: model.countParams(),
    testAcc: meta.testAcc,
    history: meta.history,
    outputs,
    source,
    reason,
    dir,
    meta,
    dispose() {
      outputs.dispose();
      model.dispose();
    },
  };
}

/** Reloads the teacher `key` when its config and data fingerprints match and its files are intact; otherwise trains, saves and returns it. */
export async function getTeacher(req: TeacherRequest): Promise<CachedTeacher> {
  if (!/^[\w.-]+$/.test(req.key)) throw new Error(`teacher key must be a plain folder name (letters, digits, . _ -); got "${req.key}"`);
  const log = req.log ?? ((l: string) => console.log(l));
  const entry = path.join(req.dir ?? teacherCacheDir(), req.key);
  const cfp = configFingerprint({ arch: req.arch, config: req.config });
  const dfp = dataFingerprint(req.data.train, req.data.test);
  let reason = "forced retraining";
  if (!req.force) {
    const got = await tryLoad(entry, cfp, dfp, req.data.testT);
    if ("model" in got) {
      log(`[teacher ${req.key}] reloaded from ${entry} (test accuracy ${(100 * got.meta.testAcc).toFixed(2)} %, trained in ${got.meta.trainSeconds.toFixed(0)} s on ${got.meta.savedAt}) — not retrained`);
      return wrap(got.model, got.meta, req.data, "cache", null, entry, log);
    }
    reason = got.reason;
  }
  log(`[teacher ${req.key}] training (${reason})`);
  const t0 = performance.now();
  const model = req.build();
  const history = await train(model, { train: req.data.trainT, test: req.data.testT }, req.config.train, req.hooks);
  const trainSeconds = (performance.now() - t0) / 1000;
  const modelDir = path.join(entry, "model");
  await saveModel(model, modelDir);
  const meta: TeacherMeta = {
    key: req.key,
    arch: req.arch,
    configFingerprint: cfp,
    dataFingerprint: dfp,
    testAcc: testAccuracy(model, req.data.testT),
    params: model.countParams(),
    modelSha256: modelSha256(modelDir),
    history,
    config: req.config,
    savedAt: new Date().toISOString(),
    trainSeconds,
  };
  writeJsonAtomic(path.join(entry, "teacher.json"), meta);
  log(`[teacher ${req.key}] trained in ${trainSeconds.toFixed(1)} s, test accuracy ${(100 * meta.testAcc).toFixed(2)} %, saved to ${entry}`);
  return wrap(model, meta, req.data, "trained", reason, entry, log);
}

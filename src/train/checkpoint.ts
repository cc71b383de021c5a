/**
 * Checkpoints for exact resume: the student's weights, the Adam optimiser's
 * state (iteration count, both moment slots and its bias-correction
 * accumulators), the trainer's TrainState (epoch, step, RNG state, history),
 * the seeded-dropout counters, a fingerprint of the resolved configuration and
 * the model's architecture.
 *
 * Layout of a checkpoint directory:
 *   weights-e<E>.bin, optimizer-e<E>.bin   raw float32, written via temp file + rename
 *   manifest.json                          written LAST via temp file + rename; holds the
 *                                          sha256 and size of both files
 * A kill at any moment leaves either the previous manifest (whose files are
 * kept until a newer manifest is in place) or the new one, never a mix.
 *
 * loadCheckpoint() validates everything (JSON, schema, fingerprint,
 * architecture, sizes, checksums) before a single weight is assigned.
 */
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { z } from "zod";
import { writeFileAtomic, writeJsonAtomic } from "../atomic";
import { sha256 } from "../core/fingerprint";
import { diffValues, formatIssues } from "../core/problems";
import { SeededDropout } from "../models/seeded-dropout";
import { TrainState } from "./trainer";

export const CHECKPOINT_FORMAT = "distill-checkpoint/1";
const MANIFEST = "manifest.json";

export interface WeightInfo {
  name: string;
  shape: number[];
}

const weightInfo = z.object({ name: z.string(), shape: z.array(z.number().int().min(0)) });
const fileInfo = z.object({ path: z.string().regex(/^[\w.-]+$/), bytes: z.number().int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/) });
const epochRecord = z
  .object({ epoch: z.number().int(), loss: z.number(), ce: z.number(), kd: z.number(), trainAcc: z.number(), testAcc: z.number(), teacherAgreement: z.number().nullable(), temperature: z.number(), ms: z.number() })
  .passthrough();

const manifestSchema = z.object({
  format: z.literal(CHECKPOINT_FORMAT),
  fingerprint: z.string(),
  /** What the fingerprint was computed from (to say what differs). */
  config: z.unknown(),
  architecture: z.object({ describe: z.string(), weights: z.array(weightInfo) }),
  state: z.object({ epoch: z.number().int().min(0), step: z.number().int().min(0), rngState: z.number().int().min(0), history: z.array(epochRecord) }),
  optimizer: z.object({
    className: z.literal("Adam"),
    iterations: z.number().int().min(0),
    accBeta1: z.number(),
    accBeta2: z.number(),
    slots: z.array(weightInfo),
  }),
  dropoutCalls: z.record(z.number().int().min(0)),
  files: z.object({ weights: fileInfo, optimizer: fileInfo }),
  savedAt: z.string(),
});

/** What manifest.json holds (written out: zod's inferred types go optional under a non-strict compiler). */
export interface CheckpointManifest {
  format: typeof CHECKPOINT_FORMAT;
  fingerprint: string;
  config: unknown;
  architecture: { describe: string; weights: WeightInfo[] };
  state: TrainState;
  optimizer: { className: "Adam"; iterations: number; accBeta1: number; accBeta2: number; slots: WeightInfo[] };
  dropoutCalls: Record<string, number>;
  files: { weights: FileInfo; optimizer: FileInfo };
  savedAt: string;
}
export interface FileInfo {
  path: string;
  bytes: number;
  sha256: string;
}

/** What a checkpoint must match: the run's fingerprint (and the data it came from) and the model. */
export interface CheckpointIdentity {
  fingerprint: string;
  /** The values the fingerprint hashes; stored so a mismatch can say which fields differ. */
  config: unknown;
  /** A readable architecture, e.g. "64-16-10". */
  describe: string;
}

export class CheckpointError extends Error {
  constructor(
    readonly dir: string,
    message: string,
  ) {
    super(`checkpoint ${dir}: ${message}`);
    this.name = "CheckpointError";
  }
}

/** The model's weights as (name, shape), in model.weights order (names without tfjs' uniqueness suffixes). */
export function architectureOf(model: tf.LayersModel): WeightInfo[] {
  return model.weights.map((w) => ({ name: w.originalName, shape: [...w.shape] as number[] }));
}

function floatBytes(tensors: tf.Tensor[]): Buffer {
  const parts = tensors.map((t) => {
    if (t.dtype !== "float32") throw new Error(`checkpoint: only float32 weights are supported; got ${t.dtype}`);
    const a = t.dataSync() as Float32Array;
    return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  });
  return Buffer.concat(parts);
}

const numel = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function adamInternals(opt: tf.Optimizer): { accBeta1: tf.Variable; accBeta2: tf.Variable } {
  if (!(opt instanceof tf.AdamOptimizer)) throw new Error(`checkpoints support the Adam optimizer only; got ${opt.getClassName()}`);
  // Adam's bias-correction accumulators (beta^t, multiplied step by step). setWeights() recomputes them as
  // pow(beta, t + 1), which can differ in the last float bit: we save and restore the exact values.
  return opt as unknown as { accBeta1: tf.Variable; accBeta2: tf.Variable };
}

function dropoutLayers(model: tf.LayersModel): SeededDropout[] {
  return model.layers.filter((l): l is SeededDropout => l instanceof SeededDropout);
}

/** Saves a checkpoint of `model` + `optimizer` after the epoch in `state`, atomically (see the file comment). */
export async function saveCheckpoint(dir: string, args: { model: tf.LayersModel; optimizer: tf.Optimizer; state: TrainState; identity: CheckpointIdentity }): Promise<string> {
  const { model, optimizer, state, identity } = args;
  const adam = adamInternals(optimizer);
  fs.mkdirSync(dir, { recursive: true });
  const weightsBuf = floatBytes(model.getWeights());
  const named = await optimizer.getWeights();
  const iterTensor = named[0];
  const iterations = (await iterTensor.tensor.data())[0];
  iterTensor.tensor.dispose();
  const slots = named.slice(1);
  const optBuf = floatBytes(slots.map((s) => s.tensor));
  const trainable = model.trainableWeights;
  const slotInfo = slots.map((s, i) => ({ name: `${trainable[i % trainable.length]?.originalName ?? s.name}/${i < slots.length / 2 ? "m" : "v"}`, shape: [...s.tensor.shape] as number[] }));

  const e = String(state.epoch).padStart(4, "0");
  const files = { weights: `weights-e${e}.bin`, optimizer: `optimizer-e${e}.bin` };
  writeFileAtomic(path.join(dir, files.weights), weightsBuf);
  writeFileAtomic(path.join(dir, files.optimizer), optBuf);
  const manifest: CheckpointManifest = {
    format: CHECKPOINT_FORMAT,
    fingerprint: identity.fingerprint,
    config: identity.config,
    architecture: { describe: identity.describe, weights: architectureOf(model) },
    state: { epoch: state.epoch, step: state.step, rngState: state.rngState, history: state.history.map((r) => ({ ...r })) },
    optimizer: { className: "Adam", iterations, accBeta1: adam.accBeta1.dataSync()[0], accBeta2: adam.accBeta2.dataSync()[0], slots: slotInfo },
    dropoutCalls: Object.fromEntries(dropoutLayers(model).map((l) => [l.name, l.maskCount])),
    files: {
      weights: { path: files.weights, bytes: weightsBuf.length, sha256: sha256(weightsBuf) },
      optimizer: { path: files.optimizer, bytes: optBuf.length, sha256: sha256(optBuf) },
    },
    savedAt: new Date().toISOString(),
  };
  writeJsonAtomic(path.join(dir, MANIFEST), manifest);
  // Only now drop the files of older checkpoints and leftovers of interrupted writes.
  for (const f of fs.readdirSync(dir)) {
    const stale = (/^(weights|optimizer)-e\d+\.bin$/.test(f) && f !== files.weights && f !== files.optimizer) || /^\..*\.tmp$/.test(f);
    if (stale) fs.rmSync(path.join(dir, f), { force: true });
  }
  return path.join(dir, MANIFEST);
}

/** A checkpoint whose every part has been checked; apply() assigns it. */
export interface LoadedCheckpoint {
  manifest: CheckpointManifest;
  state: TrainState;
  /** Sets the model's weights, the optimizer's state and the dropout counters. */
  apply(model: tf.LayersModel, optimizer: tf.Optimizer): Promise<void>;
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Reads and validates the checkpoint in `dir` for `model`. Returns null when
 * there is none (no manifest.json); throws a CheckpointError naming the file
 * and the problem when it is corrupt or belongs to another run/architecture.
 */
export function loadCheckpoint(dir: string, model: tf.LayersModel, identity: CheckpointIdentity): LoadedCheckpoint | null {
  const manifestPath = path.join(dir, MANIFEST);
  if (!fs.existsSync(manifestPath)) return null;
  const fail = (msg: string): never => {
    throw new CheckpointError(dir, msg);
  };
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(manifestPath, "utf8"));
  } catch (err) {
    fail(`${MANIFEST} is corrupt: not valid JSON (${(err as Error).message}); the file may be truncated`);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const probs = formatIssues(parsed.error.issues, raw);
    fail(`${MANIFEST} is corrupt or of another format: ${probs.map((p) => `${p.path}: got ${p.value}, expected ${p.expected}`).join("; ")}`);
  }
  const m = (parsed as { data: unknown }).data as CheckpointManifest;

  if (m.fingerprint !== identity.fingerprint) {
    const diffs = diffValues(m.config, identity.config);
    fail(
      `saved for another configuration (fingerprint ${m.fingerprint.slice(0, 12)}… ≠ ${identity.fingerprint.slice(0, 12)}…)` +
        (diffs.length ? `; differs in ${diffs.slice(0, 6).join("; ")} (checkpoint vs now)` : "") +
        `. Delete it or choose another checkpoint directory to start afresh.`,
    );
  }
  const arch = architectureOf(model);
  const saved = m.architecture.weights;
  if (m.architecture.describe !== identity.describe || saved.length !== arch.length || saved.some((w, i) => !sameShape(w.shape, arch[i].shape))) {
    const i = saved.findIndex((w, k) => !arch[k] || !sameShape(w.shape, arch[k].shape));
    const detail =
      i >= 0 ? `; weight ${i} (${saved[i].name}) has shape [${saved[i].shape}] in the checkpoint, ${arch[i] ? `[${arch[i].shape}] in the model` : "absent from the model"}` : `; ${saved.length} weights saved, the model has ${arch.length}`;
    fail(`holds weights for architecture ${m.architecture.describe} but the model is ${identity.describe}${detail}`);
  }
  const trainable = model.trainableWeights;
  const { slots } = m.optimizer;
  if (slots.length !== 0 && slots.length !== 2 * trainable.length) fail(`optimizer state has ${slots.length} slots, expected ${2 * trainable.length} (m and v per trainable weight)`);
  slots.forEach((s, i) => {
    const w = trainable[i % trainable.length];
    if (!sameShape(s.shape, w.shape as number[])) fail(`optimizer slot ${i} (${s.name}) has shape [${s.shape}], the weight ${w.originalName} has [${w.shape}]`);
  });
  const st = m.state;
  if (st.history.length !== st.epoch) fail(`state.history has ${st.history.length} epochs but state.epoch is ${st.epoch}`);
  if (m.optimizer.iterations !== st.step) fail(`optimizer.iterations (${m.optimizer.iterations}) differs from state.step (${st.step})`);

  const readChecked = (what: "weights" | "optimizer", specs: WeightInfo[]): Float32Array => {
    const f = m.files[what];
    const file = path.join(dir, f.path);
    if (!fs.existsSync(file)) fail(`file ${f.path} listed in ${MANIFEST} is missing`);
    const buf = fs.readFileSync(file);
    if (buf.length !== f.bytes) fail(`${f.path} has ${buf.length} bytes, ${MANIFEST} says ${f.bytes} (truncated or replaced)`);
    const expected = specs.reduce((a, s) => a + numel(s.shape) * 4, 0);
    if (buf.length !== expected) fail(`${f.path} has ${buf.length} bytes, the ${specs.length} ${what} shapes need ${expected}`);
    const sum = sha256(buf);
    if (sum !== f.sha256) fail(`checksum mismatch in ${f.path}: sha256 ${sum.slice(0, 16)}…, ${MANIFEST} says ${f.sha256.slice(0, 16)}…`);
    const copy = new Uint8Array(buf.length);
    copy.set(buf);
    return new Float32Array(copy.buffer);
  };
  const weights = readChecked("weights", saved);
  const optState = readChecked("optimizer", slots);
  const dropouts = dropoutLayers(model);
  for (const l of dropouts) if (!(l.name in m.dropoutCalls)) fail(`no dropout counter saved for layer ${l.name}`);

  const split = (flat: Float32Array, specs: WeightInfo[]): tf.Tensor[] => {
    let off = 0;
    return specs.map((s) => {
      const n = numel(s.shape);
      const t = tf.tensor(flat.subarray(off, off + n), s.shape, "float32");
      off += n;
      return t;
    });
  };

  return {
    manifest: m,
    state: { epoch: st.epoch, step: st.step, rngState: st.rngState, history: st.history },
    async apply(target: tf.LayersModel, optimizer: tf.Optimizer): Promise<void> {
      const adam = adamInternals(optimizer);
      if (target !== model) throw new Error("checkpoint: apply() to the model it was validated against");
      const ws = split(weights, saved);
      const os = split(optState, slots);
      const iter = tf.scalar(m.optimizer.iterations, "int32");
      try {
        target.setWeights(ws);
        const names = os.map((_, i) => `${trainable[i % trainable.length].name}/${i < os.length / 2 ? "m" : "v"}`);
        await optimizer.setWeights([{ name: "iter", tensor: iter }, ...os.map((tensor, i) => ({ name: names[i], tensor }))]);
        adam.accBeta1.assign(tf.scalar(m.optimizer.accBeta1));
        adam.accBeta2.assign(tf.scalar(m.optimizer.accBeta2));
        for (const l of dropouts) l.maskCount = m.dropoutCalls[l.name];
      } finally {
        tf.dispose([...ws, ...os, iter]);
      }
    },
  };
}

/** A trained teacher kept next to the student checkpoints, so a resumed run need not retrain it. */
const teacherRecordSchema = z.object({
  format: z.literal(CHECKPOINT_FORMAT),
  fingerprint: z.string(),
  config: z.unknown(),
  weightsSha256: z.string(),
  testAcc: z.number(),
  history: z.array(epochRecord),
});
export interface TeacherRecord {
  format: typeof CHECKPOINT_FORMAT;
  fingerprint: string;
  config: unknown;
  weightsSha256: string;
  testAcc: number;
  history: TrainState["history"];
}

export function readTeacherRecord(dir: string, identity: CheckpointIdentity): TeacherRecord | null {
  const file = path.join(dir, "teacher.json");
  if (!fs.existsSync(file)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new CheckpointError(dir, `teacher.json is corrupt: not valid JSON (${(err as Error).message})`);
  }
  const parsed = teacherRecordSchema.safeParse(raw);
  if (!parsed.success) throw new CheckpointError(dir, `teacher.json is corrupt: ${formatIssues(parsed.error.issues, raw).map((p) => `${p.path}: got ${p.value}, expected ${p.expected}`).join("; ")}`);
  const rec = parsed.data as unknown as TeacherRecord;
  if (rec.fingerprint !== identity.fingerprint) {
    const diffs = diffValues(rec.config, identity.config);
    throw new CheckpointError(dir, `the saved teacher was trained for another configuration${diffs.length ? ` (differs in ${diffs.slice(0, 6).join("; ")}, saved vs now)` : ""}. Delete it to retrain.`);
  }
  const bin = path.join(dir, "model", "weights.bin");
  if (!fs.existsSync(bin)) throw new CheckpointError(dir, `teacher weights model/weights.bin are missing`);
  const sum = sha256(fs.readFileSync(bin));
  if (sum !== rec.weightsSha256) throw new CheckpointError(dir, `checksum mismatch in model/weights.bin: sha256 ${sum.slice(0, 16)}…, teacher.json says ${rec.weightsSha256.slice(0, 16)}…`);
  return rec;
}

export function writeTeacherRecord(dir: string, rec: { fingerprint: string; config: unknown; testAcc: number; history: TrainState["history"] }): void {
  const sum = sha256(fs.readFileSync(path.join(dir, "model", "weights.bin")));
  writeJsonAtomic(path.join(dir, "teacher.json"), { format: CHECKPOINT_FORMAT, ...rec, weightsSha256: sum });
}

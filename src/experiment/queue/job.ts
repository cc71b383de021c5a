/**
 * What a queued trial is: plain data, checked on arrival. The trial itself
 * and its result travel as V8 structured-clone bytes (base64), so typed
 * arrays, NaN and -0 come back as they left (JSON would change them); both
 * are hashed, and the hashes name the job.
 */
import { createHash } from "crypto";
import * as v8 from "v8";
import { z } from "zod";

export const QUEUE_NAME = "trials";
export const QUEUE_PREFIX = "distill";

export interface TrialJobData {
  format: 1;
  /** A name from TRIAL_MODULES, and the names of its exports. */
  module: string;
  fn: string;
  setup?: string;
  /** The code version the coordinator runs (code-version.ts). */
  code: string;
  /** sha256 of the shared data's bytes (the blob in Redis). */
  data: string;
  /** sha256 of the trial's bytes. */
  trialHash: string;
  trial: string;
  index: number;
  total: number;
  description: string;
  deadlineMs?: number;
  /** The tfjs backend the coordinator runs on: the trial runs on the same one. */
  backend?: string;
}

export interface TrialJobResult {
  result: string;
  ms: number;
  /** host:pid of the worker that ran it. */
  worker: string;
}

const jobSchema = z.object({
  format: z.literal(1),
  module: z.string().min(1),
  fn: z.string().regex(/^[A-Za-z_$][\w$]*$/),
  setup: z.string().regex(/^[A-Za-z_$][\w$]*$/).optional(),
  code: z.string().min(1),
  data: z.string().regex(/^[0-9a-f]{64}$/),
  trialHash: z.string().regex(/^[0-9a-f]{64}$/),
  trial: z.string(),
  index: z.number().int().nonnegative(),
  total: z.number().int().positive(),
  description: z.string(),
  deadlineMs: z.number().positive().optional(),
  backend: z.enum(["wasm", "cpu", "tensorflow", "webgpu"]).optional(),
});

/** The job's data, or an error that names the first bad field. */
export function parseJobData(raw: unknown): TrialJobData {
  const r = jobSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new Error(`not a trial job of this workbench: field "${issue.path.join(".") || "(root)"}": ${issue.message}`);
  }
  return r.data as TrialJobData;
}

export const sha256 = (bytes: Buffer | string): string => createHash("sha256").update(bytes).digest("hex");

export const encode = (value: unknown): Buffer => v8.serialize(value);
export const decode = (bytes: Buffer): unknown => v8.deserialize(bytes);

/** The sweep's id: everything that must match for a finished trial to be reused. */
export function sweepId(parts: { code: string; module: string; fn: string; setup?: string; data: string }): string {
  return sha256(JSON.stringify([parts.code, parts.module, parts.fn, parts.setup ?? "", parts.data])).slice(0, 16);
}

/** A job id: the sweep's id and the trial's hash (BullMQ ids may not contain ':'). */
export const jobId = (sweep: string, trialHash: string): string => `${sweep}-${trialHash.slice(0, 24)}`;

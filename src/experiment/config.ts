/**
 * The one configuration schema of a distillation experiment (zod): data,
 * teacher (trained here or loaded from a TF.js layers model), student, loss,
 * optimiser, seeds, checkpoints. resolveConfig() validates a plain object,
 * reports EVERY bad field at once (path, value, what was expected), rejects
 * unknown fields, fills the defaults and returns the resolved configuration —
 * the one that results files and checkpoints store.
 *
 * Compiles under tslab's TypeScript 5.0 (non-strict): no satisfies/const generics.
 */
import * as fs from "fs";
import * as path from "path";
import { z } from "zod";
import { canonicalJson, sha256 } from "../core/fingerprint";
import { ConfigProblem, formatIssues } from "../core/problems";
import type { ScheduleSpec, ScheduleTemplate } from "../distill/schedules";
import { ACTIVATIONS, csvData, digitsData, mlpShape, obj, posInt, positive, schedule, seed, seeds, training } from "./schema/blocks";

// The shared blocks (src/experiment/schema/blocks.ts), re-exported for older importers.
export { mlpShape, obj, posInt, positive, seed } from "./schema/blocks";

// The generic helpers moved to src/core/ (below every layer); re-exported so importers of this module keep working.
export { canonicalJson, sha256 } from "../core/fingerprint";
export { diffValues, formatIssues, showValue } from "../core/problems";
export type { ConfigProblem } from "../core/problems";

/** Names of the extra loss terms a configuration may weight (registry entries l2 and confidence-penalty). */
export const EXTRA_TERMS = ["l2", "confidencePenalty"] as const;

/** Infers `kind` when it is left out: `ifPath` when the object has a `path`, else `otherwise`. */
function inferKind(ifPath: string, otherwise: string) {
  return (v: unknown) => {
    if (v && typeof v === "object" && !Array.isArray(v) && !("kind" in v)) {
      return { kind: "path" in (v as object) ? ifPath : otherwise, ...(v as object) };
    }
    return v;
  };
}

const dataSchema = z.preprocess(inferKind("csv", "digits"), z.discriminatedUnion("kind", [digitsData, csvData]));

const trainingSchema = training;

const trainedTeacher = obj({
  kind: z.literal("train"),
  ...mlpShape,
  training: trainingSchema,
  /** Seeds the teacher's init and shuffling. */
  seed: seed.default(0),
});

/** A TF.js layers model directory (model.json + weights) trained elsewhere; it must output logits. */
const loadedTeacher = obj({
  kind: z.literal("load"),
  path: z.string().min(1),
});

const teacherSchema = z.preprocess(inferKind("load", "train"), z.discriminatedUnion("kind", [trainedTeacher, loadedTeacher]));

const scheduleSchema = schedule;

const lossSchema = obj({
  /** Weight of the hard-label loss: α·CE + (1−α)·T²·KL. */
  alpha: z.number().min(0).max(1).default(0.5),
  temperature: z.union([positive, scheduleSchema]).default(4),
  /** Weights of extra loss terms (see EXTRA_TERMS), each ≥ 0. */
  extra: obj({ l2: z.number().finite().min(0).optional(), confidencePenalty: z.number().finite().min(0).optional() }).default({}),
});

const checkpointSchema = obj({
  /** Save every N epochs (and always after the last one). */
  every: posInt.default(1),
  directory: z.string().min(1),
});

export const ExperimentConfigSchema = obj({
  name: z.string().regex(/^[\w.-]+$/, "a plain name (letters, digits, . _ -)").default("experiment"),
  description: z.string().optional(),
  data: dataSchema,
  teacher: teacherSchema,
  student: obj(mlpShape),
  loss: lossSchema.default({}),
  optimizer: trainingSchema,
  seeds: seeds.default([0]),
  checkpoint: checkpointSchema.nullable().default(null),
  /** Where to save each seed's distilled student (TF.js layers format, <directory>/seed-<s>/). */
  export: obj({ directory: z.string().min(1) }).nullable().default(null),
});

/** What a user writes (defaults may be left out). */
export type ExperimentConfig = z.input<typeof ExperimentConfigSchema>;

type Activation = (typeof ACTIVATIONS)[number];
export interface MlpConfig {
  hidden: number[];
  activation: Activation;
  dropout: number;
}
export interface TrainingConfig {
  learningRate: number;
  batchSize: number;
  epochs: number;
}
export type DataConfig =
  | { kind: "digits"; testFraction: number; seed: number }
  | { kind: "csv"; path: string; labelColumn: string | number; testFraction: number; seed: number; numClasses: number | null; header: boolean | "auto"; scaling: "minmax" | "none" };
export type TeacherConfig = ({ kind: "train"; training: TrainingConfig; seed: number } & MlpConfig) | { kind: "load"; path: string };
/** A fixed temperature or a schedule (tMax of linear/cosine may be open: the run fills in its step count). */
export type TemperatureConfig = number | ScheduleSpec | ScheduleTemplate;

/**
 * The configuration with every default filled in. Written out (not z.output)
 * so that it reads the same under tslab's non-strict compiler, where zod's
 * inferred types turn every field optional.
 */
export interface ResolvedConfig {
  name: string;
  description?: string;
  data: DataConfig;
  teacher: TeacherConfig;
  student: MlpConfig;
  loss: { alpha: number; temperature: TemperatureConfig; extra: { l2?: number; confidencePenalty?: number } };
  optimizer: TrainingConfig;
  seeds: number[];
  checkpoint: { every: number; directory: string } | null;
  export: { directory: string } | null;
}

/** A configuration with one or more bad fields; `problems` lists them all. */
export class ConfigError extends Error {
  constructor(
    readonly problems: ConfigProblem[],
    readonly source = "configuration",
  ) {
    super(`invalid ${source} (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` + problems.map((p) => `  - ${p.path}: got ${p.value}; expected ${p.expected}`).join("\n"));
    this.name = "ConfigError";
  }
}

/** Validates `raw` against any schema of this project; throws a ConfigError listing every problem. */
export function parseWith<S extends z.ZodTypeAny>(schema: S, raw: unknown, source = "configuration"): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error.issues, raw), source);
  return parsed.data;
}

/**
 * Validates `raw` against the schema and returns the resolved configuration
 * (defaults filled). Relative paths (data.path, teacher.path, checkpoint and
 * export directories) are resolved against `baseDir` when given. Throws a
 * ConfigError listing every problem.
 */
export function resolveConfig(raw: unknown, opts: { baseDir?: string; source?: string } = {}): ResolvedConfig {
  const parsed = ExperimentConfigSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error.issues, raw), opts.source);
  const c = parsed.data as unknown as ResolvedConfig;
  if (opts.baseDir) {
    const abs = (p: string) => path.resolve(opts.baseDir as string, p);
    if (c.data.kind === "csv") c.data.path = abs(c.data.path);
    if (c.teacher.kind === "load") c.teacher.path = abs(c.teacher.path);
    if (c.checkpoint) c.checkpoint.directory = abs(c.checkpoint.directory);
    if (c.export) c.export.directory = abs(c.export.directory);
  }
  return c;
}

/** Reads a JSON configuration file; relative paths in it are taken relative to the file's folder. */
export function loadConfigFile(file: string): ResolvedConfig {
  if (!fs.existsSync(file)) throw new Error(`configuration file not found: ${file}`);
  const text = fs.readFileSync(file, "utf8");
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`configuration file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  return resolveConfig(raw, { baseDir: path.dirname(path.resolve(file)), source: `configuration ${file}` });
}

/** The part of a resolved configuration that decides the numbers (not its name, description, checkpoint or export folders). */
export function numericConfig(c: ResolvedConfig): Record<string, unknown> {
  return { data: c.data, teacher: c.teacher, student: c.student, loss: c.loss, optimizer: c.optimizer };
}

/** sha256 of the canonical numeric configuration (plus anything in `extra`, e.g. the seed). */
export function configFingerprint(c: ResolvedConfig, extra: Record<string, unknown> = {}): string {
  return sha256(canonicalJson({ ...numericConfig(c), ...extra }));
}

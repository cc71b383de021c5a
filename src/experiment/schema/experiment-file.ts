/**
 * An experiment file (experiments/NAME.json): which experiment it is, its
 * name (the results file's), an optional description, the configuration, and
 * optional per-budget overrides:
 *
 *   { "experiment": "temperature-sweep", "name": "01-temperature-sweep",
 *     "config": { …the full budget… },
 *     "budgets": { "ci": { …fields that replace the full budget's in CI… } } }
 *
 * DISTILL_BUDGET=full (default) runs "config" as it is; DISTILL_BUDGET=ci
 * merges budgets.ci over it (objects merged field by field, arrays and values
 * replaced). The merged configuration is validated against the experiment's
 * schema (schema/kinds.ts): every bad or unknown field at once, with its path,
 * value and what was expected.
 *
 * An optional "grid" sweeps any field of the configuration by its dotted path,
 * { "grid": { "alpha": [0.3, 0.7], "teacher.epochs": [10, 30] } }: `npm run
 * experiment` then runs the experiment once per point (resolveExperimentGrid),
 * each point validated on its own and written to <name>.<k>.json with its
 * coordinates. A notebook (loadExperiment) reads the configuration without it.
 */
import * as fs from "fs";
import * as path from "path";
import { z } from "zod";
import { canonicalJson, sha256 } from "../../core/fingerprint";
import { projectRoot } from "../../paths";
import { formatIssues } from "../../core/problems";
import { ConfigError } from "../config";
import { gridOver } from "../grid";

/** Schemas by experiment kind. */
export type ExperimentKinds = Record<string, z.ZodTypeAny>;

/**
 * Every kind's schema (schema/kinds.ts), loaded only when a caller gives none:
 * a notebook passes its own kind's schema, so the tslab kernel compiles (and
 * type-checks) only the schema and runner that notebook uses.
 */
function allKinds(kind: string): ExperimentKinds {
  try {
    return (require("./kinds") as { EXPERIMENT_SCHEMAS: ExperimentKinds }).EXPERIMENT_SCHEMAS;
  } catch (err) {
    throw new Error(`experiment kind "${kind}": the registry of kinds (src/experiment/schema/kinds.ts) cannot be loaded here (${(err as Error).message.split("\n")[0]}); pass the kind's schema: loadExperiment(file, { kinds: { "${kind}": schema } })`);
  }
}

export type Budget = "full" | "ci";
export const BUDGETS: Budget[] = ["full", "ci"];

/** The budget asked for: DISTILL_BUDGET, else the older FASHION_BUDGET, else "full". */
export function budgetFromEnv(env: NodeJS.ProcessEnv = process.env): Budget {
  const v = (env.DISTILL_BUDGET ?? env.FASHION_BUDGET ?? "full").trim().toLowerCase();
  if (v !== "full" && v !== "ci") throw new Error(`DISTILL_BUDGET must be "full" or "ci"; got "${env.DISTILL_BUDGET ?? env.FASHION_BUDGET}"`);
  return v;
}

const envelope = z
  .object({
    experiment: z.string().min(1),
    name: z.string().regex(/^[\w.-]+$/, "a plain name (letters, digits, . _ -)"),
    description: z.string().optional(),
    config: z.record(z.unknown()),
    budgets: z.object({ ci: z.record(z.unknown()).optional() }).strict("allowed budgets: ci").optional(),
    grid: z.record(z.array(z.unknown()).min(1)).optional(),
  })
  .strict("allowed fields: experiment, name, description, config, budgets, grid");

export interface ExperimentFile<C = unknown> {
  /** Absolute path of the file. */
  file: string;
  kind: string;
  name: string;
  description?: string;
  budget: Budget;
  /** The validated configuration for this budget, defaults filled. */
  config: C;
  /** sha256 of the canonical configuration and kind (what decides the numbers). */
  fingerprint: string;
  /** The grid point's coordinates (field path → value), for one point of a "grid". */
  gridPoint?: Record<string, unknown>;
}

/** Objects merged field by field; arrays, numbers and strings in `over` replace those in `base`. */
export function mergeBudget(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);
  if (!isObj(base) || !isObj(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = mergeBudget(base[k], v);
  return out;
}

/** Validates a parsed experiment file for a budget; relative paths inside stay relative to `baseDir`. */
function parseEnvelope(raw: unknown, source: string) {
  const env = envelope.safeParse(raw);
  if (!env.success) throw new ConfigError(formatIssues(env.error.issues, raw), source);
  return env.data;
}

function validate<C>(env: z.output<typeof envelope>, merged: unknown, opts: { file: string; budget: Budget; kinds?: ExperimentKinds }, where: string): ExperimentFile<C> {
  const source = `experiment ${opts.file}${opts.budget === "full" ? "" : ` (budget ${opts.budget})`}${where}`;
  const kinds = opts.kinds ?? allKinds(env.experiment);
  const schema = kinds[env.experiment];
  if (!schema) throw new ConfigError([{ path: "experiment", value: JSON.stringify(env.experiment), expected: `one of ${Object.keys(kinds).join(", ")}` }], `experiment ${opts.file}`);
  const parsed = schema.safeParse(merged);
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error.issues, merged).map((p) => ({ ...p, path: `config.${p.path}` })), source);
  return {
    file: opts.file,
    kind: env.experiment,
    name: env.name,
    description: env.description,
    budget: opts.budget,
    config: parsed.data as C,
    fingerprint: sha256(canonicalJson({ kind: env.experiment, config: parsed.data })),
  };
}

/** Validates a parsed experiment file for a budget (its "grid", if any, is not expanded: see resolveExperimentGrid). */
export function resolveExperiment<C = unknown>(raw: unknown, opts: { file: string; budget?: Budget; kinds?: ExperimentKinds }): ExperimentFile<C> {
  const env = parseEnvelope(raw, `experiment ${opts.file}`);
  const budget = opts.budget ?? budgetFromEnv();
  return validate<C>(env, budget === "full" ? env.config : mergeBudget(env.config, env.budgets?.[budget]), { ...opts, budget }, "");
}

/** One validated experiment per point of the file's "grid" (just the experiment without one), named <name>.<k>. */
export function resolveExperimentGrid<C = unknown>(raw: unknown, opts: { file: string; budget?: Budget; kinds?: ExperimentKinds }): ExperimentFile<C>[] {
  const env = parseEnvelope(raw, `experiment ${opts.file}`);
  if (!env.grid) return [resolveExperiment<C>(raw, opts)];
  const budget = opts.budget ?? budgetFromEnv();
  const base = budget === "full" ? env.config : mergeBudget(env.config, env.budgets?.[budget]);
  let points: { coords: Record<string, unknown>; config: unknown }[];
  try {
    points = gridOver(base, env.grid);
  } catch (err) {
    throw new ConfigError([{ path: "grid", value: JSON.stringify(Object.keys(env.grid)), expected: `paths of fields in config (${(err as Error).message})` }], `experiment ${opts.file}`);
  }
  return points.map((p, k) => {
    const where = ` at grid point ${k + 1} (${Object.entries(p.coords).map(([f, v]) => `${f} = ${JSON.stringify(v)}`).join(", ")})`;
    return { ...validate<C>(env, p.config, { ...opts, budget }, where), name: `${env.name}.${k + 1}`, gridPoint: p.coords };
  });
}

/** Reads and validates experiments/NAME.json (or any path) for a budget (default: budgetFromEnv()). */
export function loadExperiment<C = unknown>(fileOrName: string, opts: { budget?: Budget; root?: string; kinds?: ExperimentKinds } = {}): ExperimentFile<C> {
  const root = opts.root ?? projectRoot();
  const candidates = [path.resolve(fileOrName), path.resolve(root, "experiments", fileOrName), path.resolve(root, "experiments", `${fileOrName}.json`)];
  const file = candidates.find((f) => fs.existsSync(f) && fs.statSync(f).isFile());
  if (!file) throw new Error(`experiment file not found: ${fileOrName} (looked for ${candidates.join(", ")})`);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`experiment file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  return resolveExperiment<C>(raw, { file, budget: opts.budget, kinds: opts.kinds });
}

/** True when a parsed JSON file is an experiment file (has "experiment"), not a single-run configuration. */
export function isExperimentFile(raw: unknown): boolean {
  return !!raw && typeof raw === "object" && "experiment" in (raw as object);
}

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
 */
import * as fs from "fs";
import * as path from "path";
import { z } from "zod";
import { canonicalJson, sha256 } from "../../core/fingerprint";
import { projectRoot } from "../../paths";
import { formatIssues } from "../../core/problems";
import { ConfigError } from "../config";

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
  })
  .strict("allowed fields: experiment, name, description, config, budgets");

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
export function resolveExperiment<C = unknown>(raw: unknown, opts: { file: string; budget?: Budget; kinds?: ExperimentKinds }): ExperimentFile<C> {
  const source = `experiment ${opts.file}`;
  const env = envelope.safeParse(raw);
  if (!env.success) throw new ConfigError(formatIssues(env.error.issues, raw), source);
  const budget = opts.budget ?? budgetFromEnv();
  const merged = budget === "full" ? env.data.config : mergeBudget(env.data.config, env.data.budgets?.[budget]);
  const kinds = opts.kinds ?? allKinds(env.data.experiment);
  const schema = kinds[env.data.experiment];
  if (!schema) throw new ConfigError([{ path: "experiment", value: JSON.stringify(env.data.experiment), expected: `one of ${Object.keys(kinds).join(", ")}` }], source);
  const parsed = schema.safeParse(merged);
  if (!parsed.success) {
    const problems = formatIssues(parsed.error.issues, merged).map((p) => ({ ...p, path: `config.${p.path}` }));
    throw new ConfigError(problems, `${source}${budget === "full" ? "" : ` (budget ${budget})`}`);
  }
  return {
    file: opts.file,
    kind: env.data.experiment,
    name: env.data.name,
    description: env.data.description,
    budget,
    config: parsed.data as C,
    fingerprint: sha256(canonicalJson({ kind: env.data.experiment, config: parsed.data })),
  };
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

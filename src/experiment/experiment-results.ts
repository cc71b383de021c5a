/**
 * The results file of an experiment file, written the same way by a notebook
 * and by `npm run experiment`: <reports>/<name>.json with the experiment's
 * kind, budget, fingerprint, validated configuration, environment and results.
 */
import { runInfo, saveResults, writeJsonAtomic } from "./results";
import type { ExperimentFile } from "./schema/experiment-file";

/** Writes the results file (default <reports>/<name>.json) atomically; returns its path. */
export function saveExperimentResults(exp: ExperimentFile, results: unknown, startedAt: number, file?: string): string {
  const payload = { experiment: exp.kind, budget: exp.budget, fingerprint: exp.fingerprint, ...(exp.gridPoint ? { gridPoint: exp.gridPoint } : {}), config: exp.config, results, runSeconds: (Date.now() - startedAt) / 1000 };
  if (!file) return saveResults(exp.name, payload);
  writeJsonAtomic(file, { name: exp.name, createdAt: new Date().toISOString(), environment: runInfo(), ...payload });
  return file;
}

/** What every runner takes. */
export interface RunOptions {
  /** Processes for the sweep's trials (default DISTILL_WORKERS or the cores). */
  workers?: number;
  /** Progress lines (default console.log). */
  log?: (line: string) => void;
}

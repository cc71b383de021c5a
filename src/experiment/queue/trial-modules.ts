/**
 * The trial modules a queued job may name. A job carries one of these names
 * and the names of two exports (its trial function and setup) — data only —
 * and a worker runs only modules listed here, from its own checkout.
 */
import * as path from "path";

export const TRIAL_MODULES: Record<string, string> = {
  "temperature-sweep": "src/experiment/parallel-sweep.ts",
  "dynamic-temperature": "src/experiment/dynamic-temperature-trials.ts",
  "multi-teacher-weighting": "src/experiment/multi-teacher-trial.ts",
  "semi-supervised": "src/experiment/semi-supervised-sweep.ts",
  "progressive-stages": "src/experiment/progressive-trials.ts",
  "feature-distill": "src/experiment/feature-distill.ts",
  "fashion-mnist": "src/experiment/fashion-sweeps.ts",
  "fashion-beyond-kd": "src/experiment/beyond-kd/trial.ts",
  "pretrained-teacher": "src/experiment/pretrained-teacher-trial.ts",
  federated: "src/experiment/federated/trial.ts",
};

/** The listed name of a trial module given by absolute path; an error if it is not listed. */
export function trialModuleName(root: string, file: string): string {
  const rel = path.relative(root, file).split(path.sep).join("/");
  const hit = Object.entries(TRIAL_MODULES).find(([, p]) => p === rel);
  if (!hit) {
    throw new Error(`the trial queue runs only the trial modules listed in src/experiment/queue/trial-modules.ts; "${rel}" is not one of them (${Object.values(TRIAL_MODULES).join(", ")})`);
  }
  return hit[0];
}

/** The absolute path, in this checkout, of a listed trial module. */
export function trialModulePath(root: string, name: string): string {
  const rel = Object.prototype.hasOwnProperty.call(TRIAL_MODULES, name) ? TRIAL_MODULES[name] : undefined;
  if (!rel) throw new Error(`unknown trial module "${name}" (known: ${Object.keys(TRIAL_MODULES).join(", ")})`);
  return path.join(root, rel);
}

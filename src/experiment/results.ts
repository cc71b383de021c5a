/**
 * Results files: JSON written next to the reports, atomically (temporary
 * name, then rename), so an interrupted run never leaves a truncated file
 * that a later notebook would read.
 */
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { currentBackend } from "../backend";
import { projectRoot } from "../paths";
import { writeJsonAtomic } from "../atomic";

export { writeJsonAtomic };

/** Where notebooks write results: $REPORTS_DIR, else <project>/reports. */
export function resultsDir(): string {
  return process.env.REPORTS_DIR ? path.resolve(process.env.REPORTS_DIR) : path.join(projectRoot(), "reports");
}

/** A path under resultsDir(), e.g. resultPath("01-temperature-sweep.accuracy.svg"). */
export function resultPath(file: string): string {
  return path.join(resultsDir(), file);
}

/** What produced a result: versions, backend, machine. */
export function runInfo(): Record<string, unknown> {
  const backend = currentBackend();
  return {
    node: process.version,
    tfjs: tf.version.tfjs,
    backend: backend ? { name: backend.name, device: backend.device } : tf.getBackend(),
    platform: `${os.platform()} ${os.arch()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? "unknown",
  };
}

/** Writes <resultsDir>/<name>.json with the config, environment and results; returns the path. */
export function saveResults(name: string, payload: { config: unknown; results: unknown; [k: string]: unknown }): string {
  if (!/^[\w.-]+$/.test(name)) throw new Error(`results name must be a plain file name (letters, digits, . _ -); got "${name}"`);
  const file = path.join(resultsDir(), `${name}.json`);
  writeJsonAtomic(file, { name, createdAt: new Date().toISOString(), environment: runInfo(), ...payload });
  return file;
}

/**
 * Per-epoch curves stored compactly: one entry per run with its accuracies as an
 * array (epoch = index + 1), rounded to 4 decimals (test accuracy on a few hundred
 * rows has 3 significant decimals; the float32 tail is noise).
 */
export function compactCurves<K extends { epoch: number; testAcc: number }>(points: K[], key: (p: K) => Record<string, string | number>): { run: Record<string, string | number>; testAcc: number[] }[] {
  const runs = new Map<string, { run: Record<string, string | number>; testAcc: number[] }>();
  for (const p of points) {
    const run = key(p);
    const id = JSON.stringify(run);
    if (!runs.has(id)) runs.set(id, { run, testAcc: [] });
    runs.get(id)!.testAcc[p.epoch - 1] = Math.round(p.testAcc * 1e4) / 1e4;
  }
  return [...runs.values()];
}

/**
 * Recorded full-budget runs of any experiment file (results/NAME.full.json,
 * written by `npm run experiment -- experiments/NAME.json --budget full --out …`),
 * read back with their fields checked, so a CI-budget report can show what
 * the long run measured, labelled as recorded.
 */
import * as fs from "fs";
import * as path from "path";
import { projectRoot } from "../paths";

export interface RecordedRun<R = Record<string, unknown>> {
  file: string;
  name: string;
  createdAt: string;
  budget: string;
  fingerprint: string;
  environment: { node: string; tfjs: string; backend: unknown; cpus: number; cpuModel: string };
  config: unknown;
  results: R;
  runSeconds: number;
}

/** results/<name>.full.json, or null when it is not there; a file without the expected fields is an error naming the file and the field. */
export function loadRecordedRun<R = Record<string, unknown>>(name: string, dir = path.join(projectRoot(), "results")): RecordedRun<R> | null {
  const file = path.join(dir, `${name}.full.json`);
  if (!fs.existsSync(file)) return null;
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`recorded run ${file} is not valid JSON: ${(err as Error).message}`);
  }
  for (const f of ["name", "createdAt", "budget", "fingerprint", "environment", "config", "results", "runSeconds"]) {
    if (raw[f] === undefined) throw new Error(`recorded run ${file} has no field "${f}"`);
  }
  if (raw.budget !== "full") throw new Error(`recorded run ${file} is of budget "${raw.budget}", not "full"`);
  return { file, ...(raw as unknown as Omit<RecordedRun<R>, "file">) };
}

/** One line saying where a recorded run comes from. */
export function describeRecordedRun(r: RecordedRun<unknown>): string {
  const b = r.environment.backend as { name?: string } | string;
  const backend = typeof b === "string" ? b : b?.name ?? "?";
  return `recorded ${r.createdAt.slice(0, 10)} on ${r.environment.cpus} × ${r.environment.cpuModel.trim()} (${backend} backend, tfjs ${r.environment.tfjs}, Node ${r.environment.node}) in ${(r.runSeconds / 60).toFixed(0)} min; ${path.relative(projectRoot(), r.file)}`;
}

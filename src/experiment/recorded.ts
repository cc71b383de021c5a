/**
 * Recorded runs: results files committed under <project>/results/, so a report
 * made at a small budget (CI) can show, clearly labelled, what the long run
 * measured — e.g. notebook 07 at the full Fashion-MNIST budget, which takes
 * about an hour on 2 cores. Anyone can re-make such a file (the command is in
 * results/README.md) and compare it with the committed one.
 *
 * A recorded file is read strictly: a missing file is null (nothing recorded
 * yet), a file that is not JSON or lacks a field the report needs is an error
 * naming the file and the field.
 */
import * as fs from "fs";
import * as path from "path";
import { projectRoot } from "../paths";
import { GainRow } from "./dataset-comparison";
import { SweepSummaryRow } from "./temperature-sweep";

export function recordedDir(): string {
  return path.join(projectRoot(), "results");
}

export interface RecordedTeacher {
  name: string;
  arch: string;
  params: number;
  testAcc: number;
  trainSeconds: number;
  /** "cache" when the recorded run reloaded it, "trained" when it trained it. */
  source: string;
  history: { epoch: number; testAcc: number }[];
}

export interface RecordedFashionRun {
  file: string;
  createdAt: string;
  environment: Record<string, unknown>;
  runSeconds: number;
  budget: string;
  data: { fitRows: number; valRows: number; testRows: number };
  teachers: RecordedTeacher[];
  sweepTeacher: string;
  summary: SweepSummaryRow[];
  /** Every sweep run (setting, temperature or null for hard labels, seed, test accuracy). */
  runs: { setting: string; temperature: number | null; seed: number; testAcc: number }[];
  comparison: Record<string, string | number>[];
  multiTeacher: { setting: string; summary: { variant: string; seeds: number; meanAcc: number; stdAcc: number; minAcc: number; maxAcc: number }[]; reading: string[] }[];
  gains: GainRow[];
}

function need(obj: unknown, field: string, file: string, kind: "array" | "object" | "number" | "string"): unknown {
  const v = field.split(".").reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), obj);
  const ok = kind === "array" ? Array.isArray(v) : kind === "object" ? v !== null && typeof v === "object" && !Array.isArray(v) : typeof v === kind;
  if (!ok) throw new Error(`recorded results ${file}: field "${field}" must be ${kind === "array" ? "an array" : `a${kind === "object" ? "n" : ""} ${kind}`}; got ${v === undefined ? "nothing" : JSON.stringify(v).slice(0, 60)}`);
  return v;
}

/** Notebook 07's recorded results file (default results/07-fashion-mnist-distillation.full.json), or null when none is committed. */
export function loadRecordedFashion(file: string = path.join(recordedDir(), "07-fashion-mnist-distillation.full.json")): RecordedFashionRun | null {
  if (!fs.existsSync(file)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`recorded results ${file} is not valid JSON (${(e as Error).message})`);
  }
  const name = path.relative(projectRoot(), file);
  for (const [f, k] of [
    ["createdAt", "string"], ["environment", "object"], ["runSeconds", "number"], ["results.budget", "string"], ["results.data", "object"],
    ["results.teachers", "array"], ["results.sweepTeacher", "string"], ["results.summary", "array"], ["results.runs", "array"], ["results.comparison", "array"],
    ["results.multiTeacher", "array"], ["results.nextToDigits.fashion", "array"],
  ] as const) need(raw, f, name, k);
  const r = (raw as { results: Record<string, any> }).results;
  const top = raw as { createdAt: string; environment: Record<string, unknown>; runSeconds: number };
  return {
    file: name,
    createdAt: top.createdAt,
    environment: top.environment,
    runSeconds: top.runSeconds,
    budget: r.budget,
    data: r.data,
    teachers: r.teachers.map((t: RecordedTeacher) => ({ name: t.name, arch: t.arch, params: t.params, testAcc: t.testAcc, trainSeconds: t.trainSeconds, source: t.source, history: t.history })),
    sweepTeacher: r.sweepTeacher,
    summary: r.summary,
    runs: r.runs.map((x: RecordedFashionRun["runs"][number]) => ({ setting: x.setting, temperature: x.temperature, seed: x.seed, testAcc: x.testAcc })),
    comparison: r.comparison,
    multiTeacher: r.multiTeacher.map((m: RecordedFashionRun["multiTeacher"][number]) => ({ setting: m.setting, summary: m.summary, reading: m.reading })),
    gains: r.nextToDigits.fashion,
  };
}

/** One line saying where a recorded run came from (for the report). */
export function describeRecorded(r: RecordedFashionRun): string {
  const env = r.environment as { node?: string; tfjs?: string; backend?: { name?: string } | string; cpus?: number; cpuModel?: string };
  const backend = typeof env.backend === "string" ? env.backend : env.backend?.name ?? "?";
  return `\`${r.file}\`: budget **${r.budget}**, recorded ${r.createdAt.slice(0, 16).replace("T", " ")} UTC, ${r.data.fitRows} fit / ${r.data.valRows} validation / ${r.data.testRows} test rows, tfjs ${env.tfjs ?? "?"} on ${backend}, Node ${env.node ?? "?"}, ${env.cpus ?? "?"} × ${env.cpuModel ?? "?"}, ${(r.runSeconds / 60).toFixed(0)} min for the notebook${r.teachers.every((t) => t.source === "cache") ? " (teachers reloaded from the cache)" : ""}; teacher training, timed when each was trained: ${r.teachers.map((t) => `${t.name} ${(t.trainSeconds / 60).toFixed(0)} min`).join(", ")}`;
}

/**
 * Temperature schedules: plain-data descriptions (JSON-safe, so configs and
 * results files can hold them) turned into `(step) => T` by makeSchedule().
 * Every decaying schedule has a floor `min` > 0, so T never reaches zero.
 */
import type { TemperatureFn } from "./terms/types";

export interface ConstantSchedule {
  kind: "constant";
  base: number;
}

/** T_t = max(min, base · (1 − alpha · t / tMax)); t is held at tMax after it. */
export interface LinearSchedule {
  kind: "linear";
  base: number;
  alpha: number;
  tMax: number;
  min: number;
}

/** T_t = max(min, base · (1 − alpha · (1 − cos(π t / tMax)) / 2)): the same end points as linear, slow at both ends. */
export interface CosineSchedule {
  kind: "cosine";
  base: number;
  alpha: number;
  tMax: number;
  min: number;
}

/** T_t = max(min, base · gamma^floor(t / every)), as PyTorch's StepLR. */
export interface StepSchedule {
  kind: "step";
  base: number;
  gamma: number;
  every: number;
  min: number;
}

export type ScheduleSpec = ConstantSchedule | LinearSchedule | CosineSchedule | StepSchedule;

/** A schedule whose decay length may be left open, to be filled with the run's budget (see withTMax). */
export type ScheduleTemplate =
  | ConstantSchedule
  | StepSchedule
  | (Omit<LinearSchedule, "tMax"> & { tMax?: number })
  | (Omit<CosineSchedule, "tMax"> & { tMax?: number });

const KINDS = ["constant", "linear", "cosine", "step"];

function positive(field: string, v: unknown): void {
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) throw new Error(`${field} must be a finite number > 0; got ${v}`);
}

/** Throws a message naming the field and its value when `s` is not a valid schedule. */
export function checkSchedule(s: ScheduleSpec, field = "schedule"): void {
  if (!s || typeof s !== "object" || !KINDS.includes((s as { kind: string }).kind)) {
    throw new Error(`${field}.kind must be one of ${KINDS.join(", ")}; got ${JSON.stringify((s as { kind?: unknown } | null)?.kind)}`);
  }
  positive(`${field}.base`, s.base);
  if (s.kind === "constant") return;
  positive(`${field}.min`, s.min);
  if (s.min > s.base) throw new Error(`${field}.min must be ≤ ${field}.base (${s.base}); got ${s.min}`);
  if (s.kind === "step") {
    if (typeof s.gamma !== "number" || !(s.gamma > 0 && s.gamma <= 1)) throw new Error(`${field}.gamma must be in (0, 1]; got ${s.gamma}`);
    if (!Number.isInteger(s.every) || s.every <= 0) throw new Error(`${field}.every must be a positive integer (steps); got ${s.every}`);
    return;
  }
  if (typeof s.alpha !== "number" || !(s.alpha >= 0 && s.alpha <= 1)) throw new Error(`${field}.alpha must be in [0, 1]; got ${s.alpha}`);
  positive(`${field}.tMax`, s.tMax);
}

/** Fills an open tMax (e.g. with the run's total number of steps). */
export function withTMax(s: ScheduleTemplate, tMax: number): ScheduleSpec {
  if ((s.kind === "linear" || s.kind === "cosine") && s.tMax === undefined) return { ...s, tMax };
  return s as ScheduleSpec;
}

/** The schedule as a function of the 0-based global training step. */
export function makeSchedule(s: ScheduleSpec, field = "schedule"): TemperatureFn {
  checkSchedule(s, field);
  const checkStep = (t: number) => {
    if (!Number.isFinite(t) || t < 0) throw new Error(`step must be a finite number ≥ 0; got ${t}`);
  };
  switch (s.kind) {
    case "constant":
      return () => s.base;
    case "linear":
      return (t) => {
        checkStep(t);
        return Math.max(s.min, s.base * (1 - (s.alpha * Math.min(t, s.tMax)) / s.tMax));
      };
    case "cosine":
      return (t) => {
        checkStep(t);
        const progress = Math.min(t, s.tMax) / s.tMax;
        return Math.max(s.min, s.base * (1 - (s.alpha * (1 - Math.cos(Math.PI * progress))) / 2));
      };
    case "step":
      return (t) => {
        checkStep(t);
        return Math.max(s.min, s.base * Math.pow(s.gamma, Math.floor(t / s.every)));
      };
  }
}

/** A short label, e.g. "linear 8 → 1 (α = 0.9, 3000 steps)". */
export function describeSchedule(s: ScheduleSpec): string {
  switch (s.kind) {
    case "constant":
      return `fixed T = ${s.base}`;
    case "linear":
    case "cosine": {
      const end = Math.max(s.min, s.base * (1 - s.alpha));
      return `${s.kind} ${s.base} → ${+end.toFixed(3)} (α = ${s.alpha}, ${s.tMax} steps, floor ${s.min})`;
    }
    case "step":
      return `step ${s.base} × ${s.gamma} every ${s.every} steps, floor ${s.min}`;
  }
}

/** T at steps 0, every, 2·every, … up to `steps` (inclusive of the last step), for charts. */
export function sampleSchedule(s: ScheduleSpec, steps: number, every = 1): { step: number; temperature: number }[] {
  const f = makeSchedule(s);
  const out: { step: number; temperature: number }[] = [];
  for (let t = 0; t < steps; t += every) out.push({ step: t, temperature: f(t) });
  if (steps > 0 && out[out.length - 1].step !== steps - 1) out.push({ step: steps - 1, temperature: f(steps - 1) });
  return out;
}

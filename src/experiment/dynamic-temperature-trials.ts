/**
 * The runs of notebook 02 (fixed vs scheduled distillation temperature): one
 * student per (variant, seed), every variant with the same budget (rows,
 * epochs, batch size, learning rate). Trials are plain data run by
 * dynamicTrial through runSweep (sweep.ts), across cores, sharing the data and
 * the teacher's cached logits as the temperature sweep does (parallel-sweep.ts).
 * A trial derives everything from its spec and seed, so any order and any
 * process give the same numbers.
 */
import * as path from "path";
import { ScheduleSpec, ScheduleTemplate, describeSchedule, makeSchedule, withTMax } from "../distill/schedules";
import { describeMlp } from "../models/mlp";
import { pct } from "../analysis/format";
import type { TrialContext } from "./parallel";
import { SweepContext, SweepShared, sweepSetup } from "./parallel-sweep";
import { MlpTrainSpec, runStudent } from "./runs";
import { runSweep } from "./sweep";

export interface DynamicVariant {
  name: string;
  /** null: hard labels only (α = 1). A linear/cosine schedule without tMax decays over the whole budget. */
  schedule: ScheduleTemplate | null;
}

/** What the runs need of the configuration (schema/dynamic-temperature.ts validates it). */
export interface DynamicRunsConfig {
  student: Omit<MlpTrainSpec, "epochs">;
  epochs: number;
  alpha: number;
  seeds: number[];
  variants: DynamicVariant[];
}

/** One run: plain data, JSON-safe. */
export interface DynamicTrialSpec {
  variant: string;
  schedule: ScheduleSpec | null;
  seed: number;
  student: MlpTrainSpec;
  alpha: number;
}

/** A grid point: a variant with its schedule's open tMax filled by the budget. */
export type DynamicPoint = Omit<DynamicTrialSpec, "seed">;

export interface DynamicTrialResult {
  variant: string;
  seed: number;
  finalAcc: number;
  /** Per epoch: test accuracy and the mean temperature used (null for hard labels). */
  curve: { epoch: number; testAcc: number; temperature: number | null }[];
  ms: number;
}

export const stepsPerEpoch = (rows: number, batchSize: number): number => Math.ceil(rows / batchSize);

/** One point per variant, with open tMax filled by the budget in steps. */
export function dynamicPoints(config: DynamicRunsConfig, trainRows: number): DynamicPoint[] {
  const totalSteps = config.epochs * stepsPerEpoch(trainRows, config.student.batchSize);
  const student: MlpTrainSpec = { ...config.student, epochs: config.epochs };
  return config.variants.map((v) => ({ variant: v.name, schedule: v.schedule ? withTMax(v.schedule, totalSteps) : null, student, alpha: v.schedule ? config.alpha : 1 }));
}

/** Every (seed, variant) run of the sweep in run order (seed-major). */
export function dynamicTrials(config: DynamicRunsConfig, trainRows: number): DynamicTrialSpec[] {
  const points = dynamicPoints(config, trainRows);
  return config.seeds.flatMap((seed) => points.map((p) => ({ variant: p.variant, schedule: p.schedule, seed, student: p.student, alpha: p.alpha })));
}

/** One student run; the seed fixes init and shuffling, so every variant of a seed starts from the same weights. */
export async function dynamicTrial(trial: { point: DynamicPoint; seed: number }, ctx: TrialContext<SweepShared, SweepContext>): Promise<DynamicTrialResult> {
  const spec = trial.point;
  const d = ctx.setup;
  const run = await runStudent({
    train: { x: d.trainX, y: d.trainY },
    test: { x: d.testX, y: d.testY },
    teacher: spec.schedule ? { train: d.teacherTrain, test: d.teacherTest } : undefined,
    numClasses: ctx.shared.numClasses,
    spec: spec.student,
    temperature: spec.schedule ? makeSchedule(spec.schedule) : 1,
    alpha: spec.alpha,
    seed: trial.seed,
  });
  return {
    variant: spec.variant,
    seed: trial.seed,
    finalAcc: run.testAcc,
    curve: run.history.map((h) => ({ epoch: h.epoch, testAcc: h.testAcc, temperature: spec.schedule ? h.temperature : null })),
    ms: run.ms,
  };
}

/** The per-process setup (the sweep's), exported here so a worker finds it in this module. */
export const dynamicSetup = sweepSetup;

export interface DynamicSweepResult {
  studentArch: string;
  trainRows: number;
  stepsPerEpoch: number;
  trials: DynamicTrialSpec[];
  results: DynamicTrialResult[];
}

/** Runs every (seed, variant) trial across cores (runSweep), one progress line per run; results in run order. */
export async function dynamicTemperatureSweep(shared: SweepShared, config: DynamicRunsConfig, opts: { workers?: number } = {}): Promise<DynamicSweepResult> {
  const trainRows = shared.trainY.length;
  const rows = await runSweep<DynamicPoint, DynamicTrialResult, SweepShared, SweepContext>({
    label: "schedules",
    points: dynamicPoints(config, trainRows),
    seeds: config.seeds,
    order: "seed-major",
    module: path.join(__dirname, "dynamic-temperature-trials.ts"),
    fn: "dynamicTrial",
    setup: "dynamicSetup",
    local: { fn: dynamicTrial, setup: dynamicSetup },
    shared,
    workers: opts.workers,
    describe: (p, seed) => `${p.variant} · seed ${seed}`,
    report: (r) => `final test accuracy ${pct(r.finalAcc)}`,
  });
  return {
    studentArch: describeMlp({ inputDim: shared.numFeatures, hidden: config.student.hidden, outputDim: shared.numClasses }),
    trainRows,
    stepsPerEpoch: stepsPerEpoch(trainRows, config.student.batchSize),
    trials: rows.map((r) => ({ variant: r.point.variant, schedule: r.point.schedule, seed: r.seed, student: r.point.student, alpha: r.point.alpha })),
    results: rows.map((r) => r.result),
  };
}

/** T over training for every scheduled variant (sampled `every` steps), x in epochs. */
export function scheduleCurves(sweep: DynamicSweepResult, every = 5): { variant: string; label: string; epoch: number; temperature: number }[] {
  const seen = new Map<string, ScheduleSpec>();
  for (const t of sweep.trials) if (t.schedule && !seen.has(t.variant)) seen.set(t.variant, t.schedule);
  const total = sweep.trials[0].student.epochs * sweep.stepsPerEpoch;
  const out: { variant: string; label: string; epoch: number; temperature: number }[] = [];
  for (const [variant, s] of seen) {
    const f = makeSchedule(s);
    for (let t = 0; t <= total; t += every) out.push({ variant, label: describeSchedule(s), epoch: t / sweep.stepsPerEpoch, temperature: f(Math.min(t, total - 1)) });
  }
  return out;
}

/** The mean T the trainer recorded in the first, middle and last epoch of each scheduled variant of one seed (a check against the schedule). */
export function recordedTemperatures(results: DynamicTrialResult[], seed: number, epochs: number): Record<string, string | number>[] {
  const mid = Math.round(epochs / 2);
  const at = (r: DynamicTrialResult, epoch: number) => +r.curve[epoch - 1].temperature!.toFixed(3);
  return results
    .filter((r) => r.seed === seed && r.curve[0].temperature !== null)
    .map((r) => ({ variant: r.variant, "T epoch 1": at(r, 1), [`T epoch ${mid}`]: at(r, mid), [`T epoch ${epochs}`]: at(r, epochs) }));
}

/**
 * Every run of a semi-supervised configuration: the labelling (per seed, done
 * before any training), a plan of plain data, the teachers (one per seed),
 * then every (seed, variant) student given its seed's teacher logits — both
 * through the sweep runner (runSweep: across cores, the same numbers as one
 * process). Training labels reach the trials only as the labelled rows'
 * labels of each seed (and every row's for the fully supervised reference).
 */
import * as path from "path";
import { labelledFraction } from "../data/split";
import { checkFractionOpenClosed } from "../distill/semi-supervised";
import { pct } from "../analysis/format";
import { deriveSeed } from "../core/seed";
import type { TrialContext, TrialDone } from "./parallel";
import { SweepTrialSpec, runSweep } from "./sweep";
import { checkSslConfig } from "./semi-supervised-checks";
import { sslSetup, studentTrial, teacherTrial } from "./semi-supervised-trials";
import type { LabelledRows, SslConfig, SslContext, SslRunResult, SslShared, StudentTrialResult, StudentTrialSpec, TeacherTrialResult } from "./semi-supervised-types";
import type { MlpTrainSpec } from "./runs";

/** A student sweep point: one variant, without its seed and rows. */
export type SslStudentPoint = Omit<StudentTrialSpec, "seed" | "labelled" | "labelledY" | "teacherLogits">;

/** Everything the sweeps need, as plain data. */
export interface SslPlan {
  seeds: number[];
  /** The teacher (trained on each seed's labelled rows), or null when no variant uses pseudo-labels. */
  teacher: MlpTrainSpec | null;
  /** Each seed's labelled rows and their labels. */
  labelled: ({ seed: number } & LabelledRows)[];
  /** Every row and its label, only when a variant uses all labels (the fully supervised reference). */
  allRows: LabelledRows | null;
  points: SslStudentPoint[];
}

/** What the workers get: features, test set, the plan's labelled rows, the teachers' logits. */
export interface SslSweepShared extends SslShared {
  labelled: ({ seed: number } & LabelledRows)[];
  allRows: LabelledRows | null;
  teacherLogits: { seed: number; logits: Float32Array }[];
}

/** The labelled rows of each seed (stratified by class: this is the labelling, done before any training). */
export function labelledSplits(labels: ArrayLike<number>, fraction: number, seeds: number[]): Map<number, { labelled: number[]; unlabelled: number[] }> {
  checkFractionOpenClosed(fraction, "labelledFraction");
  const all = Array.from({ length: labels.length }, (_, i) => i);
  return new Map(seeds.map((seed) => [seed, labelledFraction(labels, all, fraction, deriveSeed(seed, "ssl-labelled"))]));
}

/** Reads the labels of the given rows only (the one place a trial's labels come from). */
export function readLabels(labels: ArrayLike<number>, rows: number[]): number[] {
  return rows.map((r) => labels[r]);
}

/**
 * The plan of a sweep. `labels` is read at the labelled rows of each seed
 * only — and at every row when a variant has allLabels.
 */
export function sslTrials(config: SslConfig, labels: ArrayLike<number>, splits: Map<number, { labelled: number[] }>): SslPlan {
  checkSslConfig(config);
  const labelled = config.seeds.map((seed) => {
    const split = splits.get(seed);
    if (!split) throw new Error(`no labelled split for seed ${seed}`);
    return { seed, labelled: split.labelled, labelledY: readLabels(labels, split.labelled) };
  });
  const allIdx = Array.from({ length: labels.length }, (_, i) => i);
  return {
    seeds: config.seeds,
    teacher: config.variants.some((v) => v.method.pseudo) ? config.teacher : null,
    labelled,
    allRows: config.variants.some((v) => v.method.allLabels) ? { labelled: allIdx, labelledY: readLabels(labels, allIdx) } : null,
    points: config.variants.map((v) => ({ variant: v.name, method: v.method, student: config.student, steps: config.steps, temperature: config.temperature })),
  };
}

const rowsOf = (s: SslSweepShared, seed: number): LabelledRows => {
  const r = s.labelled.find((l) => l.seed === seed);
  if (!r) throw new Error(`no labelled rows for seed ${seed}`);
  return { labelled: r.labelled, labelledY: r.labelledY };
};

/** The teacher trial of one seed, for the sweep runner. */
export function sslTeacherSweepTrial(t: SweepTrialSpec<MlpTrainSpec>, ctx: TrialContext<SslSweepShared, SslContext>): Promise<TeacherTrialResult> {
  return teacherTrial({ seed: t.seed, teacher: t.point, ...rowsOf(ctx.shared, t.seed) }, ctx);
}

/** The student trial of one (variant, seed), for the sweep runner. */
export function sslStudentSweepTrial(t: SweepTrialSpec<SslStudentPoint>, ctx: TrialContext<SslSweepShared, SslContext>): Promise<StudentTrialResult> {
  const rows = t.point.method.allLabels ? ctx.shared.allRows : rowsOf(ctx.shared, t.seed);
  if (!rows) throw new Error(`variant ${t.point.variant}: all labels were not given`);
  const logits = t.point.method.pseudo ? ctx.shared.teacherLogits.find((l) => l.seed === t.seed)?.logits ?? null : null;
  return studentTrial({ ...t.point, seed: t.seed, ...rows, teacherLogits: logits }, ctx);
}

export { sslSetup };

/**
 * Runs the teachers, then the students (each given its seed's teacher
 * logits), seed by seed, every variant of a seed in order. Reads no training
 * label itself: every label a trial sees is in the plan.
 */
export async function runSslTrials(
  shared: SslShared,
  plan: SslPlan,
  opts: { workers?: number; /** Ignored (the sweep runner always prints its progress lines); kept for older callers. */ log?: boolean; onStudent?: (r: TrialDone<SweepTrialSpec<SslStudentPoint>, StudentTrialResult>) => void } = {},
): Promise<SslRunResult> {
  const module = path.join(__dirname, "semi-supervised-sweep.ts");
  const base: SslSweepShared = { ...shared, labelled: plan.labelled, allRows: null, teacherLogits: [] };
  const teachers = plan.teacher
    ? (
        await runSweep({
          label: "ssl teachers",
          points: [plan.teacher],
          seeds: plan.seeds,
          module,
          fn: "sslTeacherSweepTrial",
          setup: "sslSetup",
          local: { fn: sslTeacherSweepTrial, setup: sslSetup },
          shared: base,
          workers: opts.workers,
          describe: (_p, seed) => `teacher · seed ${seed}`,
          report: (r) => `${rowsOf(base, r.seed).labelled.length} labelled rows, test accuracy ${pct(r.testAcc)}`,
        })
      ).map((r) => r.result)
    : [];
  const studentShared: SslSweepShared = { ...base, allRows: plan.allRows, teacherLogits: teachers.map((t) => ({ seed: t.seed, logits: t.trainLogits })) };
  const students = await runSweep({
    label: "ssl students",
    points: plan.points,
    seeds: plan.seeds,
    order: "seed-major",
    module,
    fn: "sslStudentSweepTrial",
    setup: "sslSetup",
    local: { fn: sslStudentSweepTrial, setup: sslSetup },
    shared: studentShared,
    workers: opts.workers,
    describe: (p, seed) => `${p.variant} · seed ${seed}`,
    report: (r) => `test accuracy ${pct(r.testAcc)} (${r.steps} steps)`,
    onTrial: opts.onStudent,
  });
  return { teachers, students: students.map((r) => r.result) };
}

/** The data a sweep shares with its trials: training features, test set. No training label. */
export function sslShared(data: { trainX: Float32Array; testX: Float32Array; testY: Int32Array; numFeatures: number; numClasses: number }): SslShared {
  return { numFeatures: data.numFeatures, numClasses: data.numClasses, trainX: data.trainX, testX: data.testX, testY: data.testY };
}

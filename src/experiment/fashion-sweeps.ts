/**
 * Notebook 07's student sweeps. The temperature sweep runs every student size,
 * setting, temperature (or hard labels) and seed as one runSweep (one set of
 * worker processes for all of them), each trial notebook 01's sweepTrial, so a
 * run's numbers do not depend on which sweep it belongs to; rows come back in
 * notebook 01's order (per student: settings × seeds × variants). The
 * multi-teacher comparison runs notebook 03's sweep once per setting.
 */
import * as path from "path";
import { pct } from "../analysis/format";
import { describeMlp } from "../models/mlp";
import type { FashionConfig, FashionData } from "./fashion";
import { MultiTeacherContext, MultiTeacherSweepResult, multiTeacherSweep } from "./multi-teacher";
import type { TrialContext } from "./parallel";
import { CurvePoint, SweepContext, SweepRow, SweepSetting, SweepShared, SweepTrialResult, sweepSetup, sweepShared, sweepTrial, variantName } from "./parallel-sweep";
import { SweepTrialSpec, runSweep } from "./sweep";
import type { TrainedTeacher } from "./runs";

/** A point of the temperature sweep: student widths, setting, temperature (null = hard labels). */
export interface FashionSweepPoint {
  hidden: number[];
  setting: SweepSetting;
  temperature: number | null;
  student: { batchSize: number; learningRate: number };
  alpha: number;
}

/** The trial function of the temperature sweep, here or in a worker: notebook 01's trial. */
export function fashionSweepTrial(t: SweepTrialSpec<FashionSweepPoint>, ctx: TrialContext<SweepShared, SweepContext>): Promise<SweepTrialResult> {
  const p = t.point;
  return sweepTrial({ setting: p.setting, seed: t.seed, temperature: p.temperature, student: { hidden: p.hidden, ...p.student }, alpha: p.alpha }, ctx);
}
/** Its per-process setup (the worker looks both up in this module). */
export const fashionSweepSetup = sweepSetup;

export interface FashionStudentSweep {
  hidden: number[];
  studentArch: string;
  studentParams: number;
  /** Rows with their own setting names (without the student prefix). */
  rows: SweepRow[];
  curves: CurvePoint[];
}

/** Every student's temperature sweep, distilled from `teacher` on the fit rows. */
export async function fashionTemperatureSweeps(c: FashionConfig, data: FashionData, teacher: TrainedTeacher, opts: { workers?: number } = {}): Promise<FashionStudentSweep[]> {
  const s = c.sweep;
  const variants: (number | null)[] = [null, ...s.temperatures];
  const points: FashionSweepPoint[] = c.students.flatMap((hidden) => s.settings.flatMap((setting) => variants.map((temperature) => ({ hidden, setting, temperature, student: s.student, alpha: s.alpha }))));
  const arch = (hidden: number[]) => describeMlp({ inputDim: data.fit.numFeatures, hidden, outputDim: data.fit.numClasses });
  const swept = await runSweep<FashionSweepPoint, SweepTrialResult, SweepShared, SweepContext>({
    label: "sweep",
    points,
    seeds: s.seeds,
    module: path.join(__dirname, "fashion-sweeps.ts"),
    fn: "fashionSweepTrial",
    setup: "fashionSweepSetup",
    local: { fn: fashionSweepTrial, setup: sweepSetup },
    shared: sweepShared({ train: data.fit, trainT: data.fitT, testT: data.testT }, teacher.outputs),
    workers: opts.workers,
    describe: (p, seed) => `${arch(p.hidden)} · ${p.setting.name} · ${variantName(p.temperature)} · seed ${seed}`,
    report: (r) => `test accuracy ${pct(r.row.testAcc)}`,
  });
  return c.students.map((hidden) => {
    // Notebook 01's order: settings × seeds × variants.
    const mine = s.settings.flatMap((setting) =>
      s.seeds.flatMap((seed) => variants.map((temperature) => swept.find((x) => x.point.hidden === hidden && x.point.setting === setting && x.point.temperature === temperature && x.seed === seed)!.result)),
    );
    return { hidden, studentArch: arch(hidden), studentParams: mine[mine.length - 1].params, rows: mine.map((r) => r.row), curves: mine.flatMap((r) => r.curve) };
  });
}

/** Notebook 03's comparison at this scale, one sweep per setting of the configuration. */
export async function fashionMultiTeacherSweeps(c: FashionConfig, ctx: MultiTeacherContext, opts: { workers?: number } = {}): Promise<{ setting: string; sweep: MultiTeacherSweepResult }[]> {
  const m = c.multiTeacher;
  const out: { setting: string; sweep: MultiTeacherSweepResult }[] = [];
  for (const s of m.settings) {
    const sweep = await multiTeacherSweep(
      ctx,
      { teachers: c.teachers, student: { ...m.student, epochs: s.epochs }, trainFraction: s.trainFraction, temperature: s.temperature, alpha: m.alpha, seeds: m.seeds, variants: m.variants },
      { label: `multi-teacher · ${s.name}`, workers: opts.workers },
    );
    out.push({ setting: s.name, sweep });
  }
  return out;
}

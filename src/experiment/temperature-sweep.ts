/**
 * The temperature sweep: one teacher, one student architecture, the student
 * trained on hard labels alone and distilled at each temperature, over
 * several seeds and several data/budget settings, every variant of a setting
 * with the same budget (same rows, epochs, batch size and learning rate).
 */
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { Dataset, Tensors } from "../data/dataset";
import { checkAlpha, checkTemperature, softTargetEntropy } from "../distill/temperature";
import { describeMlp } from "../models/mlp";
import { meanSd, pct, pts, tValue } from "../analysis/format";
import type { TrialDone } from "./parallel";
import { CurvePoint, SweepContext, SweepPoint, SweepRow, SweepSetting, SweepShared, SweepTrialResult, sweepPointTrial, sweepSetup, sweepShared, variantName } from "./parallel-sweep";
import { SweepTrialSpec, grid, runSweep } from "./sweep";
import { MlpTrainSpec, TrainedTeacher } from "./runs";
import type { SweepTableRow } from "../viz/tables";
import { clearAt95, pairedDiffs, pairedT, summarize, tCrit95 } from "../analysis/stats";

// The row types live with the trial that produces them (parallel-sweep.ts), so that module need not import this one.
export type { CurvePoint, SweepRow, SweepSetting } from "./parallel-sweep";

export interface TemperatureSweepConfig {
  student: Omit<MlpTrainSpec, "epochs">;
  temperatures: number[];
  /** Weight of the hard-label loss in α·CE + (1−α)·KD. */
  alpha: number;
  seeds: number[];
  settings: SweepSetting[];
}

export interface TemperatureSweepResult {
  studentArch: string;
  studentParams: number;
  rows: SweepRow[];
  curves: CurvePoint[];
}

export function checkSweepConfig(c: TemperatureSweepConfig): void {
  if (c.temperatures.length === 0) throw new Error("temperatures must list at least one temperature");
  c.temperatures.forEach((t, i) => checkTemperature(t, `temperatures[${i}]`));
  checkAlpha(c.alpha);
  if (c.alpha === 1) throw new Error("alpha = 1 ignores the teacher: every temperature would equal the hard-label baseline");
  if (c.seeds.length === 0) throw new Error("seeds must list at least one seed");
  c.settings.forEach((s, i) => {
    if (!(s.trainFraction > 0 && s.trainFraction <= 1)) throw new Error(`settings[${i}].trainFraction must be in (0, 1]; got ${s.trainFraction}`);
    if (!Number.isInteger(s.epochs) || s.epochs <= 0) throw new Error(`settings[${i}].epochs must be a positive integer; got ${s.epochs}`);
  });
}

/** Entropy (nats) of the teacher's soft targets on the training rows at each temperature. */
export function softTargetEntropies(teacherLogits: tf.Tensor2D, temperatures: number[]): { temperature: number; entropy: number }[] {
  return temperatures.map((temperature) => ({ temperature, entropy: softTargetEntropy(teacherLogits, temperature) }));
}

/**
 * Trains every (setting, seed, variant) student through the sweep runner
 * (sweep.ts): across `workers` processes (default DISTILL_WORKERS or the
 * number of cores; 1 = serially in this process), with the same results
 * either way. Rows and curves come in the order settings × seeds × variants;
 * progress prints one line per finished run.
 */
export async function temperatureSweep(
  data: { train: Dataset; trainT: Tensors; testT: Tensors },
  teacher: TrainedTeacher,
  config: TemperatureSweepConfig,
  opts: {
    /** Processes to run the student runs in; default DISTILL_WORKERS or the number of cores; 1 = serially in this process. */
    workers?: number;
    /** Called once per finished run (in finishing order), after its progress line. */
    onTrial?: (r: TrialDone<SweepTrialSpec<SweepPoint>, SweepTrialResult>) => void;
  } = {},
): Promise<TemperatureSweepResult> {
  checkSweepConfig(config);
  const variants: (number | null)[] = [null, ...config.temperatures];
  const points: SweepPoint[] = grid({ setting: config.settings, temperature: variants }).map((p) => ({ ...p, student: config.student, alpha: config.alpha }));
  const swept = await runSweep<SweepPoint, SweepTrialResult, SweepShared, SweepContext>({
    label: "sweep",
    points,
    seeds: config.seeds,
    module: path.join(__dirname, "parallel-sweep.ts"),
    fn: "sweepPointTrial",
    setup: "sweepSetup",
    local: { fn: sweepPointTrial, setup: sweepSetup },
    shared: sweepShared(data, teacher.outputs),
    workers: opts.workers,
    describe: (p, seed) => `${p.setting.name} · ${variantName(p.temperature)} · seed ${seed}`,
    report: (r) => `test accuracy ${pct(r.row.testAcc)}`,
    onTrial: opts.onTrial,
  });
  // Settings × seeds × variants, the order the results files have always had.
  const byKey = new Map(swept.map((x) => [`${x.point.setting.name}\u0000${x.seed}\u0000${x.point.temperature}`, x.result]));
  const results = config.settings.flatMap((setting) => config.seeds.flatMap((seed) => variants.map((t) => byKey.get(`${setting.name}\u0000${seed}\u0000${t}`)!)));
  const rows: SweepRow[] = results.map((r) => r.row);
  const curves: CurvePoint[] = results.flatMap((r) => r.curve);
  const studentParams = results.length ? results[results.length - 1].params : 0;
  const arch = describeMlp({ inputDim: data.train.numFeatures, hidden: config.student.hidden, outputDim: data.train.numClasses });
  return { studentArch: arch, studentParams, rows, curves };
}

/** A row of the summary: what sweepTable (viz/tables.ts) shows, plus the variant's temperature. */
export interface SweepSummaryRow extends SweepTableRow {
  temperature: number | null;
}

/** Mean and spread per (setting, variant), with the paired gain over the hard-label baseline. */
export function summarizeSweep(rows: SweepRow[]): SweepSummaryRow[] {
  const out: SweepSummaryRow[] = [];
  const key = (r: SweepRow) => `${r.setting}\u0000${r.variant}`;
  const groups = new Map<string, SweepRow[]>();
  for (const r of rows) {
    if (!groups.has(key(r))) groups.set(key(r), []);
    groups.get(key(r))!.push(r);
  }
  for (const group of groups.values()) {
    const { setting, variant, temperature } = group[0];
    const acc = summarize(group.map((r) => r.testAcc));
    const hard = rows.filter((r) => r.setting === setting && r.temperature === null);
    const bySeed = { key: (r: SweepRow) => r.seed, value: (r: SweepRow) => r.testAcc };
    const diffs = pairedDiffs(rows, bySeed, (r) => r.setting === setting && r.variant === variant, (r) => r.setting === setting && r.temperature === null);
    out.push({
      setting,
      variant,
      temperature,
      seeds: acc.n,
      meanAcc: acc.mean,
      stdAcc: acc.std,
      minAcc: acc.min,
      maxAcc: acc.max,
      gainOverHard: acc.mean - summarize(hard.map((r) => r.testAcc)).mean,
      pairedT: temperature === null ? null : pairedT(diffs),
    });
  }
  return out;
}

/**
 * A plain-language reading of a sweep summary, one markdown bullet per setting,
 * generated from the numbers so the text always matches the run it describes.
 * "Clear" means the paired gain over the baseline (same seeds, same rows) passes
 * a two-sided paired t-test at 95 %.
 */
export function readSweep(summary: SweepSummaryRow[]): string[] {
  const lines: string[] = [];
  for (const setting of [...new Set(summary.map((r) => r.setting))]) {
    const rows = summary.filter((r) => r.setting === setting);
    const hard = rows.find((r) => r.temperature === null)!;
    const kd = rows.filter((r) => r.temperature !== null);
    const best = kd.reduce((a, b) => (b.meanAcc > a.meanAcc ? b : a));
    const worst = kd.reduce((a, b) => (b.meanAcc < a.meanAcc ? b : a));
    const df = hard.seeds - 1;
    const clear = (r: SweepSummaryRow) => clearAt95(r.pairedT, df);
    const helped = kd.filter((r) => clear(r) && r.gainOverHard > 0).map((r) => r.variant);
    const hurt = kd.filter((r) => clear(r) && r.gainOverHard < 0).map((r) => r.variant);
    let verdict: string;
    if (helped.length === 0 && hurt.length === 0) verdict = "no temperature gives a gain that stands out from the seed-to-seed spread: distillation does not clearly help here";
    else {
      verdict = helped.length ? `distillation clearly helps at ${helped.join(", ")}` : "no temperature clearly helps";
      if (hurt.length) verdict += `; it clearly hurts at ${hurt.join(", ")}`;
    }
    const spreadT = best.meanAcc - worst.meanAcc;
    const tMatters = spreadT > Math.max(best.stdAcc, worst.stdAcc)
      ? `the choice of T matters (best ${best.variant} vs worst ${worst.variant}: ${pts(spreadT)})`
      : `the choice of T hardly matters (best and worst T within ${pts(spreadT).slice(1)}, inside the spread)`;
    lines.push(
      `- **${setting}**: hard labels ${meanSd(hard.meanAcc, hard.stdAcc)}; best distilled ${best.variant} ${meanSd(best.meanAcc, best.stdAcc)} (${pts(best.gainOverHard)}, paired t = ${tValue(best.pairedT)} over ${best.seeds} seeds, 95 % threshold ${df >= 1 ? tCrit95(df).toFixed(2) : "n/a"}). ${verdict[0].toUpperCase()}${verdict.slice(1)}; ${tMatters}.`,
    );
  }
  return lines;
}

/**
 * Fixed vs scheduled distillation temperature: one teacher, one student
 * architecture, every variant with the same budget (rows, epochs, batch size,
 * learning rate), over several seeds; measures how many epochs each needs to
 * reach given test accuracies.
 *
 * The sweep is a list of plain-data trial specs; runDynamicTrial(context, spec)
 * derives everything from the spec's seed, so trials can run in any order or
 * in other processes (each builds its context once with prepareDynamicContext).
 */
import { Tensors } from "../data/dataset";
import { loadDigits } from "../data/digits";
import { checkAlpha } from "../distill/temperature";
import { ScheduleSpec, ScheduleTemplate, checkSchedule, describeSchedule, makeSchedule, withTMax } from "../distill/schedules";
import { describeMlp } from "../models/mlp";
import { Progress } from "./progress";
import { pct } from "../analysis/format";
import { MlpTrainSpec, TrainedTeacher, runStudent, trainTeacher } from "./runs";
import { Summary, pairedStats, summarize, summarizeBy } from "../analysis/stats";

export interface DynamicVariant {
  name: string;
  /** null: hard labels only (α = 1). A linear/cosine schedule without tMax decays over the whole budget. */
  schedule: ScheduleTemplate | null;
}

export interface DynamicTemperatureConfig {
  dataSeed: number;
  teacher: MlpTrainSpec & { seed: number };
  student: Omit<MlpTrainSpec, "epochs">;
  epochs: number;
  alpha: number;
  seeds: number[];
  variants: DynamicVariant[];
  /** Test accuracies (fractions) whose first-reaching epoch is measured. */
  thresholds: number[];
}

/** One run: plain data, JSON-safe. */
export interface DynamicTrialSpec {
  variant: string;
  schedule: ScheduleSpec | null;
  seed: number;
  student: MlpTrainSpec;
  alpha: number;
}

export interface DynamicTrialResult {
  variant: string;
  seed: number;
  finalAcc: number;
  /** Per epoch: test accuracy and the mean temperature used (null for hard labels). */
  curve: { epoch: number; testAcc: number; temperature: number | null }[];
  ms: number;
}

export interface DynamicContext {
  train: Tensors;
  test: Tensors;
  numClasses: number;
  teacher: TrainedTeacher;
  dispose(): void;
}

export function checkDynamicConfig(c: DynamicTemperatureConfig): void {
  if (!Number.isInteger(c.epochs) || c.epochs <= 0) throw new Error(`epochs must be a positive integer; got ${c.epochs}`);
  checkAlpha(c.alpha);
  if (c.alpha === 1) throw new Error("alpha = 1 ignores the teacher: every schedule would equal the hard-label baseline");
  if (c.seeds.length === 0) throw new Error("seeds must list at least one seed");
  if (c.variants.length === 0) throw new Error("variants must list at least one variant");
  const names = new Set<string>();
  c.variants.forEach((v, i) => {
    if (names.has(v.name)) throw new Error(`variants[${i}].name "${v.name}" is used twice`);
    names.add(v.name);
    if (v.schedule) checkSchedule(withTMax(v.schedule, 1), `variants[${i}].schedule`);
  });
  c.thresholds.forEach((x, i) => {
    if (!(x > 0 && x <= 1)) throw new Error(`thresholds[${i}] must be an accuracy in (0, 1]; got ${x}`);
  });
}

/** Digits, the teacher trained on all training rows, its logits cached. */
export async function prepareDynamicContext(config: DynamicTemperatureConfig, log = true): Promise<DynamicContext> {
  const data = loadDigits({ seed: config.dataSeed });
  const trainT = data.train.toTensors();
  const testT = data.test.toTensors();
  const teacher = await trainTeacher({ train: data.train, test: data.test, trainT, testT }, config.teacher, config.teacher.seed, {
    onEpoch: (r) => {
      if (log && r.epoch % 10 === 0) console.log(`teacher epoch ${r.epoch}/${config.teacher.epochs}: test accuracy ${pct(r.testAcc)}`);
    },
  });
  return {
    train: trainT,
    test: testT,
    numClasses: data.train.numClasses,
    teacher,
    dispose() {
      teacher.dispose();
      [trainT.x, trainT.y, testT.x, testT.y].forEach((t) => t.dispose());
    },
  };
}

export const stepsPerEpoch = (rows: number, batchSize: number): number => Math.ceil(rows / batchSize);

/** Every (variant, seed) run of the sweep, with open tMax filled by the budget in steps. */
export function dynamicTrials(config: DynamicTemperatureConfig, trainRows: number): DynamicTrialSpec[] {
  checkDynamicConfig(config);
  const totalSteps = config.epochs * stepsPerEpoch(trainRows, config.student.batchSize);
  const student: MlpTrainSpec = { ...config.student, epochs: config.epochs };
  return config.seeds.flatMap((seed) =>
    config.variants.map((v) => ({ variant: v.name, schedule: v.schedule ? withTMax(v.schedule, totalSteps) : null, seed, student, alpha: v.schedule ? config.alpha : 1 })),
  );
}

/** One student run; the seed fixes init and shuffling, so every variant of a seed starts from the same weights. */
export async function runDynamicTrial(ctx: DynamicContext, spec: DynamicTrialSpec): Promise<DynamicTrialResult> {
  const run = await runStudent({
    train: ctx.train,
    test: ctx.test,
    teacher: spec.schedule ? ctx.teacher.outputs : undefined,
    numClasses: ctx.numClasses,
    spec: spec.student,
    temperature: spec.schedule ? makeSchedule(spec.schedule) : 1,
    alpha: spec.alpha,
    seed: spec.seed,
  });
  return {
    variant: spec.variant,
    seed: spec.seed,
    finalAcc: run.testAcc,
    curve: run.history.map((h) => ({ epoch: h.epoch, testAcc: h.testAcc, temperature: spec.schedule ? h.temperature : null })),
    ms: run.ms,
  };
}

export interface DynamicSweepResult {
  studentArch: string;
  trainRows: number;
  stepsPerEpoch: number;
  trials: DynamicTrialSpec[];
  results: DynamicTrialResult[];
}

/** Runs every trial in this process, one line of progress per run. */
export async function dynamicTemperatureSweep(ctx: DynamicContext, config: DynamicTemperatureConfig): Promise<DynamicSweepResult> {
  const trainRows = ctx.train.x.shape[0];
  const trials = dynamicTrials(config, trainRows);
  const progress = new Progress("schedules", trials.length);
  const results: DynamicTrialResult[] = [];
  for (const spec of trials) {
    const r = await runDynamicTrial(ctx, spec);
    results.push(r);
    progress.log(`${spec.variant} · seed ${spec.seed}: final test accuracy ${pct(r.finalAcc)} (${(r.ms / 1000).toFixed(1)} s)`, results.length);
  }
  return {
    studentArch: describeMlp({ inputDim: ctx.train.x.shape[1], hidden: config.student.hidden, outputDim: ctx.numClasses }),
    trainRows,
    stepsPerEpoch: stepsPerEpoch(trainRows, config.student.batchSize),
    trials,
    results,
  };
}

/** First epoch whose test accuracy is ≥ x; null if never within the budget. */
export function epochsToReach(curve: { epoch: number; testAcc: number }[], x: number): number | null {
  return curve.find((p) => p.testAcc >= x)?.epoch ?? null;
}

export interface ConvergenceRow {
  variant: string;
  threshold: number;
  /** Runs that reached the threshold within the budget, of `runs`. */
  reached: number;
  runs: number;
  /** Over the runs that reached it; null if none did. */
  meanEpochs: number | null;
  stdEpochs: number | null;
  minEpochs: number | null;
  maxEpochs: number | null;
}

export function convergenceTable(results: DynamicTrialResult[], thresholds: number[]): ConvergenceRow[] {
  const variants = [...new Set(results.map((r) => r.variant))];
  return variants.flatMap((variant) =>
    thresholds.map((threshold) => {
      const runs = results.filter((r) => r.variant === variant);
      const hit = runs.map((r) => epochsToReach(r.curve, threshold)).filter((e): e is number => e !== null);
      const s = hit.length ? summarize(hit) : null;
      return { variant, threshold, reached: hit.length, runs: runs.length, meanEpochs: s?.mean ?? null, stdEpochs: s?.std ?? null, minEpochs: s?.min ?? null, maxEpochs: s?.max ?? null };
    }),
  );
}

/** Final test accuracy per variant over seeds (n, mean, sample sd, min, max), in order of first appearance. */
export function finalAccuracy(results: DynamicTrialResult[]): ({ variant: string } & Summary)[] {
  return [...summarizeBy(results, (r) => r.variant, (r) => r.finalAcc)].map(([variant, s]) => ({ variant, ...s }));
}

export interface SpeedupRow {
  candidate: string;
  baseline: string;
  threshold: number;
  /** Seeds where both runs reached the threshold (the paired comparison uses only these). */
  pairs: number;
  /** Seeds where only one of the two reached it. */
  onlyCandidate: number;
  onlyBaseline: number;
  /** Mean over paired seeds of 1 − epochs(candidate) / epochs(baseline): 0.3 = 30 % fewer epochs. */
  meanReduction: number | null;
  stdReduction: number | null;
  /** 95 % confidence interval of the mean reduction (paired t). */
  ciLow: number | null;
  ciHigh: number | null;
}


/** Paired (same seed) reduction in epochs-to-threshold of `candidate` against `baseline`. */
export function speedup(results: DynamicTrialResult[], candidate: string, baseline: string, thresholds: number[]): SpeedupRow[] {
  const bySeed = (variant: string) => new Map(results.filter((r) => r.variant === variant).map((r) => [r.seed, r]));
  const cand = bySeed(candidate);
  const base = bySeed(baseline);
  if (cand.size === 0) throw new Error(`no runs of variant "${candidate}"`);
  if (base.size === 0) throw new Error(`no runs of variant "${baseline}"`);
  return thresholds.map((threshold) => {
    const ratios: number[] = [];
    let onlyCandidate = 0;
    let onlyBaseline = 0;
    for (const [seed, c] of cand) {
      const b = base.get(seed);
      if (!b) continue;
      const ec = epochsToReach(c.curve, threshold);
      const eb = epochsToReach(b.curve, threshold);
      if (ec !== null && eb !== null) ratios.push(1 - ec / eb);
      else if (ec !== null) onlyCandidate++;
      else if (eb !== null) onlyBaseline++;
    }
    const s = ratios.length ? pairedStats(ratios) : null;
    return {
      candidate,
      baseline,
      threshold,
      pairs: ratios.length,
      onlyCandidate,
      onlyBaseline,
      meanReduction: s?.meanDiff ?? null,
      stdReduction: s && s.pairs > 1 ? s.stdDiff : null,
      ciLow: s?.ciLow ?? null,
      ciHigh: s?.ciHigh ?? null,
    };
  });
}

const pc = (x: number): string => pct(x, 0);

/**
 * A plain reading of speedup rows against a claimed reduction (0.3 = "30 % faster"),
 * one markdown bullet per threshold, generated from the numbers. "Supported" means the
 * 95 % interval of the paired reduction lies at or above the claim, "contradicted"
 * that it lies below it; otherwise the runs cannot tell.
 */
export function readSpeedup(rows: SpeedupRow[], claimed: number): string[] {
  return rows.map((r) => {
    const head = `- **${pc(r.threshold)} accuracy**, ${r.candidate} vs ${r.baseline}:`;
    const censored = r.onlyCandidate + r.onlyBaseline > 0 ? ` (${r.onlyCandidate} seed(s) where only ${r.candidate} got there, ${r.onlyBaseline} where only ${r.baseline} did, within the budget)` : "";
    if (r.meanReduction === null) return `${head} no seed has both runs reaching it within the budget${censored}; no comparison possible.`;
    const dir = r.meanReduction >= 0 ? `${pc(r.meanReduction)} fewer epochs` : `${pc(-r.meanReduction)} more epochs`;
    if (r.ciLow === null || r.ciHigh === null) return `${head} ${dir} on the one paired seed${censored}; too few seeds to judge the ${pc(claimed)} claim.`;
    const ci = `reduction ${pc(r.meanReduction)}, 95 % interval ${pc(r.ciLow)} to ${pc(r.ciHigh)} over ${r.pairs} paired seeds`;
    const verdict =
      r.ciLow >= claimed ? `consistent with the claimed ${pc(claimed)} speed-up`
        : r.ciHigh < claimed ? `the claimed ${pc(claimed)} speed-up is ruled out here`
          : `the runs cannot confirm or rule out the claimed ${pc(claimed)}`;
    const sign = r.ciLow > 0 ? "clearly faster" : r.ciHigh < 0 ? "clearly slower" : "no clear difference in speed";
    return `${head} ${dir} on average (${ci}): ${sign}; ${verdict}${censored}.`;
  });
}

/**
 * One sentence on the claim over all thresholds: at how many the claimed reduction
 * is supported, ruled out, or undecided (see readSpeedup for the rule).
 */
export function claimVerdict(rows: SpeedupRow[], claimed: number): string {
  const judged = rows.filter((r) => r.ciLow !== null && r.ciHigh !== null);
  const supported = judged.filter((r) => r.ciLow! >= claimed).map((r) => pc(r.threshold));
  const ruledOut = judged.filter((r) => r.ciHigh! < claimed).map((r) => pc(r.threshold));
  const best = judged.length ? Math.max(...judged.map((r) => r.meanReduction!)) : null;
  const name = rows.length ? `${rows[0].candidate} vs ${rows[0].baseline}` : "no comparison";
  const list = (xs: string[]) => (xs.length ? xs.join(", ") : "none");
  return `**Verdict on the ${pc(claimed)} claim (${name})**: supported at ${list(supported)}; ruled out at ${list(ruledOut)}; undecided at ${rows.length - supported.length - ruledOut.length} of ${rows.length} thresholds` +
    (best === null ? "." : `. The largest mean reduction measured is ${pc(best)}${best < 0 ? " (i.e. slower)" : ""}.`);
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


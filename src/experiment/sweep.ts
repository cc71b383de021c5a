/**
 * The sweep runner every experiment uses: a grid of points (any fields, as
 * plain data) × seeds → trials → results in grid order, run across cores by
 * runTrials (same numbers as a serial run), with one progress line per trial.
 *
 *   const points = grid({ setting: config.settings, temperature: [null, 1, 4] });
 *   const rows = await runSweep({ label: "sweep", points, seeds: config.seeds,
 *     module: __filename, fn: "myTrial", local: { fn: myTrial }, shared,
 *     describe: (p, seed) => `${p.setting.name} · T=${p.temperature} · seed ${seed}` });
 *
 * gridOver(base, { "student.hidden": [[16], [32]], "loss.temperature": [2, 4] })
 * sets any field of a base configuration by its dotted path, point by point.
 */
import { Progress } from "./progress";
export { grid, gridOver, setPath } from "./grid";
import { SetupFn, TrialContext, TrialDone, runTrials } from "./parallel";

/** A trial of a sweep: one grid point and one seed. */
export interface SweepTrialSpec<P> {
  point: P;
  seed: number;
}

export interface SweepOptions<P, R, S, C> {
  /** Progress label, e.g. "sweep" or "features". */
  label: string;
  points: P[];
  seeds: number[];
  /** "point-major" (default): every seed of point 0, then point 1 …; "seed-major": every point of seed 0, … */
  order?: "point-major" | "seed-major";
  /** Absolute path of the module exporting `fn` (and `setup`), for the worker processes. */
  module: string;
  fn: string;
  setup?: string;
  /** The same functions, for trials run in this process. */
  local: { fn: (trial: SweepTrialSpec<P>, ctx: TrialContext<S, C>) => R | Promise<R>; setup?: SetupFn<S, C> };
  shared: S;
  describe: (point: P, seed: number) => string;
  /** What the progress line says of a result (default: nothing). */
  report?: (result: R) => string;
  workers?: number;
  onTrial?: (r: TrialDone<SweepTrialSpec<P>, R>) => void;
}

export interface SweepResult<P, R> {
  point: P;
  seed: number;
  result: R;
}

/** Runs every (point, seed) trial and returns the results in grid order. */
export async function runSweep<P, R, S, C = unknown>(o: SweepOptions<P, R, S, C>): Promise<SweepResult<P, R>[]> {
  if (o.seeds.length === 0) throw new Error(`${o.label}: seeds must list at least one seed`);
  if (o.points.length === 0) throw new Error(`${o.label}: the grid has no points`);
  const trials: SweepTrialSpec<P>[] =
    o.order === "seed-major" ? o.seeds.flatMap((seed) => o.points.map((point) => ({ point, seed }))) : o.points.flatMap((point) => o.seeds.map((seed) => ({ point, seed })));
  const progress = new Progress(o.label, trials.length);
  const results = await runTrials<SweepTrialSpec<P>, R, S, C>({
    module: o.module,
    fn: o.fn,
    setup: o.setup,
    local: o.local,
    trials,
    shared: o.shared,
    workers: o.workers,
    describe: (t) => o.describe(t.point, t.seed),
    onResult: (r) => {
      progress.log(`${r.description}${o.report ? `: ${o.report(r.result)}` : ""} (${(r.ms / 1000).toFixed(1)} s)`, r.done);
      o.onTrial?.(r);
    },
  });
  return trials.map((t, i) => ({ point: t.point, seed: t.seed, result: results[i] }));
}

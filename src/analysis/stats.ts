/**
 * Statistics over seeds: summaries, Student's t (exact quantiles for any
 * df ≥ 1) and paired comparisons. Pure functions on plain numbers.
 */

/** Summary statistics over seeds. */
export interface Summary {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1); 0 for a single value. */
  std: number;
  min: number;
  max: number;
}

export function summarize(values: number[]): Summary {
  if (values.length === 0) throw new Error("summarize: no values");
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1) : 0;
  return { n, mean, std: Math.sqrt(variance), min: Math.min(...values), max: Math.max(...values) };
}

/** Groups rows by a key and summarises one numeric field per group, keeping the key order of first appearance. */
export function summarizeBy<T>(rows: T[], key: (r: T) => string, value: (r: T) => number): Map<string, Summary> {
  const groups = new Map<string, number[]>();
  for (const r of rows) {
    const k = key(r);
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)!.push(value(r));
  }
  return new Map([...groups].map(([k, v]) => [k, summarize(v)]));
}

/** Paired t statistic of differences (mean / standard error); null with fewer than 2 values or no spread. */
export function pairedT(diffs: number[]): number | null {
  if (diffs.length < 2) return null;
  const s = summarize(diffs);
  return s.std > 0 ? s.mean / (s.std / Math.sqrt(s.n)) : null;
}

// ------------------------------------------------------------------ Student's t

// ln Γ(z) for z > 0: Lanczos series with the coefficients of Numerical Recipes (3rd ed.), relative error ~1e-15.
const LANCZOS = [57.1562356658629235, -59.5979603554754912, 14.1360979747417471, -0.491913816097620199, 0.339946499848118887e-4, 0.465236289270485756e-4, -0.983744753048795646e-4, 0.158088703224912494e-3, -0.210264441724104883e-3, 0.217439618115212643e-3, -0.16431810653676389e-3, 0.844182239838527433e-4, -0.261908384015814087e-4, 0.368991826595316234e-5];
function logGamma(z: number): number {
  const t = z + 5.2421875;
  let ser = 0.999999999999997092;
  LANCZOS.forEach((c, i) => (ser += c / (z + 1 + i)));
  return (z + 0.5) * Math.log(t) - t + Math.log((2.5066282746310005 * ser) / z);
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaCf(a: number, b: number, x: number): number {
  const TINY = 1e-300;
  const clamp = (v: number) => (Math.abs(v) < TINY ? TINY : v);
  let c = 1;
  let d = 1 / clamp(1 - ((a + b) * x) / (a + 1));
  let h = d;
  for (let m = 1; m <= 100_000; m++) {
    const m2 = 2 * m;
    const even = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 / clamp(1 + even * d);
    c = clamp(1 + even / c);
    h *= d * c;
    const odd = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 / clamp(1 + odd * d);
    c = clamp(1 + odd / c);
    h *= d * c;
    if (Math.abs(d * c - 1) < 1e-15) return h;
  }
  throw new Error(`incomplete beta: no convergence (a = ${a}, b = ${b}, x = ${x})`);
}

/** Regularised incomplete beta I_x(a, b); y = 1 − x is passed separately so x near 1 keeps its precision. */
function incBeta(a: number, b: number, x: number, y: number): number {
  if (x <= 0) return 0;
  if (y <= 0) return 1;
  const front = Math.exp(a * Math.log(x) + b * Math.log(y) - (logGamma(a) + logGamma(b) - logGamma(a + b)));
  return x < (a + 1) / (a + b + 2) ? (front * betaCf(a, b, x)) / a : 1 - (front * betaCf(b, a, y)) / b;
}

function checkDf(df: number, where: string): void {
  if (!Number.isFinite(df) || df < 1) throw new Error(`${where}: degrees of freedom must be a finite number ≥ 1; got ${df}`);
}

/** P(T > |t|): one upper tail of Student's t. */
function upperTail(t: number, df: number): number {
  const t2 = t * t;
  return 0.5 * incBeta(df / 2, 0.5, df / (df + t2), t2 / (df + t2));
}

/** P(T ≤ t) for Student's t with df degrees of freedom (df ≥ 1, not necessarily an integer). */
export function tCdf(t: number, df: number): number {
  checkDf(df, "tCdf");
  if (Number.isNaN(t)) throw new Error("tCdf: t is NaN");
  const tail = upperTail(t, df);
  return t >= 0 ? 1 - tail : tail;
}

/** The p-quantile of Student's t with df degrees of freedom: the t with P(T ≤ t) = p (bisection on the exact CDF). */
export function tQuantile(p: number, df: number): number {
  checkDf(df, "tQuantile");
  if (!(p > 0 && p < 1)) throw new Error(`tQuantile: p must lie strictly between 0 and 1; got ${p}`);
  if (p === 0.5) return 0;
  if (p < 0.5) return -tQuantile(1 - p, df);
  const q = 1 - p;
  let lo = 0;
  let hi = 1;
  while (upperTail(hi, df) > q) {
    lo = hi;
    hi *= 2;
    if (!Number.isFinite(hi)) throw new Error(`tQuantile: no finite quantile for p = ${p}, df = ${df}`);
  }
  for (let i = 0; i < 200 && hi - lo > 1e-13 * hi; i++) {
    const mid = 0.5 * (lo + hi);
    if (upperTail(mid, df) > q) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/** Two-sided 95 % critical value of Student's t: tQuantile(0.975, df). */
export function tCrit95(df: number): number {
  if (!(df > 0)) throw new Error(`tCrit95: degrees of freedom must be positive; got ${df}`);
  return tQuantile(0.975, df);
}

/** Whether a t statistic passes the two-sided 95 % test at df; false without a statistic or with df < 1. */
export function clearAt95(t: number | null, df: number): boolean {
  return t !== null && df >= 1 && Math.abs(t) > tCrit95(df);
}

// ------------------------------------------------------------------ paired comparisons

export interface PairedStats {
  /** Number of paired differences. */
  pairs: number;
  meanDiff: number;
  /** Sample standard deviation of the differences; 0 for one pair. */
  stdDiff: number;
  /** Paired t statistic; null with fewer than 2 pairs or no spread. */
  t: number | null;
  /** pairs − 1. */
  df: number;
  /** Two-sided 95 % critical value at df; null with one pair. */
  crit: number | null;
  /** 95 % confidence interval of the mean difference; null with one pair. */
  ciLow: number | null;
  ciHigh: number | null;
  /** |t| above the two-sided 95 % critical value. */
  clear: boolean;
}

/** Paired statistics of differences (or any per-seed paired quantity, e.g. a ratio). */
export function pairedStats(diffs: number[]): PairedStats {
  if (diffs.length === 0) throw new Error("pairedStats: no differences");
  const s = summarize(diffs);
  const df = s.n - 1;
  const crit = df >= 1 ? tCrit95(df) : null;
  const half = crit === null ? null : (crit * s.std) / Math.sqrt(s.n);
  const t = pairedT(diffs);
  return {
    pairs: s.n,
    meanDiff: s.mean,
    stdDiff: s.std,
    t,
    df,
    crit,
    ciLow: half === null ? null : s.mean - half,
    ciHigh: half === null ? null : s.mean + half,
    clear: clearAt95(t, df),
  };
}

/** How rows pair up: `key` matches a candidate row with a baseline row (the seed); `value` is measured (null: row skipped). */
export interface PairBy<T> {
  key: (r: T) => string | number;
  value: (r: T) => number | null;
  /** The arm a row belongs to (e.g. its variant), needed when candidate/baseline are given by name. */
  group?: (r: T) => string;
}

/** One side of a comparison: a group name (see PairBy.group) or a predicate on rows. */
export type Arm<T> = string | ((r: T) => boolean);

function armFilter<T>(arm: Arm<T>, by: PairBy<T>): (r: T) => boolean {
  if (typeof arm !== "string") return arm;
  const group = by.group;
  if (!group) throw new Error(`paired comparison: arm "${arm}" given by name but no group function`);
  return (r) => group(r) === arm;
}

/**
 * candidate − baseline for every key (seed) where both have a non-null value,
 * in the candidate rows' order. A key appearing twice in the baseline keeps its last row.
 */
export function pairedDiffs<T>(rows: T[], by: PairBy<T>, candidate: Arm<T>, baseline: Arm<T>): number[] {
  const isCand = armFilter(candidate, by);
  const isBase = armFilter(baseline, by);
  const base = new Map<string | number, number>();
  for (const r of rows) {
    const v = isBase(r) ? by.value(r) : null;
    if (v !== null) base.set(by.key(r), v);
  }
  const diffs: number[] = [];
  for (const r of rows) {
    if (!isCand(r)) continue;
    const v = by.value(r);
    const b = base.get(by.key(r));
    if (v !== null && b !== undefined) diffs.push(v - b);
  }
  return diffs;
}

/** Paired comparison over seeds of candidate against baseline; throws when no key is shared. */
export function pairedComparison<T>(rows: T[], by: PairBy<T>, candidate: Arm<T>, baseline: Arm<T>): PairedStats {
  const diffs = pairedDiffs(rows, by, candidate, baseline);
  if (diffs.length === 0) {
    const name = (a: Arm<T>, fallback: string) => (typeof a === "string" ? a : fallback);
    throw new Error(`no paired seeds between "${name(candidate, "candidate")}" and "${name(baseline, "baseline")}"`);
  }
  return pairedStats(diffs);
}

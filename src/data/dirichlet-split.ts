/**
 * Non-IID splits of training rows over K clients, by class: every class's rows
 * are shuffled and cut among the clients in proportions p ~ Dir(α·1_K), drawn
 * per class. Small α puts most of a class on one or two clients (strongly
 * heterogeneous); large α approaches an even split. Seeded by the project's
 * Rng, so the same (labels, clients, α, seed) always gives the same split.
 *
 * No client ends with fewer than `minRows` rows: a whole draw (all classes)
 * is repeated — the RNG simply goes on — until every client has enough rows,
 * at most `maxDraws` times, then it fails naming the fields. Redrawing keeps
 * every accepted split a genuine Dirichlet draw (conditioned on the minimum)
 * instead of moving rows by hand.
 */
import { Rng, shuffleInPlace } from "../core/seed";

export interface DirichletSplitOptions {
  clients: number;
  /** Concentration of Dir(α·1_K); > 0. */
  alpha: number;
  seed: number;
  /** Rows every client must get (default 1). */
  minRows?: number;
  /** Whole draws tried before giving up (default 100). */
  maxDraws?: number;
}

export interface DirichletSplit {
  /** Row indices of each client, ascending; together every row exactly once. */
  parts: number[][];
  /** Draws it took (1 = the first draw was accepted). */
  draws: number;
}

/** A standard normal draw (Box–Muller on two uniforms). */
function normal(rng: Rng): number {
  const u = 1 - rng.next();
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Gamma(shape, 1) by Marsaglia–Tsang; shape < 1 through Gamma(shape + 1) · U^(1/shape). */
export function gammaSample(shape: number, rng: Rng): number {
  if (!(Number.isFinite(shape) && shape > 0)) throw new Error(`gamma shape must be a finite number > 0; got ${shape}`);
  if (shape < 1) return gammaSample(shape + 1, rng) * Math.pow(1 - rng.next(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = normal(rng);
    const t = 1 + c * x;
    if (t <= 0) continue;
    const v = t * t * t;
    const u = 1 - rng.next();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** One draw of Dir(α·1_k): k non-negative proportions summing to 1. */
export function dirichletSample(alpha: number, k: number, rng: Rng): number[] {
  const g = Array.from({ length: k }, () => gammaSample(alpha, rng));
  const sum = g.reduce((a, b) => a + b, 0);
  // With tiny α every gamma can underflow to 0: then the class goes whole to one client, as α → 0 would.
  if (!(sum > 0)) return g.map((_, i) => (i === rng.int(k) ? 1 : 0));
  return g.map((v) => v / sum);
}

function checkOptions(labels: ArrayLike<number>, o: DirichletSplitOptions): Required<DirichletSplitOptions> {
  const minRows = o.minRows ?? 1;
  const maxDraws = o.maxDraws ?? 100;
  if (!(Number.isInteger(o.clients) && o.clients >= 2)) throw new Error(`clients must be an integer ≥ 2; got ${o.clients}`);
  if (!(Number.isFinite(o.alpha) && o.alpha > 0)) throw new Error(`alpha must be a finite number > 0; got ${o.alpha}`);
  if (!Number.isFinite(o.seed)) throw new Error(`seed must be a finite number; got ${o.seed}`);
  if (!(Number.isInteger(minRows) && minRows >= 0)) throw new Error(`minRows must be an integer ≥ 0; got ${minRows}`);
  if (!(Number.isInteger(maxDraws) && maxDraws >= 1)) throw new Error(`maxDraws must be an integer ≥ 1; got ${maxDraws}`);
  if (labels.length < o.clients * minRows) throw new Error(`labels has ${labels.length} rows: too few for ${o.clients} clients of at least ${minRows} rows (minRows)`);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (!(Number.isInteger(y) && y >= 0)) throw new Error(`labels[${i}] must be a class index (integer ≥ 0); got ${y}`);
  }
  return { ...o, minRows, maxDraws };
}

/** Rows of each class, ascending class order. */
function rowsByClass(labels: ArrayLike<number>): number[][] {
  const groups = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (!groups.has(y)) groups.set(y, []);
    groups.get(y)!.push(i);
  }
  return [...groups.entries()].sort((a, b) => a[0] - b[0]).map(([, rows]) => rows);
}

function drawOnce(classes: number[][], k: number, alpha: number, rng: Rng): number[][] {
  const parts: number[][] = Array.from({ length: k }, () => []);
  for (const members of classes) {
    const rows = shuffleInPlace([...members], rng);
    const p = dirichletSample(alpha, k, rng);
    let cum = 0;
    let start = 0;
    for (let c = 0; c < k; c++) {
      cum += p[c];
      const end = c === k - 1 ? rows.length : Math.min(rows.length, Math.round(cum * rows.length));
      parts[c].push(...rows.slice(start, end));
      start = Math.max(start, end);
    }
  }
  return parts.map((p) => p.sort((a, b) => a - b));
}

/** Splits the rows of `labels` (indices 0 … n−1) over `clients` clients by Dir(α) per class. */
export function dirichletSplit(labels: ArrayLike<number>, options: DirichletSplitOptions): DirichletSplit {
  const o = checkOptions(labels, options);
  const classes = rowsByClass(labels);
  const rng = new Rng(o.seed);
  for (let draw = 1; draw <= o.maxDraws; draw++) {
    const parts = drawOnce(classes, o.clients, o.alpha, rng);
    if (parts.every((p) => p.length >= o.minRows)) return { parts, draws: draw };
  }
  throw new Error(`dirichletSplit: no draw in ${o.maxDraws} (maxDraws) gave every one of ${o.clients} clients at least ${o.minRows} rows (minRows) at alpha ${o.alpha}; lower minRows or clients, or raise alpha`);
}

/** Each part's class counts, [part][class]. */
export function classCounts(labels: ArrayLike<number>, parts: number[][], numClasses: number): number[][] {
  return parts.map((rows) => {
    const counts = new Array<number>(numClasses).fill(0);
    for (const r of rows) counts[labels[r]]++;
    return counts;
  });
}

/**
 * Class skew of a split: the mean over parts of the total-variation distance
 * between the part's class distribution and the distribution over all rows
 * (0 = every part has the global class mix; near 1 = each part one class).
 */
export function classSkew(labels: ArrayLike<number>, parts: number[][], numClasses: number): number {
  const counts = classCounts(labels, parts, numClasses);
  const total = new Array<number>(numClasses).fill(0);
  counts.forEach((c) => c.forEach((v, j) => (total[j] += v)));
  const n = total.reduce((a, b) => a + b, 0);
  const tv = counts.map((c) => {
    const m = c.reduce((a, b) => a + b, 0);
    if (m === 0) return 1;
    return 0.5 * c.reduce((a, v, j) => a + Math.abs(v / m - total[j] / n), 0);
  });
  return tv.reduce((a, b) => a + b, 0) / tv.length;
}

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

/** Two-sided 95 % critical values of Student's t for 1–10 degrees of freedom (beyond: the normal 1.96). */
const T_CRIT_95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228];
export const tCrit95 = (df: number): number => T_CRIT_95[df - 1] ?? 1.96;

/** Paired t statistic of differences (mean / standard error); null with fewer than 2 values or no spread. */
export function pairedT(diffs: number[]): number | null {
  if (diffs.length < 2) return null;
  const s = summarize(diffs);
  return s.std > 0 ? s.mean / (s.std / Math.sqrt(s.n)) : null;
}

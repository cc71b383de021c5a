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

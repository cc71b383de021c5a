/** Independent float64 reference maths in plain JS, used to check the tfjs implementations. */
export function logSoftmax(z: number[], t = 1): number[] {
  const s = z.map((v) => v / t);
  const m = Math.max(...s);
  const lse = m + Math.log(s.reduce((acc, v) => acc + Math.exp(v - m), 0));
  return s.map((v) => v - lse);
}

export const softmax = (z: number[], t = 1): number[] => logSoftmax(z, t).map(Math.exp);

/** KL(p ‖ q) for probability vectors. */
export function kl(p: number[], q: number[]): number {
  return p.reduce((acc, pi, i) => acc + (pi > 0 ? pi * Math.log(pi / q[i]) : 0), 0);
}

/** T² · mean over rows of KL(softmax(teacher/T) ‖ softmax(student/T)). */
export function kdLossRef(student: number[][], teacher: number[][], t: number): number {
  const per = student.map((s, i) => kl(softmax(teacher[i], t), softmax(s, t)));
  return (t * t * per.reduce((a, b) => a + b, 0)) / per.length;
}

export function crossEntropyRef(logits: number[][], labels: number[]): number {
  return -logits.reduce((acc, z, i) => acc + logSoftmax(z)[labels[i]], 0) / logits.length;
}

/** Central finite-difference gradient of f at x (a matrix), in float64. */
export function finiteDiff(f: (x: number[][]) => number, x: number[][], h = 1e-5): number[][] {
  return x.map((row, i) =>
    row.map((_, j) => {
      const up = x.map((r) => [...r]);
      const down = x.map((r) => [...r]);
      up[i][j] += h;
      down[i][j] -= h;
      return (f(up) - f(down)) / (2 * h);
    }),
  );
}

/** A small deterministic pseudo-random matrix with entries in [-scale, scale]. */
export function fixedMatrix(rows: number, cols: number, seed: number, scale = 3): number[][] {
  let s = seed;
  const next = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => (next() * 2 - 1) * scale));
}

export function maxAbsDiff(a: number[][], b: number[][]): number {
  let m = 0;
  a.forEach((row, i) => row.forEach((v, j) => (m = Math.max(m, Math.abs(v - b[i][j])))));
  return m;
}

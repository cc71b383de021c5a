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

/** DKD as the authors write it (mdistiller), per row then averaged: T²·(α·KL(b_t ‖ b_s) + β·KL(n_t ‖ n_s)). */
export function dkdRef(student: number[][], teacher: number[][], target: number[], t: number, alpha: number, beta: number): { loss: number; tckd: number; nckd: number } {
  let tc = 0;
  let nc = 0;
  student.forEach((s, i) => {
    const ps = softmax(s, t);
    const pt = softmax(teacher[i], t);
    const g = target[i];
    tc += kl([pt[g], 1 - pt[g]], [ps[g], 1 - ps[g]]);
    const rest = (p: number[]) => p.filter((_, j) => j !== g).map((v) => v / (1 - p[g]));
    nc += kl(rest(pt), rest(ps));
  });
  const n = student.length;
  const tckd = (t * t * tc) / n;
  const nckd = (t * t * nc) / n;
  return { loss: alpha * tckd + beta * nckd, tckd, nckd };
}

/** In-batch InfoNCE: mean_i −log softmax_j(s_i·t_j/τ)[i], averaged with the teacher's side when symmetric. */
export function infoNceRef(s: number[][], t: number[][], tau: number, symmetric: boolean): number {
  const dot = (a: number[], b: number[]) => a.reduce((acc, v, k) => acc + v * b[k], 0);
  const side = (a: number[][], b: number[][]) => a.reduce((acc, ai, i) => acc - logSoftmax(b.map((bj) => dot(ai, bj) / tau))[i], 0) / a.length;
  return symmetric ? 0.5 * (side(s, t) + side(t, s)) : side(s, t);
}

export const l2NormalizeRef = (x: number[][]): number[][] => x.map((r) => {
  const n = Math.sqrt(r.reduce((a, v) => a + v * v, 0) + 1e-12);
  return r.map((v) => v / n);
});

/** x·W + b in float64. */
export const denseRef = (x: number[][], w: number[][], b: number[]): number[][] => x.map((r) => b.map((bj, j) => bj + r.reduce((a, v, k) => a + v * w[k][j], 0)));

/** CRD with memory negatives, softmax form: mean over rows and both directions of −log softmax([s·t, s·negT…]/τ)[0]. */
export function crdMemoryRef(s: number[][], t: number[][], negS: number[][], negT: number[][], tau: number): number {
  const dot = (a: number[], b: number[]) => a.reduce((acc, v, k) => acc + v * b[k], 0);
  const side = (a: number[][], b: number[][], neg: number[][]) => a.reduce((acc, ai, i) => acc - logSoftmax([dot(ai, b[i]), ...neg.map((n) => dot(ai, n))].map((v) => v / tau))[0], 0) / a.length;
  return 0.5 * (side(s, t, negT) + side(t, s, negS));
}

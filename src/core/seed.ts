/**
 * Seeded randomness for everything the library decides by chance outside tfjs
 * kernels: splits, shuffling, per-run seeds. mulberry32 is small, fast and its
 * whole state is one 32-bit integer, so a run can save and restore it.
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`seed must be a finite number, got ${seed}`);
    this.state = seed >>> 0;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A fresh 31-bit seed, e.g. for a tfjs initializer. */
  seed(): number {
    return Math.floor(this.next() * 2147483647);
  }

  getState(): number {
    return this.state;
  }

  setState(state: number): void {
    this.state = state >>> 0;
  }
}

/** Fisher–Yates shuffle, in place, driven by `rng`. */
export function shuffleInPlace<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const tmp = items[i];
    items[i] = items[j];
    items[j] = tmp;
  }
  return items;
}

/**
 * Derives an independent seed from a base seed and a label, so that e.g. the
 * init of run "T=4/seed=2" does not depend on how many runs came before it.
 */
export function deriveSeed(base: number, ...parts: (string | number)[]): number {
  let h = 2166136261 ^ (base >>> 0);
  for (const ch of parts.join("/")) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 16777619);
  }
  return new Rng(h >>> 0).seed();
}

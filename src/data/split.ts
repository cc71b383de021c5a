/**
 * Reproducible stratified splits: each class is shuffled with the seed and cut
 * in the requested proportion, so every split keeps the class balance.
 */
import { Rng, shuffleInPlace } from "../core/seed";

export interface Split {
  train: number[];
  test: number[];
}

function byClass(labels: ArrayLike<number>, indices: ArrayLike<number>): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  for (let i = 0; i < indices.length; i++) {
    const idx = indices[i];
    const label = labels[idx];
    if (!groups.has(label)) groups.set(label, []);
    groups.get(label)!.push(idx);
  }
  return new Map([...groups.entries()].sort((a, b) => a[0] - b[0]));
}

function checkFraction(name: string, f: number, allowOne: boolean): void {
  const ok = Number.isFinite(f) && f > 0 && (allowOne ? f <= 1 : f < 1);
  if (!ok) throw new Error(`${name} must be in (0, ${allowOne ? "1]" : "1)"}; got ${f}`);
}

/**
 * Picks round(fraction × class size) indices from each class of `indices`
 * (at least one per class). Returns [picked, rest], each sorted ascending.
 */
export function stratifiedPick(
  labels: ArrayLike<number>,
  indices: ArrayLike<number>,
  fraction: number,
  seed: number,
): [number[], number[]] {
  const rng = new Rng(seed);
  const picked: number[] = [];
  const rest: number[] = [];
  for (const members of byClass(labels, indices).values()) {
    shuffleInPlace(members, rng);
    const k = Math.min(members.length, Math.max(1, Math.round(fraction * members.length)));
    picked.push(...members.slice(0, k));
    rest.push(...members.slice(k));
  }
  return [picked.sort((a, b) => a - b), rest.sort((a, b) => a - b)];
}

/** Stratified train/test split of all rows. */
export function stratifiedSplit(labels: ArrayLike<number>, testFraction: number, seed: number): Split {
  checkFraction("testFraction", testFraction, false);
  const all = Array.from({ length: labels.length }, (_, i) => i);
  const [test, train] = stratifiedPick(labels, all, testFraction, seed);
  return { train, test };
}

/** A stratified labelled fraction of `indices` (e.g. 10 % of the training rows); the rest is the unlabelled pool. */
export function labelledFraction(
  labels: ArrayLike<number>,
  indices: ArrayLike<number>,
  fraction: number,
  seed: number,
): { labelled: number[]; unlabelled: number[] } {
  checkFraction("labelledFraction", fraction, true);
  const [labelled, unlabelled] = stratifiedPick(labels, indices, fraction, seed);
  return { labelled, unlabelled };
}

/**
 * The data of a federated run: the training rows cut into a public set and a
 * private pool, and the pool split over the clients by Dir(α) per seed. The
 * public rows are picked by a seeded permutation of row indices, so their
 * labels are never read — not to pick them, not afterwards: only the pool's
 * labels are read (`poolLabels`), and only the pool's shards carry labels.
 */
import { Rng, deriveSeed, shuffleInPlace } from "../../core/seed";
import { classCounts, classSkew, dirichletSplit } from "../../data/dirichlet-split";
import type { FedData, FedSplit } from "./types";

export interface PublicCut {
  /** Training rows given out without labels, ascending. */
  publicRows: number[];
  /** Training rows the clients hold, ascending. */
  poolRows: number[];
}

/** A seeded cut of rows 0 … n−1 into `publicRows` public rows and the private pool, from indices alone. */
export function cutPublic(n: number, publicRows: number, seed: number): PublicCut {
  if (!(Number.isInteger(publicRows) && publicRows >= 1 && publicRows < n)) throw new Error(`publicRows must be an integer in [1, ${n - 1}] (training rows − 1); got ${publicRows}`);
  const order = shuffleInPlace(Array.from({ length: n }, (_, i) => i), new Rng(deriveSeed(seed, "fed-public")));
  return { publicRows: order.slice(0, publicRows).sort((a, b) => a - b), poolRows: order.slice(publicRows).sort((a, b) => a - b) };
}

/** The features of `rows` from a row-major matrix of `d` columns. */
export function gatherRows(x: Float32Array, d: number, rows: number[]): Float32Array {
  const out = new Float32Array(rows.length * d);
  rows.forEach((r, i) => out.set(x.subarray(r * d, (r + 1) * d), i * d));
  return out;
}

/** The labels of the pool rows only: the one read of training labels. */
export function poolLabels(labels: ArrayLike<number>, poolRows: number[]): number[] {
  return poolRows.map((r) => labels[r]);
}

/** A Dir(α) split of the pool for every (α, seed), with its skew. */
export function federatedSplits(labels: number[], o: { clients: number; alphas: number[]; seeds: number[]; minRows: number; numClasses: number }): FedSplit[] {
  return o.alphas.flatMap((alpha) =>
    o.seeds.map((seed) => {
      const { parts, draws } = dirichletSplit(labels, { clients: o.clients, alpha, seed: deriveSeed(seed, "fed-dirichlet", alpha), minRows: o.minRows });
      return {
        alpha,
        seed,
        shards: parts.map((rows) => ({ rows, labels: rows.map((r) => labels[r]) })),
        skew: classSkew(labels, parts, o.numClasses),
        classCounts: classCounts(labels, parts, o.numClasses),
        draws,
      };
    }),
  );
}

export interface FederatedInput {
  train: { x: Float32Array; y: ArrayLike<number>; numFeatures: number; numClasses: number };
  test: { x: Float32Array; y: Int32Array };
}

/** The shared data and the splits; reads training labels at pool rows only. */
export function prepareFederated(
  input: FederatedInput,
  o: { publicRows: number; dataSeed: number; clients: number; alphas: number[]; seeds: number[]; minRows: number; monitorRows: number },
): { data: FedData; splits: FedSplit[]; cut: PublicCut } {
  const { numFeatures: d, numClasses } = input.train;
  const n = input.train.x.length / d;
  if (!Number.isInteger(n)) throw new Error(`train.x has ${input.train.x.length} values, not a multiple of ${d} features`);
  if (input.train.y.length !== n) throw new Error(`train.y has ${input.train.y.length} labels for ${n} rows`);
  const cut = cutPublic(n, o.publicRows, o.dataSeed);
  const labels = poolLabels(input.train.y, cut.poolRows);
  const splits = federatedSplits(labels, { clients: o.clients, alphas: o.alphas, seeds: o.seeds, minRows: o.minRows, numClasses });
  const testRows = input.test.y.length;
  const data: FedData = {
    numFeatures: d,
    numClasses,
    poolX: gatherRows(input.train.x, d, cut.poolRows),
    publicX: gatherRows(input.train.x, d, cut.publicRows),
    testX: input.test.x,
    testY: input.test.y,
    monitorRows: Math.min(o.monitorRows, testRows),
  };
  return { data, splits, cut };
}

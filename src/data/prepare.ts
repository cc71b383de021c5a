/**
 * The one path every data set takes: stratified train/test split, then
 * scaling fitted on the training rows only.
 */
import { Dataset, Scaler, applyScaler, fitMinMaxScaler, rangeScaler } from "./dataset";
import { stratifiedSplit } from "./split";

export interface PrepareOptions {
  /** Fraction of rows held out for testing, stratified by class. */
  testFraction: number;
  seed: number;
  /** "minmax" fits per-feature min/max on the training rows; a range maps a known [min, max] to [0, 1]. */
  scaling?: "minmax" | "none" | { min: number; max: number };
}

export interface Prepared {
  train: Dataset;
  test: Dataset;
  /** Row indices into the original data set. */
  trainIndices: number[];
  testIndices: number[];
  scaler: Scaler | null;
}

export function prepare(ds: Dataset, opts: PrepareOptions): Prepared {
  const { train: trainIndices, test: testIndices } = stratifiedSplit(ds.y, opts.testFraction, opts.seed);
  const rawTrain = ds.subset(trainIndices);
  const rawTest = ds.subset(testIndices);
  const scaling = opts.scaling ?? "minmax";
  const scaler =
    scaling === "none" ? null : scaling === "minmax" ? fitMinMaxScaler(rawTrain) : rangeScaler(ds.numFeatures, scaling.min, scaling.max);
  return {
    train: scaler ? applyScaler(rawTrain, scaler) : rawTrain,
    test: scaler ? applyScaler(rawTest, scaler) : rawTest,
    trainIndices,
    testIndices,
    scaler,
  };
}

/**
 * An in-memory labelled data set: a row-major feature matrix and integer
 * class labels. Immutable: scaling and subsetting return new data sets.
 */
import * as tf from "@tensorflow/tfjs";
import * as dfd from "danfojs-node";

export interface Tensors {
  x: tf.Tensor2D;
  y: tf.Tensor1D;
}

export class Dataset {
  readonly numSamples: number;
  readonly numFeatures: number;

  constructor(
    readonly x: Float32Array,
    readonly y: Int32Array,
    readonly featureNames: string[],
    readonly numClasses: number,
    readonly source: string,
  ) {
    this.numSamples = y.length;
    this.numFeatures = featureNames.length;
    if (x.length !== this.numSamples * this.numFeatures) {
      throw new Error(`Dataset ${source}: x has ${x.length} values, expected ${this.numSamples} × ${this.numFeatures}`);
    }
  }

  /** The rows at `indices`, in that order. */
  subset(indices: ArrayLike<number>): Dataset {
    const d = this.numFeatures;
    const x = new Float32Array(indices.length * d);
    const y = new Int32Array(indices.length);
    for (let i = 0; i < indices.length; i++) {
      const r = indices[i];
      if (!(r >= 0 && r < this.numSamples)) throw new Error(`row index ${r} out of range [0, ${this.numSamples})`);
      x.set(this.x.subarray(r * d, (r + 1) * d), i * d);
      y[i] = this.y[r];
    }
    return new Dataset(x, y, this.featureNames, this.numClasses, this.source);
  }

  /** Number of samples per class, index = class. */
  classCounts(): number[] {
    const counts = new Array<number>(this.numClasses).fill(0);
    for (const label of this.y) counts[label]++;
    return counts;
  }

  /** Features as a float32 [n, d] tensor and labels as an int32 [n] tensor. The caller disposes them. */
  toTensors(): Tensors {
    return {
      x: tf.tensor2d(this.x, [this.numSamples, this.numFeatures], "float32"),
      y: tf.tensor1d(this.y, "int32"),
    };
  }

  /** The data as a danfojs DataFrame (features, then "label"), for tables and summaries. */
  toDataFrame(): dfd.DataFrame {
    const rows: number[][] = [];
    for (let r = 0; r < this.numSamples; r++) {
      rows.push([...this.x.subarray(r * this.numFeatures, (r + 1) * this.numFeatures), this.y[r]]);
    }
    return new dfd.DataFrame(rows, { columns: [...this.featureNames, "label"] });
  }
}

/** A per-feature affine scaling x' = (x − offset) / scale, fitted on training rows only. */
export interface Scaler {
  offset: Float32Array;
  scale: Float32Array;
}

/** Maps a known value range [min, max] (e.g. pixel grey levels) to [0, 1] for every feature. */
export function rangeScaler(numFeatures: number, min: number, max: number): Scaler {
  if (!(max > min)) throw new Error(`range scaler needs max > min; got min=${min}, max=${max}`);
  return { offset: new Float32Array(numFeatures).fill(min), scale: new Float32Array(numFeatures).fill(max - min) };
}

/** Min–max scaling fitted on `ds` (pass the training split); constant features are left unscaled. */
export function fitMinMaxScaler(ds: Dataset): Scaler {
  const d = ds.numFeatures;
  const lo = new Float32Array(d).fill(Infinity);
  const hi = new Float32Array(d).fill(-Infinity);
  for (let r = 0; r < ds.numSamples; r++) {
    for (let j = 0; j < d; j++) {
      const v = ds.x[r * d + j];
      if (v < lo[j]) lo[j] = v;
      if (v > hi[j]) hi[j] = v;
    }
  }
  const scale = new Float32Array(d);
  for (let j = 0; j < d; j++) scale[j] = hi[j] > lo[j] ? hi[j] - lo[j] : 1;
  return { offset: lo, scale };
}

export function applyScaler(ds: Dataset, s: Scaler): Dataset {
  const d = ds.numFeatures;
  if (s.offset.length !== d) throw new Error(`scaler was fitted on ${s.offset.length} features; data has ${d}`);
  const x = new Float32Array(ds.x.length);
  for (let i = 0; i < x.length; i++) x[i] = (ds.x[i] - s.offset[i % d]) / s.scale[i % d];
  return new Dataset(x, ds.y, ds.featureNames, ds.numClasses, ds.source);
}

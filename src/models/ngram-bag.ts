/**
 * A fastText-like text classifier in TF.js layers: hashed character n-gram ids
 * (src/data/char-ngrams.ts) → the mean of their embeddings (padding id 0
 * ignored) → optional hidden layer → logits. The n-gram hashing travels with
 * the model in model.json's userDefinedMetadata, so a saved student can be
 * served anywhere (Node or a browser) from its folder alone.
 */
import * as tf from "@tensorflow/tfjs";
import { NgramHashing, checkHashing, ngramSlots } from "../data/char-ngrams";
import { embeddingBagMean, hasEmbeddingBag, installEmbeddingBag } from "../core/embedding-bag";

installEmbeddingBag();

let bagKernelEnabled = true;
/** Turns the one-pass kernels off (true: on where the backend has them), for before/after comparisons. */
export function useEmbeddingBagKernel(on: boolean): void {
  bagKernelEnabled = on;
}

/** The bag mean with tfjs ops only (gather, mask, sum): any backend; the reference for the kernels. */
export function bagMeanOps(x: tf.Tensor, table: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => {
    const ids = tf.cast(x, "int32");
    const mask = tf.cast(tf.greater(ids, 0), "float32");
    const vectors = tf.gather(table, ids); // [batch, slots, dim]
    const summed = tf.sum(tf.mul(vectors, tf.expandDims(mask, 2)), 1);
    const count = tf.maximum(tf.sum(mask, 1, true), 1);
    return tf.div(summed, count) as tf.Tensor2D;
  });
}

export interface NgramBagArgs {
  /** Hash buckets: the embedding has buckets + 1 rows (row 0 = padding). */
  buckets: number;
  dim: number;
  seed: number;
  name?: string;
}

/** Masked mean of the embeddings of a row's ids: [batch, slots] ids → [batch, dim]. */
export class NgramBag extends tf.layers.Layer {
  static className = "NgramBag";
  readonly buckets: number;
  readonly dim: number;
  readonly seed: number;
  private embeddings!: tf.LayerVariable;

  constructor(args: NgramBagArgs) {
    super({ name: args.name });
    if (!Number.isInteger(args.buckets) || args.buckets < 1) throw new Error(`NgramBag buckets must be a positive integer; got ${args.buckets}`);
    if (!Number.isInteger(args.dim) || args.dim < 1) throw new Error(`NgramBag dim must be a positive integer; got ${args.dim}`);
    this.buckets = args.buckets;
    this.dim = args.dim;
    this.seed = args.seed;
  }

  override build(): void {
    const scale = 1 / Math.sqrt(this.dim);
    this.embeddings = this.addWeight("embeddings", [this.buckets + 1, this.dim], "float32", tf.initializers.randomUniform({ minval: -scale, maxval: scale, seed: this.seed }));
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const table = this.embeddings.read();
    // The one-pass kernels (wasm, cpu) where the backend has them; the ops elsewhere (webgpu).
    return bagKernelEnabled && hasEmbeddingBag() ? tf.tidy(() => embeddingBagMean(tf.cast(x, "float32") as tf.Tensor2D, table as tf.Tensor2D)) : bagMeanOps(x, table);
  }

  override computeOutputShape(shape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = (Array.isArray(shape[0]) ? shape[0] : shape) as tf.Shape;
    return [s[0], this.dim];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), buckets: this.buckets, dim: this.dim, seed: this.seed };
  }
}
tf.serialization.registerClass(NgramBag);

export interface NgramBagSpec {
  hashing: NgramHashing;
  dim: number;
  /** Hidden layer widths between the bag and the logits (fastText has none). */
  hidden: number[];
  numClasses: number;
  seed: number;
  /** Class names, kept in the model's metadata (e.g. language codes). */
  classNames?: string[];
}

const METADATA_KEY = "ngramHashing";

/** The student: input [slots] ids → logits [numClasses]. */
export function buildNgramBag(spec: NgramBagSpec): tf.LayersModel {
  checkHashing(spec.hashing);
  if (!Number.isInteger(spec.numClasses) || spec.numClasses < 2) throw new Error(`numClasses must be an integer ≥ 2; got ${spec.numClasses}`);
  if (spec.classNames && spec.classNames.length !== spec.numClasses) throw new Error(`classNames has ${spec.classNames.length} names for ${spec.numClasses} classes`);
  const input = tf.input({ shape: [ngramSlots(spec.hashing)], name: "ngram_ids" });
  let h = new NgramBag({ buckets: spec.hashing.buckets, dim: spec.dim, seed: spec.seed, name: "ngram_bag" }).apply(input) as tf.SymbolicTensor;
  spec.hidden.forEach((units, i) => {
    h = tf.layers.dense({ units, activation: "relu", kernelInitializer: tf.initializers.glorotUniform({ seed: spec.seed + 1 + i }), name: `hidden${i + 1}` }).apply(h) as tf.SymbolicTensor;
  });
  const logits = tf.layers.dense({ units: spec.numClasses, kernelInitializer: tf.initializers.glorotUniform({ seed: spec.seed + 101 }), name: "logits" }).apply(h) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: logits, name: `ngram-bag-${spec.hashing.buckets}x${spec.dim}${spec.hidden.length ? "-" + spec.hidden.join("-") : ""}` });
  model.setUserDefinedMetadata({ [METADATA_KEY]: { ...spec.hashing }, ...(spec.classNames ? { classNames: spec.classNames } : {}) });
  return model;
}

/** The n-gram hashing a saved student was trained with (from its metadata); an error naming what is missing. */
export function hashingOf(model: tf.LayersModel): { hashing: NgramHashing; classNames?: string[] } {
  const meta = model.getUserDefinedMetadata() as { [METADATA_KEY]?: NgramHashing; classNames?: string[] } | undefined;
  const hashing = meta?.[METADATA_KEY];
  if (!hashing) throw new Error(`model "${model.name}" has no "${METADATA_KEY}" in its userDefinedMetadata: it was not saved by buildNgramBag's model (or the metadata was stripped)`);
  checkHashing(hashing);
  const slots = model.inputs[0].shape[1];
  if (slots !== ngramSlots(hashing)) throw new Error(`model "${model.name}" takes ${slots} ids per text but its hashing gives ${ngramSlots(hashing)}`);
  return { hashing, classNames: meta?.classNames };
}

/**
 * Keras-style convolutional nets for square greyscale images (28×28×1 for
 * Fashion-MNIST), as tf.sequential models: they save/load in the TF.js layers
 * format (models/io.ts) and train with the project's trainer, which feeds
 * [batch, features] rows — the first layer reshapes a row to [side, side, 1].
 * Outputs logits (no softmax). Seeded glorot initialisers.
 *
 * Speed: on the wasm backend tf.conv2d's filter gradient (Conv2DBackpropFilter)
 * runs through the cpu backend's naive loop — measured ~430 ms per step of 16
 * images for conv 8→16 here, which makes a teacher untrainable in a CI budget.
 * The default `impl: "patches"` is the custom layer PatchConv2D: the same 3×3
 * "same" convolution with the same [3, 3, in, out] kernel, computed as padded
 * shifted slices concatenated along channels (im2col) times the kernel as a
 * matrix, so its gradients are slices, pads and (fast, patched) matmuls. It is
 * Likewise max pooling is ReshapeMaxPool2D. Both are
 * registered with tf.serialization (like SeededDropout): a model saved with it
 * loads anywhere this module is imported (teacher-cache.ts does). `impl:
 * "conv2d"` builds standard tf.layers.conv2d layers for export to other tools.
 *
 *   reshape → conv 3×3 (same, ReLU) → max-pool 2 → conv 3×3 (same, ReLU) → max-pool 2
 *           → flatten → dense (ReLU) → dense (logits)
 */
import * as tf from "@tensorflow/tfjs";
import { deriveSeed } from "../core/seed";

export interface ConvSpec {
  /** Image side in pixels (28); must be divisible by 4 (two 2×2 pools). */
  side: number;
  /** Filters of the two conv layers, e.g. [16, 32]. */
  filters: [number, number];
  /** Width of the dense hidden layer, e.g. 64. */
  dense: number;
  numClasses: number;
  seed: number;
  /** "patches" (default: PatchConv2D, fast gradients on wasm) or "conv2d" (standard layers, portable). */
  impl?: "patches" | "conv2d";
}

/** A 3×3, stride 1, "same" convolution + bias + ReLU, as im2col × kernel matrix (see the file comment). */
export class PatchConv2D extends tf.layers.Layer {
  static className = "PatchConv2D";
  readonly filters: number;
  readonly seed: number;
  private kernel!: tf.LayerVariable;
  private bias!: tf.LayerVariable;

  constructor(args: { filters: number; seed?: number; name?: string; inputShape?: number[] }) {
    super({ name: args.name, inputShape: args.inputShape });
    this.filters = args.filters;
    this.seed = args.seed ?? 0;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const cin = s[3] as number;
    this.kernel = this.addWeight("kernel", [3, 3, cin, this.filters], "float32", tf.initializers.glorotUniform({ seed: this.seed }));
    this.bias = this.addWeight("bias", [this.filters], "float32", tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [s[0], s[1], s[2], this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const [b, h, w, c] = x.shape;
      const padded = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]);
      const parts: tf.Tensor4D[] = [];
      for (let kh = 0; kh < 3; kh++) for (let kw = 0; kw < 3; kw++) parts.push(tf.slice(padded, [0, kh, kw, 0], [b, h, w, c]));
      const patches = tf.reshape(tf.concat(parts, 3), [b * h * w, 9 * c]) as tf.Tensor2D;
      const k = tf.reshape(this.kernel.read(), [9 * c, this.filters]) as tf.Tensor2D;
      const y = tf.relu(tf.add(tf.matMul(patches, k), this.bias.read()));
      return tf.reshape(y, [b, h, w, this.filters]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), filters: this.filters, seed: this.seed };
  }
}
tf.serialization.registerClass(PatchConv2D);

/**
 * 2×2, stride 2 max pooling as reshape + max, whose gradient is plain
 * element-wise ops (wasm's MaxPoolGrad goes through the cpu backend: ~215 ms of
 * a 325 ms step measured here). Same values as tf.layers.maxPooling2d (valid,
 * even sides); ties pass the gradient to every maximal cell, not just one. (Measured: a step of conv 16→32, batch 64, 325 → 196 ms; four strided slices and tf.maximum were slower, 600 ms.)
 */
export class ReshapeMaxPool2D extends tf.layers.Layer {
  static className = "ReshapeMaxPool2D";

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [s[0], (s[1] as number) / 2, (s[2] as number) / 2, s[3]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const [b, h, w, c] = x.shape;
      return tf.reshape(maxPool2x2(tf.reshape(x, [b, h / 2, 2, w / 2, 2, c])), [b, h / 2, w / 2, c]);
    });
  }
}
tf.serialization.registerClass(ReshapeMaxPool2D);

/**
 * max over axes 2 and 4 of [b, h/2, 2, w/2, 2, c], keeping dims, with tf.max's
 * gradient (dy to every maximal cell) computed without a broadcasting Equal:
 * wasm's Equal has no fast broadcast path (measured 91 of a 204 ms step), so the
 * pooled maxima are first broadcast by a multiply, which is fast.
 */
const maxPool2x2 = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x6 = args[0] as tf.Tensor;
  const save = args[1] as tf.GradSaveFunc;
  const y = tf.max(x6, [2, 4], true);
  save([x6, y]);
  return {
    value: y,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ys] = saved;
      const up = tf.mul(ys, tf.ones([1, 1, 2, 1, 2, 1]));
      return tf.mul(tf.cast(tf.equal(xs, up), "float32"), dy);
    },
  };
}) as (x6: tf.Tensor) => tf.Tensor;

export function describeConv(s: Pick<ConvSpec, "filters" | "dense" | "numClasses">): string {
  return `conv${s.filters[0]}-pool-conv${s.filters[1]}-pool-${s.dense}-${s.numClasses}`;
}

export function buildConvNet(spec: ConvSpec): tf.Sequential {
  const posInt = (v: number) => Number.isInteger(v) && v > 0;
  if (!posInt(spec.side) || spec.side % 4 !== 0) throw new Error(`conv net side must be a positive multiple of 4; got ${spec.side}`);
  if (spec.filters.length !== 2 || !spec.filters.every(posInt)) throw new Error(`conv net filters must be two positive integers; got [${spec.filters}]`);
  if (!posInt(spec.dense)) throw new Error(`conv net dense width must be a positive integer; got ${spec.dense}`);
  if (!posInt(spec.numClasses)) throw new Error(`conv net numClasses must be a positive integer; got ${spec.numClasses}`);
  const init = (what: string) => tf.initializers.glorotUniform({ seed: deriveSeed(spec.seed, what) });
  const s = spec.side;
  const model = tf.sequential({ name: `cnn_${spec.filters.join("_")}_${spec.dense}` });
  model.add(tf.layers.reshape({ targetShape: [s, s, 1], inputShape: [s * s], name: "to_image" }));
  const conv = (filters: number, name: string) =>
    spec.impl === "conv2d"
      ? tf.layers.conv2d({ filters, kernelSize: 3, padding: "same", activation: "relu", kernelInitializer: init(name), name })
      : new PatchConv2D({ filters, seed: deriveSeed(spec.seed, name), name });
  model.add(conv(spec.filters[0], "conv1"));
  const pool = (name: string) => (spec.impl === "conv2d" ? tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name }) : new ReshapeMaxPool2D({ name }));
  model.add(pool("pool1"));
  model.add(conv(spec.filters[1], "conv2"));
  model.add(pool("pool2"));
  model.add(tf.layers.flatten({ name: "flatten" }));
  model.add(tf.layers.dense({ units: spec.dense, activation: "relu", kernelInitializer: init("dense"), name: "dense" }));
  model.add(tf.layers.dense({ units: spec.numClasses, activation: "linear", kernelInitializer: init("logits"), name: "logits" }));
  return model;
}

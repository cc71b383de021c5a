/**
 * Dropout whose masks are reproducible. tfjs' own Dropout layer with a fixed
 * seed draws the SAME mask at every step; without a seed it is not
 * reproducible. This one draws mask k from (seed + k).
 */
import * as tf from "@tensorflow/tfjs";

export interface SeededDropoutArgs {
  rate: number;
  seed: number;
  name?: string;
}

export class SeededDropout extends tf.layers.Layer {
  static className = "SeededDropout";
  readonly rate: number;
  readonly seed: number;
  private calls = 0;

  /** How many masks were drawn so far: part of a run's state, saved in checkpoints. */
  get maskCount(): number {
    return this.calls;
  }

  set maskCount(n: number) {
    if (!(Number.isInteger(n) && n >= 0)) throw new Error(`SeededDropout ${this.name}: mask count must be an integer ≥ 0; got ${n}`);
    this.calls = n;
  }

  constructor(args: SeededDropoutArgs) {
    super({ name: args.name });
    if (!(args.rate >= 0 && args.rate < 1)) throw new Error(`dropout rate must be in [0, 1); got ${args.rate}`);
    this.rate = args.rate;
    this.seed = args.seed;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!kwargs.training || this.rate === 0) return x;
    return tf.dropout(x, this.rate, undefined, this.seed + this.calls++);
  }

  override computeOutputShape(shape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return shape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}

tf.serialization.registerClass(SeededDropout);

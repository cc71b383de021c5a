/**
 * One federated client: a model, its private shard (rows and labels), the
 * public rows' features (no labels exist for them here) and the test set for
 * evaluation. It trains with the project's one trainer (`fit`), and what it
 * gives out is a message — logits on the public rows, or its weights — built
 * here, so nothing of the shard can leave by another door.
 */
import * as tf from "@tensorflow/tfjs";
import type { LossSpec } from "../../distill/registry";
import { predictLogits } from "../../distill/teachers";
import { Tensors } from "../../data/dataset";
import { fit } from "../../train/trainer";
import { LogitsMessage, WeightsMessage } from "./messages";

export interface ClientOptimiser {
  batchSize: number;
  learningRate: number;
}

/** How a client distils from the server's soft targets on the public rows. */
export interface DistilSpec {
  epochs: number;
  /** Registry terms; only kd terms (the public rows have no labels). */
  losses: LossSpec[];
  /** The temperature the server fused at; the run's temperature while distilling. */
  temperature: number;
}

export interface ClientParts {
  id: number;
  model: tf.LayersModel;
  /** Private rows and labels (owned by the client: disposed with it). */
  shard: Tensors;
  /** Public rows' features (shared by every client; not disposed here). */
  publicX: tf.Tensor2D;
  /** The test rows fit() reports every epoch (shared; not disposed here). */
  monitor: Tensors;
  /** The whole test set's features, for the final probabilities (shared). */
  testX: tf.Tensor2D;
  optimiser: ClientOptimiser;
}

/** What the protocol may do with a client (tests stand in their own). */
export interface FedClientLike {
  readonly id: number;
  trainLocal(epochs: number, seed: number): Promise<void>;
  send(): Promise<LogitsMessage>;
  distil(targets: Float32Array, spec: DistilSpec, seed: number): Promise<void>;
  testProbs(): Promise<Float32Array>;
}

async function read(t: tf.Tensor): Promise<Float32Array> {
  try {
    return (await t.data()) as Float32Array;
  } finally {
    t.dispose();
  }
}

export class FedClient implements FedClientLike {
  readonly id: number;
  private readonly p: ClientParts;
  /** Zeros standing in for labels while distilling: fit wants a y; no kd term reads it. */
  private readonly noLabels: tf.Tensor1D;

  constructor(parts: ClientParts) {
    this.p = parts;
    this.id = parts.id;
    this.noLabels = tf.zeros([parts.publicX.shape[0]], "int32");
  }

  get rows(): number {
    return this.p.shard.x.shape[0];
  }

  params(): number {
    return this.p.model.countParams();
  }

  async trainLocal(epochs: number, seed: number): Promise<void> {
    const o = this.p.optimiser;
    await fit(this.p.model, { train: this.p.shard, test: this.p.monitor }, { epochs, batchSize: o.batchSize, learningRate: o.learningRate, seed });
  }

  async send(): Promise<LogitsMessage> {
    const logits = await read(predictLogits(this.p.model, this.p.publicX));
    const [rows, classes] = [this.p.publicX.shape[0], logits.length / this.p.publicX.shape[0]];
    return { client: this.id, logits, rows, classes };
  }

  async distil(targets: Float32Array, spec: DistilSpec, seed: number): Promise<void> {
    const n = this.p.publicX.shape[0];
    const classes = targets.length / n;
    if (!Number.isInteger(classes)) throw new Error(`targets have ${targets.length} values, not a multiple of the ${n} public rows`);
    spec.losses.forEach((l, i) => {
      if (l.loss !== "kd") throw new Error(`distillation losses[${i}].loss must be "kd" (the public rows have no labels); got "${l.loss}"`);
    });
    const fused = tf.tensor2d(targets, [n, classes]);
    const o = this.p.optimiser;
    try {
      await fit(
        this.p.model,
        {
          train: { x: this.p.publicX, y: this.noLabels },
          test: this.p.monitor,
          teacherTargets: ({ indices, temperature }) => {
            if (temperature !== spec.temperature) throw new Error(`the server fused at T = ${spec.temperature}; asked for T = ${temperature}`);
            return tf.gather(fused, indices) as tf.Tensor2D;
          },
        },
        { epochs: spec.epochs, batchSize: o.batchSize, learningRate: o.learningRate, seed, temperature: spec.temperature, losses: spec.losses },
      );
    } finally {
      fused.dispose();
    }
  }

  async testProbs(): Promise<Float32Array> {
    return read(tf.tidy(() => tf.softmax(predictLogits(this.p.model, this.p.testX))));
  }

  /** FedAvg: the model's parameters and shard size, as a message. */
  async sendWeights(): Promise<WeightsMessage> {
    const weights = await Promise.all(this.p.model.getWeights().map((w) => w.data() as Promise<Float32Array>));
    return { client: this.id, weights: weights.map((w) => Float32Array.from(w)), rows: this.rows };
  }

  /** FedAvg: loads the server's averaged parameters. */
  setWeights(weights: Float32Array[]): void {
    const current = this.p.model.getWeights();
    if (weights.length !== current.length) throw new Error(`client ${this.id}: ${weights.length} weight arrays for a model of ${current.length}`);
    const next = weights.map((w, i) => tf.tensor(w, current[i].shape));
    this.p.model.setWeights(next);
    next.forEach((t) => t.dispose());
  }

  dispose(): void {
    this.p.model.dispose();
    this.p.shard.x.dispose();
    this.p.shard.y.dispose();
    this.noLabels.dispose();
  }
}

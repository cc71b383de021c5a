/** The plain data a federated run is made of: methods, the run's settings, a trial's point and result. */
import type { DistilSpec } from "./client";
import type { RoundRecord } from "./protocol";
import type { FusionRule } from "./server";

/** A method as configured: local only, distillation with a fusion rule, FedAvg, or the centralised upper bound. */
export type FedMethod =
  | { name: string; kind: "local" }
  | { name: string; kind: "distil"; fusion: FusionRule }
  | { name: string; kind: "fedavg" }
  | { name: string; kind: "central" };

/** Everything a trial needs besides its data and point. */
export interface FedRunSpec {
  clients: number;
  rounds: number;
  localEpochs: number;
  batchSize: number;
  learningRate: number;
  /** Hidden widths of each client's MLP (client k takes entry k mod length), for local and distillation. */
  clientModels: number[][];
  /** The one architecture every FedAvg client shares. */
  fedavgHidden: number[];
  centralHidden: number[];
  distil: DistilSpec;
}

/** One client's private rows (indices into the private pool) and their labels. */
export interface Shard {
  rows: number[];
  labels: number[];
}

/** The Dirichlet split of the private pool for one (α, seed). */
export interface FedSplit {
  alpha: number;
  seed: number;
  shards: Shard[];
  /** Mean total-variation distance of the clients' class mixes from the pool's. */
  skew: number;
  /** [client][class]. */
  classCounts: number[][];
  draws: number;
}

/** The data every trial shares: features only, except the shards' and the test set's labels. */
export interface FedData {
  numFeatures: number;
  numClasses: number;
  /** Private pool features, row-major. */
  poolX: Float32Array;
  /** Public rows' features, row-major; their labels are not here (nor anywhere a trial can reach). */
  publicX: Float32Array;
  testX: Float32Array;
  testY: Int32Array;
  /** Test rows fit() reports every epoch (the first ones). */
  monitorRows: number;
}

export interface FedShared {
  data: FedData;
  splits: FedSplit[];
  spec: FedRunSpec;
}

/** A sweep point: a method at an α (null for the centralised model, which no split changes). */
export interface FedPoint {
  method: FedMethod;
  alpha: number | null;
}

export interface FedTrialResult {
  method: string;
  kind: FedMethod["kind"];
  alpha: number | null;
  seed: number;
  rounds: RoundRecord[];
  clientRows: number[];
  clientParams: number[];
  ms: number;
}

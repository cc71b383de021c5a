/**
 * What crosses the network in federated training, and its size. A
 * distillation client sends only a LogitsMessage (its logits on the public
 * rows); a FedAvg client sends a WeightsMessage (its parameters and shard
 * size). The checks refuse any other field, so nothing else can ride along.
 */

/** A client's logits on the public rows, row-major [rows, classes]. */
export interface LogitsMessage {
  client: number;
  logits: Float32Array;
  rows: number;
  classes: number;
}

/** A FedAvg client's parameters (one array per weight tensor) and how many rows it trained on. */
export interface WeightsMessage {
  client: number;
  weights: Float32Array[];
  rows: number;
}

export const LOGITS_MESSAGE_FIELDS = ["client", "logits", "rows", "classes"] as const;
export const WEIGHTS_MESSAGE_FIELDS = ["client", "weights", "rows"] as const;

const BYTES_PER_FLOAT = 4;

/** Bytes of one logits upload: rows × classes float32 values. */
export function logitBytes(rows: number, classes: number): number {
  return rows * classes * BYTES_PER_FLOAT;
}

/** Bytes of one parameter upload: parameters × 4 (float32). */
export function paramBytes(params: number): number {
  return params * BYTES_PER_FLOAT;
}

function checkFields(m: object, allowed: readonly string[], field: string): void {
  const keys = Object.keys(m);
  const extra = keys.filter((k) => !allowed.includes(k));
  if (extra.length) throw new Error(`${field} has field(s) ${extra.join(", ")}; a message holds only ${allowed.join(", ")}`);
  const missing = allowed.filter((k) => !keys.includes(k));
  if (missing.length) throw new Error(`${field} lacks ${missing.join(", ")}`);
}

const isCount = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v > 0;

/** Throws unless `m` is exactly a LogitsMessage with rows × classes finite logits. */
export function checkLogitsMessage(m: LogitsMessage, field = "message"): void {
  if (typeof m !== "object" || m === null) throw new Error(`${field} must be an object; got ${m === null ? "null" : typeof m}`);
  checkFields(m, LOGITS_MESSAGE_FIELDS, field);
  if (!(Number.isInteger(m.client) && m.client >= 0)) throw new Error(`${field}.client must be an integer ≥ 0; got ${m.client}`);
  if (!isCount(m.rows)) throw new Error(`${field}.rows must be a positive integer; got ${m.rows}`);
  if (!(isCount(m.classes) && m.classes >= 2)) throw new Error(`${field}.classes must be an integer ≥ 2; got ${m.classes}`);
  if (!(m.logits instanceof Float32Array)) throw new Error(`${field}.logits must be a Float32Array; got ${Object.prototype.toString.call(m.logits)}`);
  if (m.logits.length !== m.rows * m.classes) throw new Error(`${field}.logits has ${m.logits.length} values; rows × classes = ${m.rows} × ${m.classes} = ${m.rows * m.classes}`);
  for (let i = 0; i < m.logits.length; i++) if (!Number.isFinite(m.logits[i])) throw new Error(`${field}.logits[${i}] must be finite; got ${m.logits[i]}`);
}

/** Throws unless `m` is exactly a WeightsMessage. */
export function checkWeightsMessage(m: WeightsMessage, field = "message"): void {
  if (typeof m !== "object" || m === null) throw new Error(`${field} must be an object; got ${m === null ? "null" : typeof m}`);
  checkFields(m, WEIGHTS_MESSAGE_FIELDS, field);
  if (!(Number.isInteger(m.client) && m.client >= 0)) throw new Error(`${field}.client must be an integer ≥ 0; got ${m.client}`);
  if (!isCount(m.rows)) throw new Error(`${field}.rows must be a positive integer; got ${m.rows}`);
  if (!Array.isArray(m.weights) || m.weights.some((w) => !(w instanceof Float32Array))) throw new Error(`${field}.weights must be an array of Float32Array`);
}

/** Bytes of a WeightsMessage's parameters. */
export function weightsMessageBytes(m: WeightsMessage): number {
  return paramBytes(m.weights.reduce((a, w) => a + w.length, 0));
}

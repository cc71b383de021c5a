/**
 * The server. It is given messages and nothing else — no data set, no model,
 * no client object — so it cannot see a row or a label: distillation fuses
 * the clients' logits on the public rows into one soft target per row
 * (FedMD / FedDF style), FedAvg averages parameters weighted by shard size.
 */
import * as tf from "@tensorflow/tfjs";
import { fuseTargets, stackTeacherLogits } from "../../distill/multi-teacher";
import { LogitsMessage, WeightsMessage, checkLogitsMessage, checkWeightsMessage } from "./messages";

export type FusionRule = "mean" | "confidence";
export const FUSION_RULES: FusionRule[] = ["mean", "confidence"];

/**
 * Per-sample weights from each client's confidence: w_k(i) = c_k(i) / Σ_j c_j(i)
 * with c_k(i) the client's maximum probability (at T = 1) on row i. [K, n].
 */
export function confidenceWeights(logits: tf.Tensor3D): tf.Tensor2D {
  return tf.tidy(() => {
    const conf = tf.max(tf.softmax(logits), 2);
    return tf.div(conf, tf.sum(conf, 0, true)) as tf.Tensor2D;
  });
}

function checkRound(messages: readonly LogitsMessage[]): { rows: number; classes: number } {
  if (!messages || messages.length === 0) throw new Error("messages must list at least one client's message");
  messages.forEach((m, i) => checkLogitsMessage(m, `messages[${i}]`));
  const { rows, classes } = messages[0];
  messages.forEach((m, i) => {
    if (m.rows !== rows || m.classes !== classes) throw new Error(`messages[${i}] is [${m.rows}, ${m.classes}]; messages[0] is [${rows}, ${classes}] (every client answers on the same public rows)`);
  });
  const ids = messages.map((m) => m.client);
  const dup = ids.find((c, i) => ids.indexOf(c) !== i);
  if (dup !== undefined) throw new Error(`messages: client ${dup} sent twice`);
  return { rows, classes };
}

/** The fused soft targets Σ_k w_k · softmax(z_k / T), row-major [rows, classes]. */
export async function fuseLogitMessages(messages: readonly LogitsMessage[], rule: FusionRule, temperature: number): Promise<Float32Array> {
  if (!FUSION_RULES.includes(rule)) throw new Error(`fusion rule must be one of ${FUSION_RULES.join(", ")}; got ${JSON.stringify(rule)}`);
  const { rows, classes } = checkRound(messages);
  const fused = tf.tidy(() => {
    const stacked = stackTeacherLogits(messages.map((m) => tf.tensor2d(m.logits, [rows, classes])), classes, "messages");
    const k = messages.length;
    const weights = rule === "mean" ? tf.fill([k], 1 / k) as tf.Tensor1D : confidenceWeights(stacked);
    return fuseTargets(stacked, weights, temperature);
  });
  try {
    return (await fused.data()) as Float32Array;
  } finally {
    fused.dispose();
  }
}

/** FedAvg: Σ_k (rows_k / Σ rows) · weights_k, tensor by tensor (float64 sums, float32 out). */
export function averageWeights(messages: readonly WeightsMessage[]): Float32Array[] {
  if (!messages || messages.length === 0) throw new Error("messages must list at least one client's weights");
  messages.forEach((m, i) => checkWeightsMessage(m, `messages[${i}]`));
  const shapes = messages[0].weights.map((w) => w.length);
  messages.forEach((m, i) => {
    if (m.weights.length !== shapes.length || m.weights.some((w, j) => w.length !== shapes[j])) {
      throw new Error(`messages[${i}] has weights of sizes [${m.weights.map((w) => w.length)}]; messages[0] has [${shapes}] (FedAvg needs one architecture)`);
    }
  });
  const total = messages.reduce((a, m) => a + m.rows, 0);
  return shapes.map((size, j) => {
    const acc = new Float64Array(size);
    for (const m of messages) {
      const f = m.rows / total;
      const w = m.weights[j];
      for (let i = 0; i < size; i++) acc[i] += f * w[i];
    }
    return Float32Array.from(acc);
  });
}

/**
 * CRD's memory bank (Tian et al., ICLR 2020): a projected, normalised
 * embedding of every training row for the student and for the teacher, each
 * row refreshed by momentum when its batch comes round. A batch's negatives
 * are K rows drawn from the banks (seeded by the step) instead of the batch's
 * other rows, so K can exceed the batch. The objective is the softmax form
 * (one positive against K memory negatives, both directions), not the NCE
 * estimate of the paper's main loss. The banks are not part of a resume state.
 */
import * as tf from "@tensorflow/tfjs";
import { Rng, deriveSeed } from "../core/seed";
import { l2Normalize } from "./contrastive";

export interface CrdMemory {
  rows: number;
  negatives: number;
  student: tf.Variable;
  teacher: tf.Variable;
  /** The bank rows used as negatives at `step`. */
  negativesAt(step: number): number[];
  /** The loss of a batch (embeddings normalised, rows `indices` of the training set); queues the banks' refresh for the next call. */
  loss(s: tf.Tensor2D, t: tf.Tensor2D, indices: tf.Tensor1D, step: number): tf.Scalar;
  /** Applies a queued refresh now (the next loss call does it anyway). */
  flush(): void;
  dispose(): void;
}

/** −log softmax(row)[0], averaged over rows. */
const firstNll = (logits: tf.Tensor2D) => tf.mean(tf.sub(tf.logSumExp(logits, 1), tf.squeeze(tf.slice(logits, [0, 0], [-1, 1]), [1])));

export function createCrdMemory(rows: number, dim: number, negatives: number, tau: number, momentum: number, seed: number): CrdMemory {
  if (!(Number.isInteger(rows) && rows >= 2)) throw new Error(`crd memory: needs the number of training rows (≥ 2); got ${rows}`);
  if (!(Number.isInteger(negatives) && negatives >= 1)) throw new Error(`crd: negatives must be a positive integer; got ${negatives}`);
  if (!(momentum >= 0 && momentum < 1)) throw new Error(`crd: momentum must be in [0, 1); got ${momentum}`);
  const bank = (label: string) => tf.tidy(() => tf.variable(l2Normalize(tf.randomNormal([rows, dim], 0, 1, "float32", deriveSeed(seed, "crd-bank", label)) as tf.Tensor2D), false));
  const student = bank("student");
  const teacher = bank("teacher");
  let pending: { idx: tf.Tensor1D; s: tf.Tensor2D; t: tf.Tensor2D } | null = null;
  const refresh = (b: tf.Variable, idx: tf.Tensor1D, fresh: tf.Tensor2D) =>
    tf.tidy(() => {
      const old = tf.gather(b, idx) as tf.Tensor2D;
      const mixed = l2Normalize(tf.add(tf.mul(old, momentum), tf.mul(fresh, 1 - momentum)) as tf.Tensor2D);
      b.assign(tf.add(b, tf.scatterND(tf.expandDims(idx, 1), tf.sub(mixed, old), [rows, dim])) as tf.Tensor2D);
    });
  const flush = () => {
    if (!pending) return;
    refresh(student, pending.idx, pending.s);
    refresh(teacher, pending.idx, pending.t);
    tf.dispose([pending.idx, pending.s, pending.t]);
    pending = null;
  };
  const negativesAt = (step: number) => {
    const rng = new Rng(deriveSeed(seed, "crd-negatives", step));
    return Array.from({ length: negatives }, () => rng.int(rows));
  };
  return {
    rows,
    negatives,
    student,
    teacher,
    negativesAt,
    flush,
    loss(s, t, indices, step) {
      flush();
      const out = tf.tidy(() => {
        const neg = tf.tensor1d(negativesAt(step), "int32");
        const pos = tf.sum(tf.mul(s, t), 1, true);
        const sSide = tf.div(tf.concat([pos, tf.matMul(s, tf.gather(teacher, neg) as tf.Tensor2D, false, true)], 1), tau) as tf.Tensor2D;
        const tSide = tf.div(tf.concat([pos, tf.matMul(t, tf.gather(student, neg) as tf.Tensor2D, false, true)], 1), tau) as tf.Tensor2D;
        return tf.mul(tf.add(firstNll(sSide), firstNll(tSide)), 0.5) as tf.Scalar;
      });
      pending = { idx: tf.keep(tf.cast(indices, "int32").clone()) as tf.Tensor1D, s: tf.keep(s.clone()) as tf.Tensor2D, t: tf.keep(t.clone()) as tf.Tensor2D };
      return out;
    },
    dispose() {
      if (pending) tf.dispose([pending.idx, pending.s, pending.t]);
      pending = null;
      student.dispose();
      teacher.dispose();
    },
  };
}

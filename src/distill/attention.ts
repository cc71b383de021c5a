/**
 * Attention distillation: the student's attention matrices are pulled towards
 * the teacher's (as in TinyBERT / MiniLM). Maps are [batch, heads, seq, seq]
 * with rows that sum to 1. With "mean" the heads of each model are averaged
 * first (works for any head counts); with "match" head h of the student is
 * compared with head h of the teacher (head counts must be equal).
 */
import * as tf from "@tensorflow/tfjs";

export type AttentionLossKind = "mse" | "kl";
export type HeadMode = "mean" | "match";

const shapeStr = (s: readonly number[]) => `[${s.join(", ")}]`;

function align(student: tf.Tensor4D, teacher: tf.Tensor4D, heads: HeadMode): [tf.Tensor4D, tf.Tensor4D] {
  if (student.rank !== 4 || teacher.rank !== 4) throw new Error(`attention maps must be [batch, heads, seq, seq]; got student ${shapeStr(student.shape)}, teacher ${shapeStr(teacher.shape)}`);
  const [bs, hs, qs, ks] = student.shape;
  const [bt, ht, qt, kt] = teacher.shape;
  if (bs !== bt || qs !== qt || ks !== kt) throw new Error(`attention maps differ in batch or sequence: student ${shapeStr(student.shape)}, teacher ${shapeStr(teacher.shape)}`);
  if (heads === "match") {
    if (hs !== ht) throw new Error(`heads "match" needs equal head counts: student ${shapeStr(student.shape)}, teacher ${shapeStr(teacher.shape)} (use heads "mean")`);
    return [student, teacher];
  }
  if (heads !== "mean") throw new Error(`heads must be "mean" or "match"; got "${heads}"`);
  return [tf.mean(student, 1, true) as tf.Tensor4D, tf.mean(teacher, 1, true) as tf.Tensor4D];
}

/**
 * mse: mean over all entries of (A_s − A_t)².
 * kl: mean over samples, heads and query rows of KL(A_t row ‖ A_s row).
 */
export function attentionLoss(student: tf.Tensor4D, teacher: tf.Tensor4D, opts: { loss?: AttentionLossKind; heads?: HeadMode } = {}): tf.Scalar {
  const kind = opts.loss ?? "kl";
  return tf.tidy(() => {
    const [s, t] = align(student, teacher, opts.heads ?? "mean");
    if (kind === "mse") return tf.mean(tf.squaredDifference(s, t)) as tf.Scalar;
    if (kind === "kl") {
      const eps = 1e-8;
      const kl = tf.sum(tf.mul(t, tf.sub(tf.log(tf.add(t, eps)), tf.log(tf.add(s, eps)))), -1);
      return tf.mean(kl) as tf.Scalar;
    }
    throw new Error(`attention loss must be "mse" or "kl"; got "${kind}"`);
  });
}

/**
 * How alike two attention patterns are: the cosine similarity of the flattened
 * seq×seq maps, averaged over samples and heads (heads matched when the counts
 * are equal and `heads` is "match", else each model's heads averaged first).
 * 1 = identical patterns.
 */
export function attentionSimilarity(student: tf.Tensor4D, teacher: tf.Tensor4D, heads: HeadMode = "mean"): number {
  return tf.tidy(() => attentionSimilarityTensor(student, teacher, heads).dataSync()[0]);
}

/** attentionSimilarity as a scalar tensor, for callers that read asynchronously. */
export function attentionSimilarityTensor(student: tf.Tensor4D, teacher: tf.Tensor4D, heads: HeadMode = "mean"): tf.Scalar {
  return tf.tidy(() => {
    const [s, t] = align(student, teacher, heads);
    const [b, h] = s.shape;
    const sf = tf.reshape(s, [b * h, -1]);
    const tt = tf.reshape(t, [b * h, -1]);
    const cos = tf.div(tf.sum(tf.mul(sf, tt), 1), tf.maximum(tf.mul(tf.norm(sf, 2, 1), tf.norm(tt, 2, 1)), 1e-12));
    return tf.mean(cos) as tf.Scalar;
  });
}

/** Which student attention layer is pulled towards which teacher layer. */
export interface AttentionPair {
  studentLayer: number;
  /** A negative index counts from the end (−1 = the teacher's last layer). */
  teacherLayer: number;
  loss?: AttentionLossKind;
  heads?: HeadMode;
}

/** Picks layer `i` (negative = from the end) from a list of attention maps, with a message naming the range. */
export function pickLayer<T>(maps: T[] | undefined, i: number, who: string): T {
  if (!maps || maps.length === 0) throw new Error(`${who} returns no attention maps (not an attention model)`);
  const k = i < 0 ? maps.length + i : i;
  if (k < 0 || k >= maps.length) throw new Error(`${who} has ${maps.length} attention layers; layer ${i} does not exist`);
  return maps[k];
}

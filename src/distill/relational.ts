/**
 * Relational distillation: the student keeps the teacher's relations between
 * the samples of a batch rather than its activations, so widths may differ
 * and no adapter is needed.
 *  - similarity-preserving (Tung & Mori 2019): row-normalised Gram matrices
 *    G = normalize_rows(F Fᵀ), loss = ‖G_s − G_t‖²_F / b²;
 *  - RKD distance (Park et al. 2019): pairwise Euclidean distances divided by
 *    their mean, smooth-L1 (Huber, δ = 1) between student and teacher;
 *  - RKD angle: cosines of the angles formed by every triple, smooth-L1.
 * Features of any rank are flattened per sample.
 */
import * as tf from "@tensorflow/tfjs";

export type RelationalKind = "sp" | "rkd-distance" | "rkd-angle";

function flat(f: tf.Tensor): tf.Tensor2D {
  return tf.reshape(f, [f.shape[0], -1]) as tf.Tensor2D;
}

function checkBatch(s: tf.Tensor, t: tf.Tensor): void {
  if (s.shape[0] !== t.shape[0]) throw new Error(`relational loss: student batch ${s.shape[0]} [${s.shape}] differs from teacher batch ${t.shape[0]} [${t.shape}]`);
}

/** Smooth-L1 (Huber with δ = 1), mean over elements. */
export function smoothL1(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    // 0.5·min(|d|,1)² + (|d| − min(|d|,1)): ½d² inside [−1, 1], |d| − ½ outside (no comparison op, so it differentiates).
    const d = tf.abs(tf.sub(a, b));
    const m = tf.minimum(d, 1);
    return tf.mean(tf.add(tf.mul(tf.square(m), 0.5), tf.sub(d, m))) as tf.Scalar;
  });
}

/** Row-L2-normalised Gram matrix F Fᵀ. */
function normGram(f: tf.Tensor2D): tf.Tensor2D {
  const g = tf.matMul(f, f, false, true);
  return tf.div(g, tf.sqrt(tf.add(tf.sum(tf.square(g), 1, true), 1e-12))) as tf.Tensor2D;
}

export function spLoss(student: tf.Tensor, teacher: tf.Tensor): tf.Scalar {
  checkBatch(student, teacher);
  return tf.tidy(() => {
    const b = student.shape[0];
    return tf.div(tf.sum(tf.squaredDifference(normGram(flat(student)), normGram(flat(teacher)))), b * b) as tf.Scalar;
  });
}

/** Pairwise Euclidean distances [b, b] (0 on the diagonal, gradient-safe). */
export function pairwiseDistances(f: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const sq = tf.sum(tf.square(f), 1, true);
    const d2 = tf.relu(tf.sub(tf.add(sq, tf.transpose(sq)), tf.mul(tf.matMul(f, f, false, true), 2)));
    const b = f.shape[0];
    const off = tf.sub(1, tf.eye(b));
    // sqrt has an infinite gradient at 0: keep the diagonal away from it, then zero it.
    return tf.mul(tf.sqrt(tf.add(d2, tf.mul(tf.eye(b), 1))), off) as tf.Tensor2D;
  });
}

function normalisedDistances(f: tf.Tensor2D): tf.Tensor2D {
  const d = pairwiseDistances(f);
  const b = f.shape[0];
  const meanOff = tf.div(tf.sum(d), Math.max(b * (b - 1), 1));
  return tf.div(d, tf.maximum(meanOff, 1e-12)) as tf.Tensor2D;
}

export function rkdDistanceLoss(student: tf.Tensor, teacher: tf.Tensor): tf.Scalar {
  checkBatch(student, teacher);
  return tf.tidy(() => {
    const b = student.shape[0];
    const off = tf.sub(1, tf.eye(b));
    const ds = tf.mul(normalisedDistances(flat(student)), off);
    const dt = tf.mul(normalisedDistances(flat(teacher)), off);
    // Mean over the b(b−1) off-diagonal pairs.
    return tf.div(tf.mul(smoothL1(ds, dt), b * b), Math.max(b * (b - 1), 1)) as tf.Scalar;
  });
}

/** cos ∠(e_i − e_j, e_k − e_j) for all triples, as [b, b, b] (index j in the middle: anchor). */
function angles(f: tf.Tensor2D): tf.Tensor3D {
  const diff = tf.sub(tf.expandDims(f, 0), tf.expandDims(f, 1)); // [j, i, d] = e_i − e_j
  // sqrt(‖·‖² + ε): finite gradient for i = j, where the difference is 0 (its unit vector is then 0).
  const unit = tf.div(diff, tf.sqrt(tf.add(tf.sum(tf.square(diff), 2, true), 1e-12))) as tf.Tensor3D;
  return tf.matMul(unit, unit, false, true) as tf.Tensor3D; // [j, i, k]
}

export function rkdAngleLoss(student: tf.Tensor, teacher: tf.Tensor): tf.Scalar {
  checkBatch(student, teacher);
  return tf.tidy(() => smoothL1(angles(flat(student)), angles(flat(teacher))));
}

export function relationalLoss(kind: RelationalKind, student: tf.Tensor, teacher: tf.Tensor): tf.Scalar {
  if (kind === "sp") return spLoss(student, teacher);
  if (kind === "rkd-distance") return rkdDistanceLoss(student, teacher);
  if (kind === "rkd-angle") return rkdAngleLoss(student, teacher);
  throw new Error(`relational loss must be "sp", "rkd-distance" or "rkd-angle"; got "${kind}"`);
}

/**
 * Contrastive representation distillation, in-batch form: the student's and
 * the teacher's embeddings of the same inputs, each through its own learned
 * linear projection and L2-normalised, are aligned by InfoNCE — for each row
 * the teacher embedding of the same input is the positive and the teacher
 * embeddings of the batch's other inputs are the negatives (Tian et al., ICLR
 * 2020, with the batch standing in for their memory bank of negatives).
 */
import * as tf from "@tensorflow/tfjs";
import { deriveSeed } from "../core/seed";
import { Adapter, createAdapter } from "./adapters";

/** [batch, …] → [batch, features]. */
export const flatRows = (t: tf.Tensor): tf.Tensor2D => tf.reshape(t, [t.shape[0], -1]) as tf.Tensor2D;

/** Rows scaled to unit L2 norm (ε keeps a zero row finite). */
export function l2Normalize(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.div(x, tf.sqrt(tf.add(tf.sum(tf.square(x), 1, true), 1e-12))) as tf.Tensor2D);
}

/**
 * InfoNCE over the batch: mean over rows i of −log softmax_j(s_i·t_j / τ)[i];
 * `symmetric` averages it with the same loss from the teacher's side. The
 * inputs are taken as given (normalise them first for cosine similarities).
 */
export function infoNce(s: tf.Tensor2D, t: tf.Tensor2D, tau: number, symmetric = true): tf.Scalar {
  if (!(Number.isFinite(tau) && tau > 0)) throw new Error(`crd: tau must be a finite number > 0; got ${tau}`);
  if (s.rank !== 2 || t.rank !== 2 || s.shape[0] !== t.shape[0] || s.shape[1] !== t.shape[1]) {
    throw new Error(`crd: student [${s.shape}] and teacher [${t.shape}] embeddings must be [batch, dim] of the same shape`);
  }
  if (s.shape[0] < 2) throw new Error(`crd: needs at least 2 rows per batch (the other rows are the negatives); got ${s.shape[0]}`);
  return tf.tidy(() => {
    const sim = tf.div(tf.matMul(s, t, false, true), tau) as tf.Tensor2D;
    const diag = (m: tf.Tensor2D) => tf.sum(tf.mul(m, tf.eye(m.shape[0])), 1);
    const side = (m: tf.Tensor2D) => tf.mean(tf.sub(tf.logSumExp(m, 1), diag(m)));
    const a = side(sim);
    return (symmetric ? tf.mul(tf.add(a, side(tf.transpose(sim) as tf.Tensor2D)), 0.5) : a) as tf.Scalar;
  });
}

export interface CrdHeads {
  student: Adapter;
  teacher: Adapter;
  variables: tf.Variable[];
  /** Both embeddings projected and normalised, then InfoNCE. */
  loss(studentFeature: tf.Tensor, teacherFeature: tf.Tensor): tf.Scalar;
  /** Both embeddings projected and normalised. */
  embed(studentFeature: tf.Tensor, teacherFeature: tf.Tensor): { s: tf.Tensor2D; t: tf.Tensor2D };
  dispose(): void;
}

/** The two projection heads (student width → dim, teacher width → dim), seeded, trained with the student. */
export function createCrdHeads(studentDim: number, teacherDim: number, dim: number, tau: number, seed: number, symmetric = true): CrdHeads {
  if (!(Number.isFinite(tau) && tau > 0)) throw new Error(`crd: tau must be a finite number > 0; got ${tau}`);
  const student = createAdapter("dense", studentDim, dim, deriveSeed(seed, "crd", "student"));
  const teacher = createAdapter("dense", teacherDim, dim, deriveSeed(seed, "crd", "teacher"));
  const embed = (sf: tf.Tensor, tfeat: tf.Tensor) => ({ s: l2Normalize(student.apply(flatRows(sf)) as tf.Tensor2D), t: l2Normalize(teacher.apply(flatRows(tfeat)) as tf.Tensor2D) });
  return {
    student,
    teacher,
    variables: [...student.variables, ...teacher.variables],
    embed,
    loss: (sf, tfeat) =>
      tf.tidy(() => {
        const e = embed(sf, tfeat);
        return infoNce(e.s, e.t, tau, symmetric);
      }),
    dispose() {
      student.dispose();
      teacher.dispose();
    },
  };
}

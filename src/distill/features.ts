/**
 * Feature (hint) distillation: a loss between a student activation and a
 * teacher activation, through a learned adapter when their widths differ
 * (FitNets). Which layers pair up is configuration (FeaturePair); a pairing
 * whose shapes differ and that has no adapter is rejected with both shapes.
 */
import * as tf from "@tensorflow/tfjs";
import { Adapter, AdapterKind, createAdapter } from "./adapters";

export type HintLossKind = "l2" | "cosine";

const shapeStr = (s: readonly number[]) => `[${s.join(", ")}]`;

/**
 * L2: mean over all elements of (s − t)² (0 for identical tensors).
 * cosine: mean over samples of 1 − cos(s_i, t_i), each sample flattened.
 * The teacher is an input: no gradient reaches it.
 */
export function hintLoss(student: tf.Tensor, teacher: tf.Tensor, kind: HintLossKind = "l2"): tf.Scalar {
  if (student.rank !== teacher.rank || student.shape.some((d, i) => d !== teacher.shape[i])) {
    throw new Error(`hint loss: student shape ${shapeStr(student.shape)} does not match teacher shape ${shapeStr(teacher.shape)}`);
  }
  return tf.tidy(() => {
    if (kind === "l2") return tf.mean(tf.squaredDifference(student, teacher)) as tf.Scalar;
    if (kind === "cosine") {
      const b = student.shape[0];
      const s = tf.reshape(student, [b, -1]);
      const t = tf.reshape(teacher, [b, -1]);
      const dot = tf.sum(tf.mul(s, t), 1);
      // sqrt(‖·‖² + ε): a finite gradient even for an all-zero (e.g. ReLU) feature.
      const nrm = (v: tf.Tensor) => tf.sqrt(tf.add(tf.sum(tf.square(v), 1), 1e-12));
      const norms = tf.mul(nrm(s), nrm(t));
      return tf.mean(tf.sub(1, tf.div(dot, norms))) as tf.Scalar;
    }
    throw new Error(`hint loss kind must be "l2" or "cosine"; got "${kind}"`);
  });
}

/** Which student feature is compared with which teacher feature, and how. */
export interface FeaturePair {
  /** Feature names as the models' forward() returns them. */
  student: string;
  teacher: string;
  /** Adapter from the student's width to the teacher's; "none" requires equal shapes. Default "none". */
  adapter?: AdapterKind | "none";
  loss?: HintLossKind;
}

export interface HintTerm {
  pair: FeaturePair;
  adapter: Adapter | null;
  /** The loss for one batch: student and teacher features of the same rows. */
  compute(studentFeature: tf.Tensor, teacherFeature: tf.Tensor): tf.Scalar;
}

/**
 * Checks a pairing against the shapes the two models produce (batch dimension
 * included, any batch size) and creates its adapter. Mismatched shapes without
 * an adapter, or an adapter that cannot bridge them, are errors naming both shapes.
 */
export function buildHintTerm(pair: FeaturePair, studentShape: number[], teacherShape: number[], seed: number): HintTerm {
  const kind = pair.adapter ?? "none";
  const what = `feature pair student "${pair.student}" ${shapeStr(studentShape)} → teacher "${pair.teacher}" ${shapeStr(teacherShape)}`;
  const same = studentShape.length === teacherShape.length && studentShape.every((d, i) => d === teacherShape[i]);
  let adapter: Adapter | null = null;
  if (kind === "none") {
    if (!same) throw new Error(`${what}: shapes differ and no adapter is configured (use adapter "dense" for vectors/sequences or "conv1x1" for feature maps)`);
  } else {
    const leadS = studentShape.slice(1, -1);
    const leadT = teacherShape.slice(1, -1);
    if (studentShape.length !== teacherShape.length || leadS.some((d, i) => d !== leadT[i])) {
      throw new Error(`${what}: a ${kind} adapter maps only the last (channel) dimension; the other dimensions must match`);
    }
    if (kind === "conv1x1" && studentShape.length !== 4) throw new Error(`${what}: a conv1x1 adapter needs feature maps [batch, h, w, c]`);
    if (kind === "dense" && studentShape.length === 4) throw new Error(`${what}: use a conv1x1 adapter for feature maps`);
    adapter = createAdapter(kind, studentShape[studentShape.length - 1], teacherShape[teacherShape.length - 1], seed);
  }
  const loss = pair.loss ?? "l2";
  return {
    pair,
    adapter,
    compute(s: tf.Tensor, t: tf.Tensor): tf.Scalar {
      return hintLoss(adapter ? adapter.apply(s) : s, t, loss);
    },
  };
}

/**
 * The frozen teacher's outputs on the training rows, computed once in inference
 * mode and gathered per batch: no gradient can reach the teacher, and a step
 * costs one student pass. Only what the loss terms ask for is cached.
 */
import * as tf from "@tensorflow/tfjs";
import type { TeacherBatch, TeacherNeeds } from "../distill/terms/types";
import { Trainable, forwardAll } from "./trainable";

export interface TeacherCache {
  logits?: tf.Tensor2D;
  features: Record<string, tf.Tensor>;
  attentions: Record<number, tf.Tensor4D>;
  /** Disposes what this cache computed (not logits given by the caller). */
  dispose(): void;
}

/** Merges the needs of several terms. */
export function mergeNeeds(needs: (TeacherNeeds | undefined)[]): Required<TeacherNeeds> {
  return {
    logits: needs.some((n) => n?.logits),
    features: [...new Set(needs.flatMap((n) => n?.features ?? []))],
    attentions: [...new Set(needs.flatMap((n) => n?.attentions ?? []))],
    hostInputs: needs.some((n) => n?.hostInputs),
  };
}

/** Caches the teacher's outputs on x; `givenLogits` (already cached by the caller) are used instead of recomputing. */
export function cacheTeacher(teacher: Trainable | undefined, x: tf.Tensor2D, needs: Required<TeacherNeeds>, givenLogits?: tf.Tensor2D): TeacherCache {
  const own: tf.Tensor[] = [];
  const cache: TeacherCache = { logits: givenLogits, features: {}, attentions: {}, dispose: () => own.forEach((t) => t.dispose()) };
  const wantLogits = needs.logits && !givenLogits;
  if (!teacher || (!wantLogits && !needs.features.length && !needs.attentions.length)) return cache;
  const got = forwardAll(teacher, x, (o) => [
    ...(wantLogits ? [o.logits] : []),
    ...needs.features.map((f) => o.features[f]),
    ...needs.attentions.map((l) => o.attentions![l]),
  ]);
  own.push(...got);
  let k = 0;
  if (wantLogits) cache.logits = got[k++] as tf.Tensor2D;
  needs.features.forEach((f) => (cache.features[f] = got[k++]));
  needs.attentions.forEach((l) => (cache.attentions[l] = got[k++] as tf.Tensor4D));
  return cache;
}

/** The cached outputs of the batch rows `idx` (call inside tf.tidy). */
export function gatherTeacher(c: TeacherCache, idx: tf.Tensor1D, withLogits: boolean): TeacherBatch {
  const b: TeacherBatch = { features: {}, attentions: {} };
  if (withLogits && c.logits) b.logits = tf.gather(c.logits, idx) as tf.Tensor2D;
  for (const [f, t] of Object.entries(c.features)) b.features[f] = tf.gather(t, idx);
  for (const [l, t] of Object.entries(c.attentions)) b.attentions[Number(l)] = tf.gather(t, idx) as tf.Tensor4D;
  return b;
}

/**
 * Teacher outputs. When the inputs are not augmented, the teacher's logits
 * on a fixed input set never change: compute them once, reuse them in every
 * epoch, every temperature and every seed.
 */
import * as tf from "@tensorflow/tfjs";

/** Logits of `model` on `x`, computed in batches in inference mode. The caller disposes the result. */
export function predictLogits(model: tf.LayersModel, x: tf.Tensor2D, batchSize = 512): tf.Tensor2D {
  return tf.tidy(() => {
    const parts: tf.Tensor[] = [];
    for (let start = 0; start < x.shape[0]; start += batchSize) {
      const size = Math.min(batchSize, x.shape[0] - start);
      parts.push(model.predict(x.slice([start, 0], [size, x.shape[1]])) as tf.Tensor);
    }
    return (parts.length === 1 ? parts[0] : tf.concat(parts, 0)) as tf.Tensor2D;
  });
}

/** Fraction of rows whose predicted classes agree between two logit tensors. */
export function agreement(a: tf.Tensor2D, b: tf.Tensor2D): number {
  if (a.shape[0] !== b.shape[0]) throw new Error(`agreement: row counts differ (${a.shape[0]} vs ${b.shape[0]})`);
  return tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(a, 1), tf.argMax(b, 1)), "float32")).dataSync()[0]);
}

/** Fraction of rows whose predicted class equals the label. */
export function accuracy(logits: tf.Tensor2D, labels: tf.Tensor1D): number {
  if (logits.shape[0] !== labels.shape[0]) throw new Error(`accuracy: ${logits.shape[0]} predictions for ${labels.shape[0]} labels`);
  return tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), tf.cast(labels, "int32")), "float32")).dataSync()[0]);
}

/** Teacher logits for a train and a test set, computed once. */
export interface TeacherOutputs {
  train: tf.Tensor2D;
  test: tf.Tensor2D;
  dispose(): void;
}

/** Owns the two logits tensors (disposing it disposes both). */
export function teacherOutputs(train: tf.Tensor2D, test: tf.Tensor2D): TeacherOutputs {
  return {
    train,
    test,
    dispose() {
      train.dispose();
      test.dispose();
    },
  };
}

export function cacheTeacherOutputs(teacher: tf.LayersModel, trainX: tf.Tensor2D, testX: tf.Tensor2D): TeacherOutputs {
  return teacherOutputs(predictLogits(teacher, trainX), predictLogits(teacher, testX));
}

/** A layers model's probabilities (softmax of its logits) for rows of inputs: the same code in Node (site builder) and in the page. */
import * as tf from "@tensorflow/tfjs";

export async function probsOf(model: tf.LayersModel, rows: Float32Array | number[], n: number): Promise<number[][]> {
  const p = tf.tidy(() => tf.softmax(model.predict(tf.tensor2d(rows, [n, rows.length / n])) as tf.Tensor2D));
  try {
    return (await p.array()) as number[][];
  } finally {
    p.dispose();
  }
}

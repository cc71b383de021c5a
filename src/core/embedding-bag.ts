/**
 * The mean of a row's embeddings, ids 0 = padding, as one kernel and its
 * gradient (a scatter-add), for the wasm and cpu backends:
 *
 *   EmbeddingBagMean      { ids [B, S], table [R, D] } → [B, D]
 *   EmbeddingBagMeanGrad  { dy [B, D], ids [B, S] }, attr rows R → [R, D]
 *
 * Written with tfjs ops (gather, mask, sum) the same mean costs ~24 ms forward
 * for a batch of 64 × 483 ids on wasm; these loops do it in one pass each.
 * Backends without these kernels (webgpu) take the ops path (NgramBag layer).
 */
import * as tf from "@tensorflow/tfjs";

export const EMBEDDING_BAG = "EmbeddingBagMean";
export const EMBEDDING_BAG_GRAD = "EmbeddingBagMeanGrad";
const BACKENDS = ["wasm", "cpu"];

type TensorInfo = tf.TensorInfo;
interface Buffers {
  readSync(dataId: object): tf.backend_util.BackendValues;
  makeOutput?(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: tf.backend_util.BackendValues): TensorInfo;
  makeTensorInfo?(shape: number[], dtype: tf.DataType, values?: tf.backend_util.BackendValues): TensorInfo;
}

// cpu has makeTensorInfo (and a makeOutput with other arguments); wasm has only makeOutput.
function output(b: Buffers, shape: number[], values: Float32Array): TensorInfo {
  if (b.makeTensorInfo) return b.makeTensorInfo(shape, "float32", values);
  return b.makeOutput!(shape, "float32", undefined, values);
}

function checkId(id: number, rows: number, row: number): void {
  if (!(Number.isInteger(id) && id >= 0 && id < rows)) throw new Error(`${EMBEDDING_BAG}: id ${id} in row ${row} is outside the table's rows [0, ${rows})`);
}

/** out[b] = Σ_{s: ids[b,s] > 0} table[ids[b,s]] / max(1, #{s: ids[b,s] > 0}). */
export function bagMean(ids: ArrayLike<number>, table: ArrayLike<number>, batch: number, slots: number, rows: number, dim: number): Float32Array {
  const out = new Float32Array(batch * dim);
  for (let b = 0; b < batch; b++) {
    let count = 0;
    const o = b * dim;
    for (let s = 0; s < slots; s++) {
      const id = ids[b * slots + s];
      if (id === 0) continue;
      checkId(id, rows, b);
      count++;
      const t = id * dim;
      for (let j = 0; j < dim; j++) out[o + j] += table[t + j];
    }
    if (count > 1) for (let j = 0; j < dim; j++) out[o + j] /= count;
  }
  return out;
}

/** d table[r] = Σ over (b, s) with ids[b,s] = r > 0 of dy[b] / count[b]. */
export function bagMeanGrad(dy: ArrayLike<number>, ids: ArrayLike<number>, batch: number, slots: number, rows: number, dim: number): Float32Array {
  const out = new Float32Array(rows * dim);
  for (let b = 0; b < batch; b++) {
    let count = 0;
    for (let s = 0; s < slots; s++) if (ids[b * slots + s] !== 0) count++;
    if (count === 0) continue;
    const scale = 1 / count;
    for (let s = 0; s < slots; s++) {
      const id = ids[b * slots + s];
      if (id === 0) continue;
      checkId(id, rows, b);
      const t = id * dim;
      for (let j = 0; j < dim; j++) out[t + j] += dy[b * dim + j] * scale;
    }
  }
  return out;
}

const forward: tf.KernelConfig["kernelFunc"] = ({ inputs, backend }) => {
  const b = backend as unknown as Buffers;
  const ids = inputs.ids as TensorInfo;
  const table = inputs.table as TensorInfo;
  if (ids.shape.length !== 2 || table.shape.length !== 2) throw new Error(`${EMBEDDING_BAG}: ids must be [batch, slots] and table [rows, dim]; got [${ids.shape}] and [${table.shape}]`);
  const [batch, slots] = ids.shape;
  const [rows, dim] = table.shape;
  return output(b, [batch, dim], bagMean(b.readSync(ids.dataId) as Float32Array, b.readSync(table.dataId) as Float32Array, batch, slots, rows, dim));
};

const backward: tf.KernelConfig["kernelFunc"] = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as Buffers;
  const dy = inputs.dy as TensorInfo;
  const ids = inputs.ids as TensorInfo;
  const rows = Number(attrs?.rows);
  const [batch, slots] = ids.shape;
  return output(b, [rows, dy.shape[1]], bagMeanGrad(b.readSync(dy.dataId) as Float32Array, b.readSync(ids.dataId) as Float32Array, batch, slots, rows, dy.shape[1]));
};

/** Registers both kernels (wasm and cpu) and the gradient; idempotent. */
export function installEmbeddingBag(): void {
  for (const backendName of BACKENDS) {
    if (!tf.getKernel(EMBEDDING_BAG, backendName)) tf.registerKernel({ kernelName: EMBEDDING_BAG, backendName, kernelFunc: forward });
    if (!tf.getKernel(EMBEDDING_BAG_GRAD, backendName)) tf.registerKernel({ kernelName: EMBEDDING_BAG_GRAD, backendName, kernelFunc: backward });
  }
  if (!tf.getGradient(EMBEDDING_BAG)) {
    tf.registerGradient({
      kernelName: EMBEDDING_BAG,
      inputsToSave: ["ids", "table"],
      gradFunc: (dy, saved) => {
        const [ids, table] = saved;
        return {
          ids: () => tf.zerosLike(ids),
          table: () => tf.engine().runKernel(EMBEDDING_BAG_GRAD, { dy: dy as tf.Tensor, ids }, { rows: table.shape[0] }) as tf.Tensor,
        };
      },
    });
  }
}

/** Whether the active backend has the kernels. */
export function hasEmbeddingBag(): boolean {
  return !!tf.getKernel(EMBEDDING_BAG, tf.getBackend());
}

/** The bag mean of float32 ids [B, S] over table [R, D] through the kernels (installEmbeddingBag first). */
export function embeddingBagMean(ids: tf.Tensor2D, table: tf.Tensor2D): tf.Tensor2D {
  return tf.engine().runKernel(EMBEDDING_BAG, { ids, table }) as tf.Tensor2D;
}

import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../src/backend";
import { buildMlp } from "../src/models/mlp";
import { crossEntropy } from "../src/distill/losses";
import { installWasmKernels, uninstallWasmKernels, wasmKernelsInfo } from "../src/wasm-kernels";

/** Deterministic values in [-1, 1) (mulberry32), so every backend gets the same inputs. */
function randomValues(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

function rand(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(randomValues(shape.reduce((p, d) => p * d, 1), seed), shape, "float32");
}

/** Runs fn on `backend` and returns its outputs as plain arrays (all tensors released). */
async function on(backend: "cpu" | "wasm", fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const outs = tf.tidy(fn);
  const vals = outs.map((t) => t.dataSync() as Float32Array);
  tf.dispose(outs);
  return vals;
}

function assertClose(actual: Float32Array[], expected: Float32Array[], what: string, rel = 1e-4): void {
  assert.is(actual.length, expected.length, `${what}: number of outputs`);
  expected.forEach((e, i) => {
    const a = actual[i];
    assert.is(a.length, e.length, `${what}[${i}]: size`);
    let scale = 1;
    let worst = 0;
    for (let j = 0; j < e.length; j++) {
      scale = Math.max(scale, Math.abs(e[j]));
      worst = Math.max(worst, Math.abs(a[j] - e[j]));
      if (!Number.isFinite(a[j])) assert.unreachable(`${what}[${i}][${j}] is ${a[j]}`);
    }
    assert.ok(worst <= rel * scale, `${what}[${i}]: max |diff| ${worst} > ${rel} × ${scale}`);
  });
}

test.before(async () => {
  await initBackend({ force: "wasm", log: false });
  installWasmKernels({ fastMatMul: true }); // in case DISTILL_WASM_FAST=0 is set in the environment
  // The cpu backend (the reference here) prints a "use tfjs-node" banner on first use.
  (tf.findBackend("cpu") as unknown as { firstUse?: boolean }).firstUse = false;
});

test.after(async () => {
  installWasmKernels({ fastMatMul: true });
  await tf.setBackend("wasm");
});

test("installWasmKernels patches the matmul kernels, fills the conv backprops, and is idempotent", () => {
  const first = installWasmKernels({ fastMatMul: true });
  const kernel = tf.getKernel("BatchMatMul", "wasm")!.kernelFunc;
  const fused = tf.getKernel("_FusedMatMul", "wasm")!.kernelFunc;
  const second = installWasmKernels({ fastMatMul: true });
  assert.equal(second, first);
  assert.equal(wasmKernelsInfo(), first);
  assert.is(tf.getKernel("BatchMatMul", "wasm")!.kernelFunc, kernel, "no double wrapping");
  assert.is(tf.getKernel("_FusedMatMul", "wasm")!.kernelFunc, fused);
  assert.equal(first.patched, ["BatchMatMul", "_FusedMatMul"]);
  for (const k of ["Conv2DBackpropFilter", "DepthwiseConv2dNativeBackpropFilter", "DepthwiseConv2dNativeBackpropInput"]) {
    assert.ok(first.filled.includes(k), `${k} filled`);
    assert.ok(tf.getKernel(k, "wasm"), `${k} registered on wasm`);
  }
  // Kernels wasm has natively and computes correctly are left alone.
  assert.not.ok(first.filled.includes("Conv2DBackpropInput"));
  assert.not.ok(first.filled.includes("AvgPoolGrad"));
  // Kernels wasm computes wrongly are replaced.
  assert.equal(first.replaced, ["Conv3DBackpropFilterV2", "Conv3DBackpropInputV2", "MaxPool3DGrad", "MaxPoolGrad"]);
});

test("matMul with every transpose combination matches the cpu backend", async () => {
  // [m, k] × [k, n] large enough to be rewritten, one too small to be, and a batched one (left to the
  // original, except fused products with a bias: wasm's own _FusedMatMul misplaces the bias there).
  for (const [batch, m, k, n] of [[0, 48, 40, 36], [0, 5, 7, 3], [3, 17, 9, 11], [1, 40, 50, 30]]) {
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        const shape = (r: number, c: number) => (batch ? [batch, r, c] : [r, c]);
        const f = () => {
          const a = rand(tA ? shape(k, m) : shape(m, k), 1);
          const b = rand(tB ? shape(n, k) : shape(k, n), 2);
          const bias = rand([n], 3);
          const fused = (activation: tf.fused.Activation, withBias = true) =>
            tf.fused.matMul({ a, b, transposeA: tA, transposeB: tB, bias: withBias ? bias : undefined, activation, preluActivationWeights: activation === "prelu" ? tf.mul(bias, 0.1) : undefined });
          return [
            tf.matMul(a, b, tA, tB),
            fused("relu"),
            fused("linear"),
            fused("elu", false),
            fused("leakyrelu"),
            fused("prelu"),
            fused("sigmoid"),
          ];
        };
        assertClose(await on("wasm", f), await on("cpu", f), `matMul b=${batch} [${m},${k}]x[${k},${n}] tA=${tA} tB=${tB}`);
      }
    }
  }
});

function mlpGrads(): tf.Tensor[] {
  const model = buildMlp({ inputDim: 32, hidden: [64, 48], outputDim: 10, seed: 7 });
  const x = rand([64, 32], 4) as tf.Tensor2D;
  const y = tf.tensor1d(Array.from({ length: 64 }, (_, i) => (i * 7) % 10), "int32");
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => crossEntropy(model.apply(x) as tf.Tensor2D, y), vars);
  const out = [value, ...vars.map((v) => grads[v.name])];
  model.dispose();
  return out;
}

test("dense-layer gradients on patched wasm equal unpatched wasm and cpu", async () => {
  const patched = await on("wasm", mlpGrads);
  uninstallWasmKernels();
  let unpatched: Float32Array[];
  try {
    assert.equal(wasmKernelsInfo().patched, []);
    unpatched = await on("wasm", mlpGrads);
  } finally {
    installWasmKernels({ fastMatMul: true });
  }
  const cpu = await on("cpu", mlpGrads);
  assert.is(patched.length, 7); // loss + 3 kernels + 3 biases
  assertClose(patched, unpatched, "patched vs unpatched wasm", 1e-5);
  assertClose(patched, cpu, "patched wasm vs cpu");
});

function convNetGrads(): tf.Tensor[] {
  const x = rand([4, 10, 10, 2], 11) as tf.Tensor4D;
  const filter = tf.variable(tf.mul(rand([3, 3, 2, 4], 12), 0.5) as tf.Tensor4D, true, "conv_filter");
  const dwFilter = tf.variable(tf.mul(rand([3, 3, 4, 1], 13), 0.5) as tf.Tensor4D, true, "dw_filter");
  const w = tf.variable(tf.mul(rand([5 * 5 * 4, 10], 14), 0.2) as tf.Tensor2D, true, "dense_w");
  const b = tf.variable(tf.zeros([10]), true, "dense_b");
  const y = tf.tensor1d([1, 3, 5, 7], "int32");
  const loss = (input: tf.Tensor4D) => {
    let h: tf.Tensor4D = tf.relu(tf.conv2d(input, filter, 1, "same"));
    h = tf.depthwiseConv2d(h, dwFilter, 1, "same");
    h = tf.maxPool(h, 2, 2, "valid");
    const logits = tf.add(tf.matMul(tf.reshape(h, [4, 100]), w), b) as tf.Tensor2D;
    return crossEntropy(logits, y);
  };
  const { value, grads } = tf.variableGrads(() => loss(x), [filter, dwFilter, w, b]);
  const dx = tf.grad((input: tf.Tensor) => loss(input as tf.Tensor4D))(x); // exercises Conv2DBackpropInput too
  const out = [value, grads[filter.name], grads[dwFilter.name], grads[w.name], grads[b.name], dx];
  tf.dispose([filter, dwFilter, w, b]);
  return out;
}

test("a small conv net (conv2d, depthwise conv, maxPool, dense) trains on wasm with cpu-equal gradients", async () => {
  const wasm = await on("wasm", convNetGrads);
  const cpu = await on("cpu", convNetGrads);
  assertClose(wasm, cpu, "conv net gradients");
  // and an avgPool variant through the layers API (fit runs the fallbacks inside the optimizer loop)
  await tf.setBackend("wasm");
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 3, kernelSize: 3, activation: "relu", kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.averagePooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 4, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
  model.compile({ optimizer: tf.train.sgd(0.1), loss: "meanSquaredError" });
  const xs = rand([8, 8, 8, 1], 21);
  const ys = rand([8, 4], 22);
  const h = await model.fit(xs, ys, { epochs: 3, batchSize: 8, verbose: 0 });
  const losses = h.history.loss as number[];
  assert.ok(losses.every(Number.isFinite) && losses[2] < losses[0], `loss decreases: ${losses}`);
  tf.dispose([xs, ys]);
  model.dispose();
});

function poolingGrads(): tf.Tensor[] {
  // No relu before the pooling: windows whose maximum is negative lose their gradient in wasm's own MaxPoolGrad.
  const x4 = rand([2, 6, 6, 3], 31);
  const x5 = rand([1, 4, 4, 4, 2], 32);
  const w5 = rand([2, 2, 2, 2, 3], 33);
  const weighted = (y: tf.Tensor, seed: number) => tf.sum(tf.mul(y, rand(y.shape, seed)));
  return [
    tf.grad((v: tf.Tensor) => weighted(tf.maxPool(v as tf.Tensor4D, 2, 2, "valid"), 34))(x4),
    tf.grad((v: tf.Tensor) => weighted(tf.maxPool(v as tf.Tensor4D, 3, 1, "same"), 35))(x4),
    tf.grad((v: tf.Tensor) => weighted(tf.avgPool(v as tf.Tensor4D, 2, 2, "same"), 36))(x4),
    tf.grad((v: tf.Tensor) => weighted(tf.maxPool3d(v as tf.Tensor5D, 2, 2, "same"), 37))(x5),
    tf.grad((v: tf.Tensor) => weighted(tf.conv3d(v as tf.Tensor5D, w5 as tf.Tensor5D, 2, "same"), 38))(x5),
    tf.grad((w: tf.Tensor) => weighted(tf.conv3d(x5 as tf.Tensor5D, w as tf.Tensor5D, 2, "same"), 39))(w5),
  ];
}

test("pooling and conv3d gradients on wasm match cpu (wasm's own MaxPoolGrad and Conv3D backprops are wrong)", async () => {
  assertClose(await on("wasm", poolingGrads), await on("cpu", poolingGrads), "pooling / conv3d gradients");
});

test("patched steps leak no tensors and no backend buffers", async () => {
  await tf.setBackend("wasm");
  const model = buildMlp({ inputDim: 64, hidden: [128], outputDim: 10, seed: 3 });
  const x = rand([64, 64], 5) as tf.Tensor2D;
  const y = tf.tensor1d(Array.from({ length: 64 }, (_, i) => i % 10), "int32");
  const convX = rand([2, 6, 6, 1], 6) as tf.Tensor4D;
  const filter = tf.variable(rand([3, 3, 1, 2], 7) as tf.Tensor4D);
  const opt = tf.train.sgd(0.01);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const step = () =>
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => crossEntropy(model.apply(x, { training: true }) as tf.Tensor2D, y), vars);
      opt.applyGradients(grads as unknown as Parameters<typeof opt.applyGradients>[0]);
      const { grads: g2 } = tf.variableGrads(() => tf.sum(tf.square(tf.maxPool(tf.conv2d(convX, filter, 1, "same"), 2, 2, "valid"))), [filter]);
      opt.applyGradients(g2 as unknown as Parameters<typeof opt.applyGradients>[0]);
      // batched fused product with a bias (the decomposed path) and a transposed one (the rewritten path)
      tf.fused.matMul({ a: tf.reshape(x, [4, 16, 64]), b: tf.ones([4, 64, 8]), bias: tf.ones([8]), activation: "relu" }).dataSync();
      tf.fused.matMul({ a: x, b: tf.ones([16, 64]), transposeB: true, bias: tf.ones([16]) }).dataSync();
    });
  const wasmBackend = tf.findBackend("wasm")!;
  const cpuBackend = tf.findBackend("cpu")!;
  step();
  step();
  const tensors = tf.memory().numTensors;
  const wasmBuffers = wasmBackend.numDataIds();
  const cpuBuffers = cpuBackend.numDataIds();
  for (let i = 0; i < 10; i++) step();
  assert.is(tf.memory().numTensors, tensors, "tf.memory().numTensors");
  assert.is(wasmBackend.numDataIds(), wasmBuffers, "wasm backend buffers");
  assert.is(cpuBackend.numDataIds(), cpuBuffers, "cpu backend buffers (fallback copies)");
  tf.dispose([x, y, convX, filter]);
  opt.dispose();
  model.dispose();
});

test.run();

/**
 * The webgpu backend (Dawn, src/webgpu.ts) computes what the cpu backend
 * computes, within float32 tolerance. Runs everywhere Dawn finds an adapter:
 * here (no GPU) that is OpenGL ES on Mesa's llvmpipe; on a GPU machine Vulkan.
 * Skips, saying why, only when no adapter can be created at all.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs";
import { distillationLoss } from "../src/distill/losses";
import { Rng } from "../src/core/seed";
import { SYNC_READ_MESSAGE, WebGpuInfo, dawnBackendsToTry, registerWebGpu } from "../src/webgpu";

let info: WebGpuInfo | null = null;
let skipReason = "";

test.before(async () => {
  await tf.setBackend("cpu");
  const cpu = tf.engine().registry["cpu"] as unknown as { firstUse?: boolean };
  cpu.firstUse = false; // no "install tfjs-node" banner
  try {
    info = await registerWebGpu();
  } catch (err) {
    skipReason = err instanceof Error ? err.message : String(err);
    console.log(`\n  webgpu tests SKIPPED: ${skipReason}\n`);
  }
});

const rand = (n: number, seed: number, scale = 1) => {
  const r = new Rng(seed);
  return Float32Array.from({ length: n }, () => (2 * r.next() - 1) * scale);
};

/** Runs `f` on the cpu backend, then on webgpu, with fresh tensors each time; returns both results as arrays. */
async function both(f: () => tf.Tensor[]): Promise<{ cpu: Float32Array[]; gpu: Float32Array[] }> {
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    const outs = tf.tidy(f);
    const vals = await Promise.all(outs.map((t) => t.data() as Promise<Float32Array>));
    outs.forEach((t) => t.dispose());
    return vals;
  };
  return { cpu: await run("cpu"), gpu: await run("webgpu") };
}

function assertClose(gpu: Float32Array, cpu: Float32Array, tol: number, what: string): void {
  assert.is(gpu.length, cpu.length, `${what}: length`);
  let worst = 0;
  for (let i = 0; i < cpu.length; i++) {
    const d = Math.abs(gpu[i] - cpu[i]) / Math.max(1, Math.abs(cpu[i]));
    if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d;
  }
  assert.ok(worst <= tol, `${what}: max relative difference ${worst} > ${tol}`);
}

test("Dawn backend choice: DISTILL_WEBGPU_BACKEND", () => {
  assert.equal(dawnBackendsToTry(undefined), ["vulkan", "opengles"]);
  assert.equal(dawnBackendsToTry("auto"), ["vulkan", "opengles"]);
  assert.equal(dawnBackendsToTry("OpenGLES"), ["opengles"]);
  assert.throws(() => dawnBackendsToTry("metal"), /DISTILL_WEBGPU_BACKEND must be one of vulkan, opengles or auto/);
});

test("an adapter was found", () => {
  if (!info) return;
  console.log(`  webgpu adapter: ${info.summary}`);
  assert.ok(tf.engine().registryFactory["webgpu"], "backend registered");
});

test("matMul (plain and transposed) matches cpu", async () => {
  if (!info) return;
  const a = rand(64 * 96, 1);
  const b = rand(96 * 32, 2);
  const { cpu, gpu } = await both(() => {
    const A = tf.tensor2d(a, [64, 96]);
    const B = tf.tensor2d(b, [96, 32]);
    return [tf.matMul(A, B), tf.matMul(A.transpose(), A, false, false), tf.matMul(A, B.transpose(), false, true), tf.matMul(A, A, true, false)];
  });
  ["A·B", "Aᵀ·A", "A·(Bᵀ)ᵀ", "transposeA"].forEach((what, i) => assertClose(gpu[i], cpu[i], 1e-5, what));
});

test("softmax and log-softmax (also at a temperature) match cpu", async () => {
  if (!info) return;
  const z = rand(32 * 10, 3, 8);
  const { cpu, gpu } = await both(() => {
    const Z = tf.tensor2d(z, [32, 10]);
    return [tf.softmax(Z), tf.logSoftmax(Z), tf.softmax(tf.div(Z, 4)), tf.logSoftmax(tf.div(Z, 0.5))];
  });
  ["softmax", "logSoftmax", "softmax T=4", "logSoftmax T=0.5"].forEach((what, i) => assertClose(gpu[i], cpu[i], 1e-5, what));
});

test("a dense-layer distillation training step: loss, gradients and the Adam update match cpu", async () => {
  if (!info) return;
  const [n, d, h, k] = [48, 20, 16, 5];
  const init = { w1: rand(d * h, 4, 0.4), b1: rand(h, 5, 0.1), w2: rand(h * k, 6, 0.4), b2: rand(k, 7, 0.1) };
  const x = rand(n * d, 8);
  const teacher = rand(n * k, 9, 4);
  const labels = Int32Array.from({ length: n }, (_, i) => (i * 7) % k);
  const { cpu, gpu } = await both(() => {
    const v = {
      w1: tf.variable(tf.tensor2d(init.w1, [d, h])),
      b1: tf.variable(tf.tensor1d(init.b1)),
      w2: tf.variable(tf.tensor2d(init.w2, [h, k])),
      b2: tf.variable(tf.tensor1d(init.b2)),
    };
    const X = tf.tensor2d(x, [n, d]);
    const loss = () => {
      const logits = tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(X, v.w1), v.b1)), v.w2), v.b2) as tf.Tensor2D;
      return distillationLoss({ studentLogits: logits, teacherLogits: tf.tensor2d(teacher, [n, k]), labels: tf.tensor1d(labels, "int32"), temperature: 4, alpha: 0.5 }).total;
    };
    const { value, grads } = tf.variableGrads(loss, Object.values(v));
    const opt = tf.train.adam(0.01);
    opt.applyGradients(grads as unknown as Parameters<typeof opt.applyGradients>[0]);
    const out = [value, ...Object.values(v).map((w) => grads[w.name]), ...Object.values(v).map((w) => w.clone())];
    opt.dispose();
    Object.values(v).forEach((w) => w.dispose());
    return out;
  });
  const names = ["loss", "dW1", "db1", "dW2", "db2", "W1 after Adam", "b1 after Adam", "W2 after Adam", "b2 after Adam"];
  names.forEach((what, i) => assertClose(gpu[i], cpu[i], i === 0 ? 1e-5 : 1e-4, what));
  assert.ok(Math.abs(cpu[1][0]) + Math.abs(cpu[3][0]) > 0, "gradients are not trivially zero");
});

test("synchronous reads fail with a clear message, not a ReferenceError", async () => {
  if (!info) return;
  await tf.setBackend("webgpu");
  const t = tf.matMul(tf.ones([64, 64]), tf.ones([64, 64]));
  assert.throws(() => t.dataSync(), (e: Error) => e.message === SYNC_READ_MESSAGE);
  assert.is((await t.data())[0], 64);
  t.dispose();
});

test("the trainer runs on webgpu (asynchronous reads only) and matches cpu", async () => {
  if (!info) return;
  const { loadDigits } = await import("../src/data/digits");
  const { buildMlp } = await import("../src/models/mlp");
  const { train } = await import("../src/train/trainer");
  const p = loadDigits({ seed: 0 });
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    const d = { train: p.train.toTensors(), test: p.test.toTensors() };
    const m = buildMlp({ inputDim: 64, hidden: [16], outputDim: 10, seed: 1 });
    const h = await train(m, d, { epochs: 2, batchSize: 64, learningRate: 1e-2, seed: 1 });
    const w = (await m.getWeights()[0].data()) as Float32Array;
    m.dispose();
    [d.train.x, d.train.y, d.test.x, d.test.y].forEach((t) => t.dispose());
    return { h, w };
  };
  const cpu = await run("cpu");
  const gpu = await run("webgpu");
  gpu.h.forEach((r, i) => assert.ok(Math.abs(r.loss - cpu.h[i].loss) < 1e-4, `epoch ${i + 1} loss ${r.loss} vs ${cpu.h[i].loss}`));
  assertClose(gpu.w, cpu.w, 1e-3, "first-layer weights after 2 epochs");
});

test.after(async () => {
  await tf.setBackend("cpu");
});

test.run();

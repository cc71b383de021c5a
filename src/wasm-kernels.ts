/**
 * Kernel-level fixes for the wasm backend (tfjs-backend-wasm 4.22 in Node).
 *
 * 1. Fast transposed matrix products. The wasm `BatchMatMul` / `_FusedMatMul`
 *    kernels hit their fast (XNNPACK) path only for a plain `a · b`; with
 *    `transposeA` or `transposeB` set they fall back to a loop that runs at
 *    ~1–3 GFLOP/s instead of ~20–40. The gradients of every dense layer are
 *    such products (dx = dy · Wᵀ, dW = xᵀ · dy), so they dominated training.
 *    The wrapper registered here materialises the transpose with the wasm
 *    `Transpose` kernel and calls the original kernel without the flag. It
 *    works below the engine: gradients, tidy and tf.memory() see one kernel
 *    call exactly as before, and the intermediate transposes are released at
 *    the backend level before the kernel returns.
 *    Only single-matrix products (batch dims of size 1) of a useful size are
 *    rewritten: measured here, true batched products take the slow path with
 *    or without the flags, and tiny ones gain nothing from an extra copy.
 *
 * 2. Missing kernels. wasm lacks kernels that training needs, e.g.
 *    `Conv2DBackpropFilter` (any conv net's weight gradient) and the depthwise
 *    conv backprops. They are registered on wasm as a fallback that copies the
 *    inputs to the cpu backend, runs its kernel there and copies the result
 *    back. Slow (pure JS) but correct.
 *
 * 3. Wrong kernels. Some gradient kernels wasm does have give wrong results
 *    (checked against the cpu backend and against finite differences):
 *    `MaxPoolGrad` loses the gradient of windows whose maximum is negative
 *    (e.g. 2×2 pooling with stride 2 after a conv without relu), `MaxPool3DGrad`
 *    likewise, and `Conv3DBackpropInputV2` / `Conv3DBackpropFilterV2` return
 *    zeros or wrong values for most strides and paddings. They are replaced by
 *    the same cpu fallback.
 *
 * 4. Slow kernels. `UnsortedSegmentSum` (the gradient of gather, so of every
 *    embedding) would come from the cpu backend, whose loop is once per
 *    segment; a one-pass scatter-add (core/segment-sum.ts) is registered instead.
 *
 * DISTILL_WASM_FAST=0 skips (1), for before/after comparisons; (2) and (3)
 * are always installed because they are about correctness, not speed.
 */
import * as tf from "@tensorflow/tfjs";
import { unsortedSegmentSumKernel } from "./core/segment-sum";

type KernelConfig = tf.KernelConfig;
type TensorInfo = tf.TensorInfo;
type KernelFunc = KernelConfig["kernelFunc"];
type KernelArgs = Parameters<KernelFunc>[0];

/** The wasm backend's internals that the wrappers use (not part of its public typings). */
interface WasmBackendLike extends tf.KernelBackend {
  disposeData(dataId: object, force?: boolean): boolean;
  readSync(dataId: object): tf.backend_util.BackendValues;
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: tf.backend_util.BackendValues): TensorInfo;
}

/** Kernels whose transposed products are rewritten. */
export const MATMUL_KERNELS = ["BatchMatMul", "_FusedMatMul"] as const;

/**
 * Kernels filled in from the cpu backend when wasm lacks them: the backprops
 * of convolutions and pooling, and the gradient of gather (UnsortedSegmentSum).
 * Each is registered only if wasm has no kernel of that name.
 */
export const FALLBACK_KERNELS = [
  "Conv2DBackpropFilter",
  "Conv2DBackpropInput",
  "DepthwiseConv2dNativeBackpropFilter",
  "DepthwiseConv2dNativeBackpropInput",
  "AvgPoolGrad",
  "AvgPool3DGrad",
  "Einsum",
] as const;

/** Kernels wasm lacks that get a fast implementation of their own (section 4 of the header). */
export const NATIVE_KERNELS: Record<string, KernelFunc> = { UnsortedSegmentSum: unsortedSegmentSumKernel };

/** Kernels wasm has but computes wrongly (see the header): always served by the cpu backend. */
export const REPLACED_KERNELS = ["MaxPoolGrad", "MaxPool3DGrad", "Conv3DBackpropInputV2", "Conv3DBackpropFilterV2"] as const;

/**
 * Products smaller than this many multiply-adds (m·n·k) keep the flags: the
 * extra transpose costs about as much as the slow loop saves there.
 */
export const MIN_MACS_TO_REWRITE = 1 << 15;

// Shared through the global object so that two copies of this module (e.g.
// loaded through different paths) still agree on what is installed.
interface State {
  originals: Map<string, KernelConfig>;
  patched: Set<string>;
  filled: Set<string>;
  replaced: Set<string>;
}
const STATE_KEY = Symbol.for("distill-workbench.wasm-kernels");
function state(): State {
  const g = globalThis as unknown as Record<symbol, State | undefined>;
  return (g[STATE_KEY] ??= { originals: new Map(), patched: new Set(), filled: new Set(), replaced: new Set() });
}

export interface WasmKernelsInfo {
  /** Kernels wrapped with the explicit-transpose rewrite. */
  patched: string[];
  /** Kernels wasm lacked, now served by the cpu backend (or by segment-sum.ts). */
  filled: string[];
  /** Kernels wasm computes wrongly, now served by the cpu backend. */
  replaced: string[];
}

/** Whether DISTILL_WASM_FAST allows the matmul rewrite (anything but "0"/"false"/"off"). */
export function wasmFastEnabled(): boolean {
  const v = (process.env.DISTILL_WASM_FAST ?? "").trim().toLowerCase();
  return !(v === "0" || v === "false" || v === "off" || v === "no");
}

/** What is installed now. */
export function wasmKernelsInfo(): WasmKernelsInfo {
  const s = state();
  return { patched: [...s.patched].sort(), filled: [...s.filled].sort(), replaced: [...s.replaced].sort() };
}

function ensureWasmKernelsRegistered(): void {
  if (!tf.getKernel("BatchMatMul", "wasm")) require("@tensorflow/tfjs-backend-wasm");
}

/**
 * Installs the matmul rewrite (unless DISTILL_WASM_FAST=0 or `fastMatMul: false`)
 * and the cpu fallbacks. Idempotent: a second call changes nothing and returns
 * the same lists. Safe to call before or after the wasm backend is active.
 */
export function installWasmKernels(opts: { fastMatMul?: boolean } = {}): WasmKernelsInfo {
  ensureWasmKernelsRegistered();
  const s = state();
  if (opts.fastMatMul ?? wasmFastEnabled()) {
    for (const name of MATMUL_KERNELS) {
      if (s.patched.has(name)) continue;
      const original = tf.getKernel(name, "wasm");
      if (!original) continue;
      s.originals.set(name, original);
      tf.unregisterKernel(name, "wasm");
      tf.registerKernel({
        kernelName: name,
        backendName: "wasm",
        kernelFunc: explicitTransposeMatMul(original.kernelFunc, name === "_FusedMatMul"),
        // Re-running the original setup on a re-initialised backend keeps its cwrap valid.
        setupFunc: original.setupFunc,
        disposeFunc: original.disposeFunc,
      });
      s.patched.add(name);
    }
  }
  for (const name of FALLBACK_KERNELS) {
    if (s.filled.has(name) || tf.getKernel(name, "wasm")) continue;
    const cpuKernel = tf.getKernel(name, "cpu");
    if (!cpuKernel) continue;
    tf.registerKernel({ kernelName: name, backendName: "wasm", kernelFunc: viaCpu(name, cpuKernel.kernelFunc) });
    s.filled.add(name);
  }
  for (const [name, kernelFunc] of Object.entries(NATIVE_KERNELS)) {
    if (s.filled.has(name) || tf.getKernel(name, "wasm")) continue;
    tf.registerKernel({ kernelName: name, backendName: "wasm", kernelFunc });
    s.filled.add(name);
  }
  for (const name of REPLACED_KERNELS) {
    if (s.replaced.has(name)) continue;
    const original = tf.getKernel(name, "wasm");
    const cpuKernel = tf.getKernel(name, "cpu");
    if (!cpuKernel) continue;
    if (original) {
      s.originals.set(name, original);
      tf.unregisterKernel(name, "wasm");
    }
    tf.registerKernel({ kernelName: name, backendName: "wasm", kernelFunc: viaCpu(name, cpuKernel.kernelFunc) });
    s.replaced.add(name);
  }
  return wasmKernelsInfo();
}

/** Restores the original wasm kernels (wrong ones included) and removes the fallbacks (for tests). */
export function uninstallWasmKernels(): void {
  const s = state();
  for (const name of [...s.patched, ...s.replaced]) {
    tf.unregisterKernel(name, "wasm");
    const original = s.originals.get(name);
    if (original) tf.registerKernel(original);
  }
  for (const name of s.filled) tf.unregisterKernel(name, "wasm");
  s.patched.clear();
  s.filled.clear();
  s.replaced.clear();
  s.originals.clear();
}

function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return perm;
}

function outerSize(shape: number[]): number {
  return shape.slice(0, -2).reduce((p, d) => p * d, 1);
}

function wasmKernel(name: string): KernelFunc {
  const k = tf.getKernel(name, "wasm");
  if (!k) throw new Error(`wasm kernel ${name} is not registered`);
  return k.kernelFunc;
}

/** The activation of a fused product, applied with the wasm kernels. */
function applyActivation(x: TensorInfo, args: KernelArgs): TensorInfo {
  const { backend, attrs, inputs } = args;
  const activation = String(attrs?.activation ?? "linear");
  const unary = (name: string, extra: Record<string, unknown> = {}) =>
    wasmKernel(name)({ inputs: { x, ...extra } as tf.NamedTensorInfoMap, backend, attrs: {} }) as TensorInfo;
  switch (activation) {
    case "relu":
      return unary("Relu");
    case "relu6":
      return unary("Relu6");
    case "elu":
      return unary("Elu");
    case "sigmoid":
      return unary("Sigmoid");
    case "prelu":
      return unary("Prelu", { alpha: inputs.preluActivationWeights });
    case "leakyrelu":
      return wasmKernel("LeakyRelu")({ inputs: { x }, backend, attrs: { alpha: (attrs?.leakyreluAlpha as number | undefined) ?? 0.2 } }) as TensorInfo;
    default:
      throw new Error(`_FusedMatMul: activation ${activation} is not supported on wasm`);
  }
}

/**
 * Wraps a wasm matmul kernel (BatchMatMul or _FusedMatMul: both take inputs
 * a, b and attrs transposeA, transposeB; other inputs and attrs pass through).
 *
 * - A single-matrix product with a transpose flag gets the operand transposed
 *   explicitly (wasm Transpose kernel) and runs as a plain product.
 * - The original _FusedMatMul adds the bias at the wrong positions on its slow
 *   path (any transpose flag, or batch dims > 1): rows after the first get
 *   the wrong bias entries. A fused product with a bias is therefore always
 *   rewritten when transposed, and a batched one is computed as product, then
 *   Add(bias), then the activation kernel.
 */
function explicitTransposeMatMul(original: KernelFunc, fused: boolean): KernelFunc {
  return (args: KernelArgs) => {
    const { inputs, backend, attrs } = args;
    const a = inputs.a as TensorInfo;
    const b = inputs.b as TensorInfo;
    if (a.dtype !== "float32" || b.dtype !== "float32" || a.shape.length < 2 || b.shape.length < 2) return original(args);
    const transposeA = Boolean(attrs?.transposeA);
    const transposeB = Boolean(attrs?.transposeB);
    const bias = fused ? (inputs.bias as TensorInfo | undefined) : undefined;
    const batched = outerSize(a.shape) !== 1 || outerSize(b.shape) !== 1;
    const m = a.shape[a.shape.length - (transposeA ? 1 : 2)];
    const k = a.shape[a.shape.length - (transposeA ? 2 : 1)];
    const n = b.shape[b.shape.length - (transposeB ? 2 : 1)];
    const rewrite = (transposeA || transposeB) && !batched && (bias != null || m * n * k >= MIN_MACS_TO_REWRITE);
    const decompose = bias != null && batched;
    if (!rewrite && !decompose) return original(args);

    const wasm = backend as WasmBackendLike;
    const temps: TensorInfo[] = [];
    const keep = <T extends TensorInfo>(t: T): T => {
      temps.push(t);
      return t;
    };
    const explicit = (x: TensorInfo): TensorInfo =>
      keep(wasmKernel("Transpose")({ inputs: { x }, backend, attrs: { perm: swapLastTwo(x.shape.length) } }) as TensorInfo);
    try {
      const a2 = rewrite && transposeA ? explicit(a) : a;
      const b2 = rewrite && transposeB ? explicit(b) : b;
      const flags = rewrite ? { transposeA: false, transposeB: false } : { transposeA, transposeB };
      if (!decompose) return original({ inputs: { ...inputs, a: a2, b: b2 }, backend, attrs: { ...attrs, ...flags } });
      const product = keep(
        original({ inputs: { a: a2, b: b2 }, backend, attrs: { ...attrs, ...flags, activation: "linear" } }) as TensorInfo,
      );
      const withBias = wasmKernel("Add")({ inputs: { a: product, b: bias }, backend, attrs: {} }) as TensorInfo;
      if (String(attrs?.activation ?? "linear") === "linear") return withBias;
      return applyActivation(keep(withBias), args);
    } finally {
      for (const t of temps) wasm.disposeData(t.dataId);
    }
  };
}

let cpuBackendCache: tf.KernelBackend | undefined;
function cpuBackend(): tf.KernelBackend {
  if (cpuBackendCache && tf.engine().registry["cpu"] === cpuBackendCache) return cpuBackendCache;
  const cpu = tf.findBackend("cpu");
  if (!cpu) throw new Error("the cpu backend is not available for the wasm fallback kernels");
  // The cpu backend prints a "use tfjs-node" banner on its first write; this use is deliberate.
  (cpu as unknown as { firstUse?: boolean }).firstUse = false;
  cpuBackendCache = cpu;
  return cpu;
}

/** A wasm kernel that runs `cpuKernel` on copies of its inputs on the cpu backend. */
function viaCpu(name: string, cpuKernel: KernelFunc): KernelFunc {
  return (args: KernelArgs) => {
    const wasm = args.backend as WasmBackendLike;
    const cpu = cpuBackend();
    const cpuInputs: Record<string, TensorInfo> = {};
    const written: object[] = [];
    const outputs: TensorInfo[] = [];
    try {
      for (const [key, t] of Object.entries(args.inputs)) {
        if (t == null) continue;
        const info = t as TensorInfo;
        if (info.dtype === "complex64") throw new Error(`${name}: complex64 inputs are not supported by the wasm→cpu fallback`);
        const dataId = cpu.write(wasm.readSync(info.dataId), info.shape, info.dtype);
        written.push(dataId);
        cpuInputs[key] = { dataId, shape: info.shape, dtype: info.dtype };
      }
      const result = cpuKernel({ inputs: cpuInputs, backend: cpu, attrs: args.attrs });
      const list = Array.isArray(result) ? result : [result];
      outputs.push(...list);
      const back = list.map((o) => wasm.makeOutput(o.shape, o.dtype, undefined, cpu.readSync(o.dataId) as tf.backend_util.BackendValues));
      return Array.isArray(result) ? back : back[0];
    } finally {
      for (const o of outputs) cpu.disposeData(o.dataId);
      for (const d of written) cpu.disposeData(d);
    }
  };
}

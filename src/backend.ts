/**
 * Picks the fastest TensorFlow.js backend that works on this machine:
 * tfjs-node-gpu (CUDA) → tfjs-node (native CPU) → wasm → cpu.
 * DISTILL_BACKEND=<tensorflow|wasm|cpu|webgpu> forces one. The choice, and why the
 * faster ones were skipped, is reported as one line instead of tfjs' banners.
 *
 * webgpu (Dawn through the optional npm packages webgpu + tfjs-backend-webgpu,
 * see src/webgpu.ts; DISTILL_WEBGPU_BACKEND=vulkan|opengles picks Dawn's
 * backend) is used only when forced: without a GPU it runs on Mesa's llvmpipe
 * and is slower than cpu.
 */
import * as tf from "@tensorflow/tfjs";
import { installWasmKernels } from "./wasm-kernels";
import { registerWebGpu } from "./webgpu";

export type BackendName = "tensorflow" | "wasm" | "cpu" | "webgpu";

export interface BackendChoice {
  name: BackendName;
  /** "gpu" when the tensorflow backend came from tfjs-node-gpu, or webgpu runs on a real GPU (not llvmpipe/lavapipe). */
  device: "gpu" | "cpu";
  /** One readable line: chosen backend and why the others were skipped. */
  summary: string;
  skipped: { backend: string; reason: string }[];
}

/** The automatic order. */
const AUTO: BackendName[] = ["tensorflow", "wasm", "cpu"];
/** Everything DISTILL_BACKEND may name. */
const KNOWN: BackendName[] = [...AUTO, "webgpu"];
let current: BackendChoice | undefined;
/** Extra words for the summary line (the webgpu adapter). */
let detail = "";
let webgpuOnGpu = false;

function quietTfjs(): void {
  // tfjs-node-gpu and the cpu backend print multi-line banners on first use.
  process.env.TF_CPP_MIN_LOG_LEVEL ??= "2";
}

/** Loads a native binding; returns null when it is absent or is not the real one. */
function tryNative(pkg: string): string | null {
  try {
    require(pkg);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === "MODULE_NOT_FOUND" ? "not installed" : `failed to load (${firstLine(err)})`;
  }
  // danfojs' override maps @tensorflow/tfjs-node to plain tfjs: importable, but no binding.
  return tf.engine().registryFactory["tensorflow"] ? null : "installed without its native binding";
}

function firstLine(err: unknown): string {
  return String(err instanceof Error ? err.message : err).split("\n")[0].slice(0, 120);
}

async function activate(name: BackendName): Promise<string | null> {
  try {
    if (name === "wasm") require("@tensorflow/tfjs-backend-wasm");
    if (name === "webgpu") {
      const w = await registerWebGpu();
      detail = w.summary + (w.skipped.length ? `; Dawn skipped ${w.skipped.map((s) => `${s.backend}: ${s.reason}`).join(", ")}` : "");
      webgpuOnGpu = !/llvmpipe|lavapipe|softpipe|swiftshader/i.test(w.summary);
    }
    const ok = await tf.setBackend(name);
    if (!ok) return "failed to initialise";
    await tf.ready();
    if (name === "wasm") installWasmKernels();
    return null;
  } catch (err) {
    return `failed to initialise (${firstLine(err)})`;
  }
}

function silenceCpuBanner(): void {
  const cpu = tf.engine().registry["cpu"] as unknown as { firstUse?: boolean } | undefined;
  if (cpu) cpu.firstUse = false;
}

/**
 * Selects and initialises the backend. Idempotent: a second call returns the
 * first choice unless `force` names another backend.
 */
export async function initBackend(opts: { force?: string; log?: boolean } = {}): Promise<BackendChoice> {
  const forced = (opts.force ?? process.env.DISTILL_BACKEND ?? "").trim().toLowerCase();
  if (current && (!forced || forced === current.name)) return current;
  if (forced && !KNOWN.includes(forced as BackendName)) {
    throw new Error(`DISTILL_BACKEND must be one of ${KNOWN.join(", ")}; got "${forced}"`);
  }
  quietTfjs();
  const skipped: { backend: string; reason: string }[] = [];
  let device: "gpu" | "cpu" = "cpu";
  const candidates: BackendName[] = forced ? [forced as BackendName] : AUTO;

  for (const name of candidates) {
    if (name === "tensorflow") {
      const gpu = tryNative("tfjs-node-gpu");
      if (gpu === null) device = "gpu";
      else {
        skipped.push({ backend: "tfjs-node-gpu", reason: gpu });
        const cpu = tryNative("@tensorflow/tfjs-node");
        if (cpu !== null) {
          skipped.push({ backend: "tfjs-node", reason: cpu });
          continue;
        }
      }
    }
    const failure = await activate(name);
    if (failure === null) {
      silenceCpuBanner();
      const why = skipped.map((s) => `${s.backend}: ${s.reason}`).join("; ");
      const label = name === "tensorflow" ? `tensorflow (${device})` : name === "webgpu" ? `webgpu (${detail})` : name;
      const summary = `tfjs backend: ${label}${forced ? " (forced by DISTILL_BACKEND)" : ""}${why ? ` — skipped ${why}` : ""}`;
      current = { name, device: name === "tensorflow" ? device : name === "webgpu" && webgpuOnGpu ? "gpu" : "cpu", summary, skipped };
      if (opts.log ?? true) console.log(summary);
      return current;
    }
    skipped.push({ backend: name, reason: failure });
  }
  throw new Error(`no TensorFlow.js backend could be started: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join("; ")}`);
}

/** The backend chosen by initBackend, if it ran. */
export function currentBackend(): BackendChoice | undefined {
  return current;
}

export { tf };

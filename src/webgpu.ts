/**
 * The WebGPU backend of TensorFlow.js in Node, through Dawn (npm `webgpu`,
 * pinned to 0.6.2: older builds need a newer libstdc++ than Debian 12's) and
 * `@tensorflow/tfjs-backend-webgpu`. Both are optional dependencies; nothing
 * here loads unless the webgpu backend is asked for (DISTILL_BACKEND=webgpu).
 *
 * tfjs-backend-webgpu only registers itself where `navigator.gpu` exists and
 * asks for a default adapter, which Dawn's OpenGL ES backend cannot give (it
 * needs the "compatibility" feature level). So this module creates the Dawn
 * instance and the device itself and registers the backend factory:
 *
 *   DISTILL_WEBGPU_BACKEND = vulkan | opengles | auto (default: vulkan, then opengles)
 *
 * - vulkan: the one to use on a GPU machine (NVIDIA, AMD, Intel drivers).
 * - opengles: works headless through Mesa/EGL (llvmpipe here, no GPU) with
 *   EGL_PLATFORM=surfaceless (set here unless already set) and the
 *   compatibility feature level. Correct, but slower than the cpu backend.
 */
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";

export type DawnBackend = "vulkan" | "opengles";
export const DAWN_BACKENDS: DawnBackend[] = ["vulkan", "opengles"];

export interface WebGpuInfo {
  dawnBackend: DawnBackend;
  featureLevel: "core" | "compatibility";
  adapter: { vendor: string; architecture: string; device: string; description: string };
  /** Dawn backends tried before this one, and why they failed. */
  skipped: { backend: string; reason: string }[];
  /** One line, e.g. "opengles (compatibility): llvmpipe… — OpenGL ES 3.2 Mesa 22.3.6". */
  summary: string;
}

/* Minimal shapes of the WebGPU objects used here (the full types live in @webgpu/types). */
interface GpuAdapter {
  features: { has(name: string): boolean };
  limits: Record<string, number>;
  info?: { vendor?: string; architecture?: string; device?: string; description?: string };
  requestDevice(desc?: unknown): Promise<unknown>;
}
interface Gpu {
  requestAdapter(opts?: { featureLevel?: string; powerPreference?: string }): Promise<GpuAdapter | null>;
}
interface Dawn {
  create(flags: string[]): Gpu;
  globals: Record<string, unknown>;
}

let info: WebGpuInfo | undefined;
let keepAlive: Gpu | undefined; // the Dawn instance must outlive the device

/** The Dawn backends to try, from DISTILL_WEBGPU_BACKEND. */
export function dawnBackendsToTry(env = process.env.DISTILL_WEBGPU_BACKEND): DawnBackend[] {
  const v = (env ?? "").trim().toLowerCase();
  if (!v || v === "auto") return [...DAWN_BACKENDS];
  if (DAWN_BACKENDS.includes(v as DawnBackend)) return [v as DawnBackend];
  throw new Error(`DISTILL_WEBGPU_BACKEND must be one of ${DAWN_BACKENDS.join(", ")} or auto; got "${env}"`);
}

/** Loads Dawn's native addon directly (the package's index.js is an ES module). */
function loadDawn(): Dawn {
  let dir: string;
  try {
    dir = path.dirname(require.resolve("webgpu/package.json"));
  } catch {
    throw new Error("npm package webgpu is not installed (npm install webgpu@0.6.2)");
  }
  const arch = process.platform === "darwin" ? "universal" : process.arch;
  const addon = path.join(dir, "dist", `${process.platform}-${arch}`, "dawn.node");
  if (!fs.existsSync(addon)) throw new Error(`webgpu has no Dawn build for ${process.platform}-${arch} (${addon})`);
  return require(addon) as Dawn;
}

function loadTfjsWebGpu(): { WebGPUBackend: new (device: unknown, adapterInfo?: unknown) => tf.KernelBackend } {
  try {
    // Registers the webgpu kernels; it registers no backend here because navigator.gpu is not set yet.
    return require("@tensorflow/tfjs-backend-webgpu");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "MODULE_NOT_FOUND") throw new Error("npm package @tensorflow/tfjs-backend-webgpu is not installed");
    throw err;
  }
}

interface SyncReader {
  tensorMap: { get(id: unknown): { values?: unknown; dtype: string } | undefined };
  readSync(id: unknown): unknown;
}

export const SYNC_READ_MESSAGE =
  "the webgpu backend cannot read tensors synchronously in Node (dataSync, arraySync, …): Dawn has no blocking buffer map and tfjs' fallback needs OffscreenCanvas; use await tensor.data()";

/**
 * tfjs-backend-webgpu reads synchronously through an OffscreenCanvas, which
 * Node lacks: fail with a clear message instead of "OffscreenCanvas is not defined".
 */
function explainSyncReads(proto: SyncReader): void {
  const original = proto.readSync;
  if ((original as { explained?: boolean }).explained) return;
  const patched = function (this: SyncReader, dataId: unknown) {
    const d = this.tensorMap.get(dataId);
    if (d && d.values == null && d.dtype !== "string" && d.dtype !== "complex64" && typeof (globalThis as Record<string, unknown>).OffscreenCanvas === "undefined") {
      throw new Error(SYNC_READ_MESSAGE);
    }
    return original.call(this, dataId);
  };
  (patched as { explained?: boolean }).explained = true;
  proto.readSync = patched;
}

const first = (err: unknown) => String(err instanceof Error ? err.message : err).split("\n")[0].slice(0, 160);

/**
 * Creates a Dawn device (vulkan, then opengles, or as DISTILL_WEBGPU_BACKEND says)
 * and registers tfjs' "webgpu" backend on it. Idempotent. Throws, listing what
 * each Dawn backend said, when no adapter can be created.
 */
export async function registerWebGpu(): Promise<WebGpuInfo> {
  if (info) return info;
  const order = dawnBackendsToTry();
  const { WebGPUBackend } = loadTfjsWebGpu();
  const dawn = loadDawn();
  const skipped: { backend: string; reason: string }[] = [];

  for (const backend of order) {
    if (backend === "opengles") process.env.EGL_PLATFORM ??= "surfaceless";
    const levels: ("core" | "compatibility")[] = backend === "opengles" ? ["compatibility"] : ["core", "compatibility"];
    for (const featureLevel of levels) {
      let adapter: GpuAdapter | null = null;
      let gpu: Gpu;
      try {
        gpu = dawn.create([`backend=${backend}`]);
        adapter = await gpu.requestAdapter({ featureLevel, powerPreference: "high-performance" });
      } catch (err) {
        skipped.push({ backend: `${backend}/${featureLevel}`, reason: first(err) });
        continue;
      }
      if (!adapter) {
        skipped.push({ backend: `${backend}/${featureLevel}`, reason: "no adapter" });
        continue;
      }
      // The same device limits tfjs-backend-webgpu asks for in a browser.
      const features = ["timestamp-query"].filter((f) => adapter!.features.has(f));
      const l = adapter.limits;
      const device = await adapter.requestDevice({
        requiredFeatures: features,
        requiredLimits: {
          maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
          maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
          maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
          maxBufferSize: l.maxBufferSize,
          maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
          maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
        },
      });
      const a = adapter.info ?? {};
      const adapterInfo = { vendor: a.vendor ?? "", architecture: a.architecture ?? "", device: a.device ?? "", description: a.description ?? "" };
      // tfjs-backend-webgpu reads navigator.gpu and the GPU* constants (GPUBufferUsage, GPUMapMode, …) as globals.
      const g = globalThis as Record<string, unknown>;
      for (const [k, v] of Object.entries(dawn.globals)) if (g[k] === undefined) g[k] = v;
      const nav = (g.navigator ??= { userAgent: `Node.js/${process.version}` }) as Record<string, unknown>;
      if (!nav.gpu) nav.gpu = gpu;
      keepAlive = gpu;
      explainSyncReads(WebGPUBackend.prototype as unknown as SyncReader);
      tf.registerBackend("webgpu", () => new WebGPUBackend(device, { vendor: adapterInfo.vendor, architecture: adapterInfo.architecture }), 0);
      const name = [adapterInfo.device, adapterInfo.description].filter(Boolean).join(" — ") || "unknown adapter";
      info = { dawnBackend: backend, featureLevel, adapter: adapterInfo, skipped, summary: `${backend} (${featureLevel}): ${name}` };
      return info;
    }
  }
  throw new Error(`WebGPU: no adapter (${skipped.map((s) => `${s.backend}: ${s.reason}`).join("; ")})`);
}

/** What registerWebGpu found, if it ran. */
export function webGpuInfo(): WebGpuInfo | undefined {
  return info;
}

/** The Dawn GPU object the backend's device came from (kept referenced for the device's lifetime). */
export function dawnInstance(): unknown {
  return keepAlive;
}

/**
 * The worker process of src/experiment/parallel.ts (started by runTrials with
 * tsx's loader; not meant to be run by hand). Protocol over the IPC channel:
 * "init" (module, function names, shared data, backend) → "ready" or
 * "init-error"; then per "trial" → "result" or "error". It exits when the
 * parent closes the channel (also when the parent dies), so no worker outlives
 * its sweep.
 */
import { initBackend } from "../backend";
import type { FromWorker, SetupFn, ToWorker, TrialFn } from "./parallel";
import { cpuMs, disposeContext, loadModule } from "./parallel";

let fn: TrialFn | undefined;
let shared: unknown;
let context: unknown;
let worker = 0;
let queue: Promise<void> = Promise.resolve();

function send(msg: FromWorker): void {
  process.send?.(msg);
}

function parts(err: unknown): { message: string; stack?: string } {
  return err instanceof Error ? { message: err.message, stack: err.stack } : { message: String(err) };
}

async function init(msg: Extract<ToWorker, { type: "init" }>): Promise<void> {
  try {
    worker = msg.worker;
    await initBackend({ force: msg.backend, log: false });
    const mod = loadModule(msg.module);
    const f = mod[msg.fn];
    if (typeof f !== "function") throw new Error(`${msg.module} does not export a function "${msg.fn}"`);
    fn = f as TrialFn;
    shared = msg.shared;
    if (msg.setup) {
      const s = mod[msg.setup];
      if (typeof s !== "function") throw new Error(`${msg.module} does not export a function "${msg.setup}"`);
      context = await (s as SetupFn)(shared);
    }
    send({ type: "ready" });
  } catch (err) {
    send({ type: "init-error", ...parts(err) });
  }
}

async function runTrial(msg: Extract<ToWorker, { type: "trial" }>): Promise<void> {
  const t0 = performance.now();
  const c0 = cpuMs();
  try {
    if (!fn) throw new Error("trial before init");
    const result = await fn(msg.trial, { shared, setup: context, index: msg.index, worker });
    const c1 = cpuMs();
    send({ type: "result", index: msg.index, result, ms: performance.now() - t0, cpuMs: c1 - c0, processCpuMs: c1 });
  } catch (err) {
    send({ type: "error", index: msg.index, ...parts(err) });
  }
}

process.on("message", (msg: ToWorker) => {
  // One message at a time, in order.
  queue = queue.then(() => (msg.type === "init" ? init(msg) : runTrial(msg)));
});

// The parent closes the channel when all trials are done (this worker is idle
// then), or it died: either way there is nothing left to do here.
process.on("disconnect", () => {
  try {
    disposeContext(context);
  } finally {
    process.exit(0);
  }
});

/**
 * Runs independent trials (e.g. the student runs of a sweep) across the
 * machine's cores. The wasm and cpu backends use one thread per process in
 * Node, so parallelism comes from child processes: each worker is a Node
 * process started with tsx's loader (works from `npx tsx`, uvu and the tslab
 * Jupyter kernel alike), initialises the same tfjs backend as the caller, loads
 * the trial module, runs its `setup` once on the shared data and then one trial
 * at a time, as the caller hands them out.
 *
 *   const results = await runTrials({
 *     module: path.join(__dirname, "my-trials.ts"),  // absolute path of a .ts/.js module
 *     fn: "runOne",            // export: (trial, ctx) => result (plain data), may be async
 *     setup: "prepare",        // optional export: (shared) => context, once per worker
 *     trials: [{ seed: 0 }, { seed: 1 }],   // plain data, structured-clonable
 *     shared: { x: new Float32Array(...) }, // sent once to each worker
 *     onResult: (r) => console.log(`${r.done}/${r.total} ${r.description}`),
 *   });
 *
 * Results come back in trial order whatever the finishing order. A trial that
 * throws rejects with a TrialError naming the trial, with the worker's message
 * and stack; the other workers are stopped and every child has exited before
 * the promise settles (a trial running in this process cannot be interrupted:
 * the error comes when it ends). workers = 1 runs every trial in this process,
 * serially, without forking: that is the reference a parallel run reproduces
 * exactly (same backend, same data, same seeds → bit-identical numbers).
 *
 * Workers: `workers` option, else DISTILL_WORKERS, else os.availableParallelism();
 * never more than the number of trials. The calling process is one of them
 * (worker 0): with n workers it forks n − 1 processes, waits until each has
 * received the shared data and run its setup, then runs trials itself. It
 * must wait: while it trains, its event loop turns only between trials, and a
 * large `shared` payload goes down a worker's pipe about 64 KiB per turn (the
 * 55,000 Fashion-MNIST rows never arrived, and the "parallel" sweep ran
 * serially). Each forked worker is sent its next trial ahead, so it rarely
 * waits while this process is busy in a trial of its own.
 */
import { ChildProcess, fork } from "child_process";
import * as fs from "fs";
import { createRequire } from "module";
import * as os from "os";
import * as path from "path";
import { pathToFileURL } from "url";
import { currentBackend } from "../backend";

/** What a trial function gets besides its trial. */
export interface TrialContext<S = unknown, C = unknown> {
  /** The `shared` data given to runTrials. */
  shared: S;
  /** What the module's `setup` returned in this process (undefined without setup). */
  setup: C;
  /** Index of the trial in `trials`. */
  index: number;
  /** 0 in-process, 1..n in the workers. */
  worker: number;
}

export type TrialFn<T = unknown, R = unknown, S = unknown, C = unknown> = (trial: T, ctx: TrialContext<S, C>) => R | Promise<R>;
export type SetupFn<S = unknown, C = unknown> = (shared: S) => C | Promise<C>;

export interface TrialDone<T, R> {
  index: number;
  trial: T;
  result: R;
  description: string;
  /** Trials finished so far, this one included. */
  done: number;
  total: number;
  worker: number;
  /** Wall time of the trial in its process. */
  ms: number;
  /** CPU time (user + system) of the trial in its process. */
  cpuMs: number;
  /** CPU time its process has used so far, start-up included (the whole process in-process too). */
  processCpuMs: number;
}

export interface RunTrialsOptions<T, R, S, C> {
  /** Absolute path of the module that exports `fn` (and `setup`). */
  module: string;
  fn: string;
  setup?: string;
  trials: T[];
  shared?: S;
  /** Number of processes; 1 = in this process, no fork. Default: DISTILL_WORKERS or the number of cores. */
  workers?: number;
  /** One line naming a trial, for progress and errors. Default: its JSON. */
  describe?: (trial: T, index: number) => string;
  /** Called once per finished trial, in finishing order. */
  onResult?: (r: TrialDone<T, R>) => void;
  /**
   * In-process only: the module's functions themselves, used instead of
   * require(module) (e.g. when the caller already imported them, or runs in a
   * tslab kernel, which cannot require a .ts file by path).
   */
  local?: { fn: TrialFn<T, R, S, C>; setup?: SetupFn<S, C> };
}

/** A trial threw (or its worker died). */
export class TrialError extends Error {
  constructor(
    message: string,
    readonly index: number,
    readonly description: string,
    /** The error's stack as seen where the trial ran. */
    readonly workerStack: string | undefined,
    readonly worker: number,
  ) {
    super(message);
    this.name = "TrialError";
  }
}

/**
 * The worker count runTrials uses when none is given: DISTILL_WORKERS, else the
 * number of cores — except on the tensorflow (tfjs-node, multi-threaded; with
 * CUDA each process would claim the whole GPU's memory) and webgpu backends,
 * where it is 1 unless DISTILL_WORKERS says otherwise.
 */
export function defaultWorkers(): number {
  const env = (process.env.DISTILL_WORKERS ?? "").trim();
  if (env) {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1) throw new Error(`DISTILL_WORKERS must be a positive integer; got "${env}"`);
    return n;
  }
  const backend = currentBackend()?.name;
  if (backend === "tensorflow" || backend === "webgpu") return 1;
  return typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
}

const WORKER_FILE = path.join(__dirname, "parallel-worker.ts");

/**
 * V8 flags for the forked workers. tfjs allocates many short-lived objects per
 * step; a larger young generation means fewer scavenges, and GC on the main
 * thread keeps V8's helper threads from competing with the other workers when
 * every core is busy (together ~5 % per trial on 2 cores; tfjs-wasm in a lone
 * process uses ~1.2 cores because of those helpers). DISTILL_WORKER_NODE_FLAGS
 * replaces them (space-separated; empty for none).
 */
const WORKER_NODE_FLAGS = (process.env.DISTILL_WORKER_NODE_FLAGS ?? "--max-semi-space-size=32 --single-threaded-gc").split(/\s+/).filter(Boolean);

function defaultDescribe(trial: unknown, index: number): string {
  let s: string;
  try {
    s = JSON.stringify(trial) ?? String(trial);
  } catch {
    s = String(trial);
  }
  return `#${index} ${s.length > 160 ? s.slice(0, 157) + "..." : s}`;
}

/** CPU time (user + system) this process has used, in ms. */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** "trial 3/8 (…) failed in worker 1 (pid 123): message", then the stack from where it ran. */
function failureMessage(what: string, worker: number, message: string, stack: string | undefined, pid = process.pid): string {
  const where = `worker ${worker} (pid ${pid}${worker === 0 ? ", this process" : ""})`;
  return `${what} failed in ${where}: ${message}${stack ? `\n--- worker stack ---\n${stack}` : ""}`;
}

function errorParts(err: unknown): { message: string; stack?: string } {
  if (err instanceof Error) return { message: err.message, stack: err.stack };
  return { message: String(err) };
}

/** tsx's loader as a file URL, for `node --import`; resolved from this file so any cwd works. */
function tsxLoader(): string {
  const req = createRequire(path.join(__dirname, "parallel.ts"));
  return pathToFileURL(req.resolve("tsx")).href;
}

export async function runTrials<T, R, S = unknown, C = unknown>(opts: RunTrialsOptions<T, R, S, C>): Promise<R[]> {
  if (!path.isAbsolute(opts.module)) throw new Error(`runTrials: module must be an absolute path; got "${opts.module}"`);
  const total = opts.trials.length;
  const describe = opts.describe ?? defaultDescribe;
  const requested = opts.workers ?? defaultWorkers();
  if (!Number.isInteger(requested) || requested < 1) throw new Error(`runTrials: workers must be a positive integer; got ${requested}`);
  if (total === 0) return [];
  const workers = Math.min(requested, total);
  return workers === 1 ? runInProcess(opts, describe) : runForked(opts, describe, workers);
}

// ---------------------------------------------------------------- in-process

/** The trial and setup functions for running in this process. */
function localFunctions<T, R, S, C>(opts: RunTrialsOptions<T, R, S, C>): { fn: TrialFn<T, R, S, C>; setup?: SetupFn<S, C> } {
  if (opts.local) return opts.local;
  const mod = loadModule(opts.module);
  return {
    fn: pick(mod, opts.module, opts.fn) as TrialFn<T, R, S, C>,
    setup: opts.setup ? (pick(mod, opts.module, opts.setup) as SetupFn<S, C>) : undefined,
  };
}

async function runInProcess<T, R, S, C>(opts: RunTrialsOptions<T, R, S, C>, describe: (t: T, i: number) => string): Promise<R[]> {
  const { fn, setup } = localFunctions(opts);
  const shared = opts.shared as S;
  const context = setup ? await setup(shared) : (undefined as C);
  const results: R[] = new Array(opts.trials.length);
  try {
    for (let index = 0; index < opts.trials.length; index++) {
      const trial = opts.trials[index];
      const t0 = performance.now();
      const c0 = cpuMs();
      try {
        results[index] = await fn(trial, { shared, setup: context, index, worker: 0 });
      } catch (err) {
        const { message, stack } = errorParts(err);
        const description = describe(trial, index);
        throw new TrialError(failureMessage(`trial ${index + 1}/${opts.trials.length} (${description})`, 0, message, stack), index, description, stack, 0);
      }
      const c1 = cpuMs();
      opts.onResult?.({ index, trial, result: results[index], description: describe(trial, index), done: index + 1, total: opts.trials.length, worker: 0, ms: performance.now() - t0, cpuMs: c1 - c0, processCpuMs: c1 });
    }
  } finally {
    disposeContext(context);
  }
  return results;
}

/** Loads a trial module by path; .ts through tsx's require hook when nothing else can. */
export function loadModule(file: string): Record<string, unknown> {
  if (!fs.existsSync(file)) throw new Error(`runTrials: module not found: ${file}`);
  try {
    return require(file);
  } catch (err) {
    if (!/\.[cm]?tsx?$/.test(file)) throw err;
    // Outside tsx (e.g. in the tslab kernel) a .ts file needs tsx's CommonJS hook.
    const req = createRequire(path.join(__dirname, "parallel.ts"));
    const api = req("tsx/cjs/api") as { require: (id: string, from: string) => Record<string, unknown> };
    return api.require(file, __filename);
  }
}

function pick(mod: Record<string, unknown>, file: string, name: string): (...args: never[]) => unknown {
  const f = mod[name];
  if (typeof f !== "function") throw new Error(`runTrials: ${file} does not export a function "${name}" (exports: ${Object.keys(mod).join(", ") || "none"})`);
  return f as (...args: never[]) => unknown;
}

export function disposeContext(context: unknown): void {
  const d = (context as { dispose?: unknown } | undefined)?.dispose;
  if (typeof d === "function") d.call(context);
}

// ---------------------------------------------------------------- forked

/** Messages parent → worker. */
export type ToWorker =
  | { type: "init"; module: string; fn: string; setup?: string; shared: unknown; backend?: string; worker: number }
  | { type: "trial"; index: number; trial: unknown };

/** Messages worker → parent. */
export type FromWorker =
  | { type: "ready" }
  | { type: "init-error"; message: string; stack?: string }
  | { type: "result"; index: number; result: unknown; ms: number; cpuMs: number; processCpuMs: number }
  | { type: "error"; index: number; message: string; stack?: string };

interface Slot {
  id: number;
  child: ChildProcess;
  /** Trial being run (first) and the one sent ahead. */
  queue: number[];
  busy: number | null;
  exited: Promise<void>;
  alive: boolean;
}

async function runForked<T, R, S, C>(opts: RunTrialsOptions<T, R, S, C>, describe: (t: T, i: number) => string, n: number): Promise<R[]> {
  if (!fs.existsSync(WORKER_FILE)) throw new Error(`runTrials: worker script not found: ${WORKER_FILE}`);
  if (!fs.existsSync(opts.module)) throw new Error(`runTrials: module not found: ${opts.module}`);
  const total = opts.trials.length;
  const results: R[] = new Array(total);
  const backend = currentBackend()?.name ?? process.env.DISTILL_BACKEND;
  const loader = tsxLoader();
  const local = localFunctions(opts);
  const slots: Slot[] = [];
  let next = 0;
  let done = 0;
  let failed = false;
  let finishing = false;
  let localLane: Promise<void> = Promise.resolve();
  const readySignals: (() => void)[] = [];

  // Children must not outlive this process, whatever happens to it.
  const killAll = () => slots.forEach((s) => s.alive && s.child.kill("SIGKILL"));
  process.once("exit", killAll);

  return new Promise<R[]>((resolve, reject) => {
    const finish = async (err?: Error) => {
      if (failed || finishing) return;
      if (err) failed = true;
      finishing = true;
      readySignals.forEach((r) => r()); // this process may be waiting for the workers
      for (const s of slots) {
        if (!s.alive) continue;
        if (err) s.child.kill("SIGTERM");
        else if (s.child.connected) s.child.disconnect(); // the worker exits when its channel closes
      }
      const timer = setTimeout(killAll, err ? 2000 : 10000);
      await Promise.all(slots.map((s) => s.exited));
      clearTimeout(timer);
      await localLane; // a trial running in this process cannot be interrupted: wait for it
      process.removeListener("exit", killAll);
      if (err) reject(err);
      else resolve(results);
    };

    const fail = (slot: Slot, index: number | null, message: string, stack?: string) => {
      if (failed) return;
      const description = index === null ? "setup" : describe(opts.trials[index], index);
      const what = index === null ? `worker setup (module ${opts.module})` : `trial ${index + 1}/${total} (${description})`;
      void finish(new TrialError(failureMessage(what, slot.id, message, stack, slot.child.pid), index ?? -1, description, stack, slot.id));
    };

    const recordDone = (index: number, result: R, worker: number, ms: number, cpu: number, processCpu: number): boolean => {
      results[index] = result;
      done++;
      const trial = opts.trials[index];
      try {
        opts.onResult?.({ index, trial, result, description: describe(trial, index), done, total, worker, ms, cpuMs: cpu, processCpuMs: processCpu });
      } catch (err) {
        void finish(err instanceof Error ? err : new Error(String(err)));
        return false;
      }
      if (done === total) void finish();
      return true;
    };

    // Each worker holds up to two trials (the one it runs and the next), so it
    // never waits for this process, which may be busy with its own trial.
    const dispatch = (slot: Slot) => {
      // (Near the end only one at a time: a trial sent ahead could leave the others idle.)
      const depth = () => (total - next > n ? 2 : 1);
      while (!failed && !finishing && next < total && slot.queue.length < depth()) {
        const index = next++;
        slot.queue.push(index);
        slot.child.send({ type: "trial", index, trial: opts.trials[index] } satisfies ToWorker);
      }
      slot.busy = slot.queue.length ? slot.queue[0] : null;
    };

    const ready: Promise<void>[] = [];
    for (let id = 1; id < n; id++) {
      const child = fork(WORKER_FILE, [], {
        execArgv: ["--import", loader, ...WORKER_NODE_FLAGS],
        env: { ...process.env, ...(backend ? { DISTILL_BACKEND: backend } : {}), DISTILL_WORKERS: "1", DISTILL_PARALLEL_WORKER: String(id) },
        serialization: "advanced",
        stdio: ["ignore", "pipe", "pipe", "ipc"],
      });
      let signalReady!: () => void;
      ready.push(new Promise<void>((r) => (signalReady = r)));
      readySignals.push(signalReady);
      let resolveExit!: () => void;
      const slot: Slot = { id, child, busy: null, queue: [], alive: true, exited: new Promise<void>((r) => (resolveExit = r)) };
      slots.push(slot);
      forwardLines(child.stdout, (line) => console.log(`[worker ${id}] ${line}`));
      forwardLines(child.stderr, (line) => console.error(`[worker ${id}] ${line}`));
      child.on("error", (err) => fail(slot, slot.busy, `could not run the worker: ${err.message}`));
      child.on("exit", (code, signal) => {
        slot.alive = false;
        resolveExit();
        if (!finishing) {
          fail(slot, slot.busy, `worker exited unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`})`);
        }
      });
      child.on("message", (msg: FromWorker) => {
        if (failed) return;
        switch (msg.type) {
          case "ready":
            dispatch(slot);
            signalReady();
            break;
          case "init-error":
            fail(slot, null, msg.message, msg.stack);
            break;
          case "error":
            fail(slot, msg.index, msg.message, msg.stack);
            break;
          case "result": {
            slot.queue = slot.queue.filter((i) => i !== msg.index);
            slot.busy = slot.queue.length ? slot.queue[0] : null;
            if (recordDone(msg.index, msg.result as R, id, msg.ms, msg.cpuMs, msg.processCpuMs)) dispatch(slot);
            break;
          }
        }
      });
      child.send({ type: "init", module: opts.module, fn: opts.fn, setup: opts.setup, shared: opts.shared, backend, worker: id } satisfies ToWorker);
    }

    // This process is worker 0: it starts on trials once every worker is ready (see the file comment).
    localLane = (async () => {
      let context: C | undefined;
      try {
        await Promise.all(ready);
        if (failed || finishing) return;
        context = local.setup ? await local.setup(opts.shared as S) : undefined;
        while (!failed && !finishing && next < total) {
          const index = next++;
          const t0 = performance.now();
          const c0 = cpuMs();
          let result: R;
          try {
            result = await local.fn(opts.trials[index], { shared: opts.shared as S, setup: context as C, index, worker: 0 });
          } catch (err) {
            const { message, stack } = errorParts(err);
            const description = describe(opts.trials[index], index);
            void finish(new TrialError(failureMessage(`trial ${index + 1}/${total} (${description})`, 0, message, stack), index, description, stack, 0));
            return;
          }
          if (failed) return;
          const c1 = cpuMs();
          if (!recordDone(index, result, 0, performance.now() - t0, c1 - c0, c1)) return;
          await new Promise((r) => setImmediate(r)); // let the workers' messages in
        }
      } catch (err) {
        const { message, stack } = errorParts(err);
        void finish(new TrialError(failureMessage(`setup (module ${opts.module})`, 0, message, stack), -1, "setup", stack, 0));
      } finally {
        disposeContext(context);
      }
    })();

  });
}

function forwardLines(stream: NodeJS.ReadableStream | null, out: (line: string) => void): void {
  if (!stream) return;
  let buf = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    buf += chunk;
    let i: number;
    while ((i = buf.indexOf("\n")) >= 0) {
      out(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
  stream.on("end", () => {
    if (buf) out(buf);
    buf = "";
  });
}

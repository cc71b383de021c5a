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
import * as os from "os";
import * as path from "path";
import { currentBackend } from "../backend";
import { RunTrialsOptions, TrialError, cpuMs, disposeContext, errorParts, failureMessage, localFunctions } from "./parallel-common";
import { runForked } from "./parallel-fork";

export type { FromWorker, RunTrialsOptions, SetupFn, ToWorker, TrialContext, TrialDone, TrialFn } from "./parallel-common";
export { TrialError, cpuMs, disposeContext, loadModule } from "./parallel-common";

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

function defaultDescribe(trial: unknown, index: number): string {
  let s: string;
  try {
    s = JSON.stringify(trial) ?? String(trial);
  } catch {
    s = String(trial);
  }
  return `#${index} ${s.length > 160 ? s.slice(0, 157) + "..." : s}`;
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


/**
 * Runs independent trials (e.g. the student runs of a sweep) across the
 * machine's cores, or across machines through a queue. The wasm and cpu
 * backends use one thread per process in Node, so parallelism comes from
 * worker threads (piscina): each thread initialises the caller's tfjs
 * backend, loads the trial module with tsx's loader (works from `npx tsx`,
 * uvu and the tslab kernel alike), runs its `setup` once on the shared data
 * and then one trial at a time.
 *
 *   const results = await runTrials({
 *     module: path.join(__dirname, "my-trials.ts"),  // absolute path of a .ts/.js module
 *     fn: "runOne",            // export: (trial, ctx) => result (plain data), may be async
 *     setup: "prepare",        // optional export: (shared) => context, once per thread
 *     trials: [{ seed: 0 }, { seed: 1 }],   // plain data, structured-clonable
 *     shared: { x: new Float32Array(...) }, // typed arrays go into shared memory, once
 *     onResult: (r) => console.log(`${r.done}/${r.total} ${r.description}`),
 *   });
 *
 * Results come back in trial order whatever the finishing order, identical
 * to a serial run (same backend, same data, same seeds → bit-identical
 * numbers). A trial that throws, whose thread dies (process.exit, heap out
 * of memory) or that runs past `deadlineMs` fails alone: the other trials go
 * on, then runTrials rejects with a TrialError naming the first failed trial
 * and listing all (`failures`). workers = 1 runs every trial in this process,
 * serially: the reference the other paths reproduce.
 *
 * Workers: `workers` option, else DISTILL_WORKERS, else the number of cores;
 * never more than the number of trials. With `queue` (or DISTILL_QUEUE) set
 * to a Redis URL the trials go to the BullMQ queue served by `npm run worker`
 * processes instead (queue/coordinator.ts).
 */
import * as os from "os";
import * as path from "path";
import { currentBackend } from "../backend";
import { RunTrialsOptions, TrialFailure, disposeContext, errorParts, failureMessage, localFunctions, trialsFailed } from "./parallel-common";
import { runInThreads } from "./pool/run-threads";
import { runOnQueue } from "./queue/coordinator";

export type { RunTrialsOptions, SetupFn, TrialContext, TrialDone, TrialFailure, TrialFn } from "./parallel-common";
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
  const queue = opts.queue === false ? "" : (opts.queue ?? process.env.DISTILL_QUEUE ?? "").trim();
  if (queue) return runOnQueue(opts, describe, queue);
  const workers = Math.min(requested, total);
  return workers === 1 ? runInProcess(opts, describe) : runInThreads(opts, describe, workers);
}

// ---------------------------------------------------------------- in-process

async function runInProcess<T, R, S, C>(opts: RunTrialsOptions<T, R, S, C>, describe: (t: T, i: number) => string): Promise<R[]> {
  const { fn, setup } = localFunctions(opts);
  const shared = opts.shared as S;
  const context = setup ? await setup(shared) : (undefined as C);
  const total = opts.trials.length;
  const results: R[] = new Array(total);
  const failures: TrialFailure[] = [];
  let done = 0;
  try {
    for (let index = 0; index < total && !(opts.stopOnFailure && failures.length); index++) {
      const trial = opts.trials[index];
      const description = describe(trial, index);
      const t0 = performance.now();
      try {
        results[index] = await fn(trial, { shared, setup: context, index, worker: 0 });
      } catch (err) {
        const { message, stack } = errorParts(err);
        failures.push({ index, description, message: failureMessage(`trial ${index + 1}/${total} (${description})`, `this process (pid ${process.pid})`, message, stack), stack, worker: 0 });
        continue;
      }
      done++;
      opts.onResult?.({ index, trial, result: results[index], description, done, total, worker: 0, ms: performance.now() - t0 });
    }
  } finally {
    disposeContext(context);
  }
  if (failures.length) throw trialsFailed(failures, total);
  return results;
}

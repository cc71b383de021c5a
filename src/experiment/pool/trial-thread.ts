/**
 * The worker-thread side of the trial pool (trial-threads.ts; loaded by
 * piscina with tsx's loader, not meant to be run by hand). On its first task
 * a thread initialises the caller's tfjs backend, loads the trial module and
 * runs its `setup` on the shared data (which lies in shared memory); then it
 * runs one trial per task. It answers with an outcome instead of throwing, so
 * the pool can tell a failed setup from a failed trial: errors that cross a
 * thread boundary keep only their message and stack.
 */
import { threadId, workerData } from "worker_threads";
import { initBackend } from "../../backend";
import { disposeContext, errorParts, loadModule, pick } from "../parallel-common";
import type { SetupFn, TrialFn } from "../parallel-common";

export interface ThreadData {
  module: string;
  fn: string;
  setup?: string;
  shared: unknown;
  backend?: string;
}

export interface ThreadTask {
  index: number;
  trial: unknown;
}

export type ThreadOutcome =
  | { phase: "done"; result: unknown; ms: number; thread: number }
  | { phase: "setup" | "trial"; message: string; stack?: string; thread: number };

interface Loaded {
  fn: TrialFn;
  context: unknown;
}

const data = workerData as ThreadData;
let loaded: Promise<Loaded> | undefined;

async function load(): Promise<Loaded> {
  await initBackend({ force: data.backend, log: false });
  const mod = loadModule(data.module);
  const fn = pick(mod, data.module, data.fn) as TrialFn;
  const setup = data.setup ? (pick(mod, data.module, data.setup) as SetupFn) : undefined;
  const context = setup ? await setup(data.shared) : undefined;
  process.once("exit", () => disposeContext(context));
  return { fn, context };
}

export default async function runTask(task: ThreadTask): Promise<ThreadOutcome> {
  let ready: Loaded;
  try {
    ready = await (loaded ??= load());
  } catch (err) {
    return { phase: "setup", ...errorParts(err), thread: threadId };
  }
  const t0 = performance.now();
  try {
    const result = await ready.fn(task.trial, { shared: data.shared, setup: ready.context, index: task.index, worker: threadId });
    return { phase: "done", result, ms: performance.now() - t0, thread: threadId };
  } catch (err) {
    return { phase: "trial", ...errorParts(err), thread: threadId };
  }
}

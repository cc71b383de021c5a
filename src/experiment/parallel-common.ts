/** The types, errors and helpers shared by runTrials' in-process, thread and queue paths. */
import * as fs from "fs";
import { createRequire } from "module";
import * as path from "path";

/** What a trial function gets besides its trial. */
export interface TrialContext<S = unknown, C = unknown> {
  /** The `shared` data given to runTrials. */
  shared: S;
  /** What the module's `setup` returned in this process (undefined without setup). */
  setup: C;
  /** Index of the trial in `trials`. */
  index: number;
  /** 0 in this process, else the id of the worker thread. */
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
  /** 0 in this process; a worker thread's id; on the queue, the number of the queue worker (1, 2, … in the order they first answered). */
  worker: number;
  /** Wall time of the trial where it ran. */
  ms: number;
}

export interface RunTrialsOptions<T, R, S, C> {
  /** Absolute path of the module that exports `fn` (and `setup`). */
  module: string;
  fn: string;
  setup?: string;
  trials: T[];
  shared?: S;
  /** Number of worker threads; 1 = in this process, no threads. Default: DISTILL_WORKERS or the number of cores. */
  workers?: number;
  /**
   * A Redis URL (redis://HOST:PORT, rediss://…): the trials go to a BullMQ
   * queue that `npm run worker` processes serve, on any machine. Default:
   * DISTILL_QUEUE; false runs locally whatever the environment says.
   */
  queue?: string | false;
  /** A trial still running after this many ms fails (its thread is stopped); the others go on. */
  deadlineMs?: number;
  /** Stop handing out trials after the first failure (default: run every trial, then report all failures). */
  stopOnFailure?: boolean;
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

/** One failed trial: where it ran, what it said. */
export interface TrialFailure {
  index: number;
  description: string;
  message: string;
  stack?: string;
  worker: number | null;
}

/**
 * A trial threw, its worker died or it missed its deadline (index -1:
 * the workers' setup failed). The message is the first failure's; `failures`
 * lists every failed trial in trial order.
 */
export class TrialError extends Error {
  readonly failures: TrialFailure[];
  constructor(
    message: string,
    readonly index: number,
    readonly description: string,
    /** The error's stack as seen where the trial ran. */
    readonly workerStack: string | undefined,
    readonly worker: number | null,
    failures?: TrialFailure[],
  ) {
    super(message);
    this.name = "TrialError";
    this.failures = failures ?? [{ index, description, message, stack: workerStack, worker }];
  }
}

/** The error for a run whose trials failed (sorted by index), after the others finished. */
export function trialsFailed(failures: TrialFailure[], total: number): TrialError {
  const sorted = [...failures].sort((a, b) => a.index - b.index);
  const first = sorted[0];
  const more = sorted.length > 1 ? `\n(${sorted.length} of ${total} trials failed: ${sorted.map((f) => `#${f.index}`).join(", ")}; the others finished)` : "";
  return new TrialError(first.message + more, first.index, first.description, first.stack, first.worker, sorted);
}

/** CPU time (user + system) this process has used, in ms. */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** "trial 3/8 (…) failed in worker thread 4: message", then the stack from where it ran. */
export function failureMessage(what: string, where: string, message: string, stack: string | undefined): string {
  return `${what} failed in ${where}: ${message}${stack ? `\n--- worker stack ---\n${stack}` : ""}`;
}

export function errorParts(err: unknown): { message: string; stack?: string } {
  if (err instanceof Error) return { message: err.message, stack: err.stack };
  return { message: String(err) };
}

/** The trial and setup functions for running in this process. */
export function localFunctions<T, R, S, C>(opts: RunTrialsOptions<T, R, S, C>): { fn: TrialFn<T, R, S, C>; setup?: SetupFn<S, C> } {
  if (opts.local) return opts.local;
  const mod = loadModule(opts.module);
  return {
    fn: pick(mod, opts.module, opts.fn) as TrialFn<T, R, S, C>,
    setup: opts.setup ? (pick(mod, opts.module, opts.setup) as SetupFn<S, C>) : undefined,
  };
}

/** Loads a trial module by path; .ts through tsx's require hook when nothing else can. */
export function loadModule(file: string): Record<string, unknown> {
  if (!fs.existsSync(file)) throw new Error(`runTrials: module not found: ${file}`);
  try {
    return require(file);
  } catch (err) {
    if (!/\.[cm]?tsx?$/.test(file)) throw err;
    // Outside tsx (e.g. in the tslab kernel) a .ts file needs tsx's CommonJS hook.
    const req = createRequire(path.join(__dirname, "parallel-common.ts"));
    const api = req("tsx/cjs/api") as { require: (id: string, from: string) => Record<string, unknown> };
    return api.require(file, __filename);
  }
}

export function pick(mod: Record<string, unknown>, file: string, name: string): (...args: never[]) => unknown {
  const f = mod[name];
  if (typeof f !== "function") throw new Error(`runTrials: ${file} does not export a function "${name}" (exports: ${Object.keys(mod).join(", ") || "none"})`);
  return f as (...args: never[]) => unknown;
}

export function disposeContext(context: unknown): void {
  const d = (context as { dispose?: unknown } | undefined)?.dispose;
  if (typeof d === "function") d.call(context);
}

/** The types, errors and helpers shared by runTrials' in-process and forked paths and the worker script. */
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

/** CPU time (user + system) this process has used, in ms. */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** "trial 3/8 (…) failed in worker 1 (pid 123): message", then the stack from where it ran. */
export function failureMessage(what: string, worker: number, message: string, stack: string | undefined, pid = process.pid): string {
  const where = `worker ${worker} (pid ${pid}${worker === 0 ? ", this process" : ""})`;
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


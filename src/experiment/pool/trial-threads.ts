/**
 * A pool of worker threads (piscina) that run trials of one trial module on
 * one shared data set: each thread loads the module and runs its setup once,
 * then runs trials as they come. Both the local pool (run-threads.ts) and the
 * queue worker (queue/queue-worker.ts) run their trials here, so a trial that
 * blocks its thread never blocks the caller's event loop.
 *
 * A trial's outcome is data, never a rejection: its result, its error, a dead
 * thread (process.exit, heap out of memory) or a missed deadline (the thread
 * is stopped; piscina starts another). The pool itself goes on.
 */
import { createRequire } from "module";
import * as path from "path";
import { Piscina } from "piscina";
import { pathToFileURL } from "url";
import type { ThreadData, ThreadOutcome, ThreadTask } from "./trial-thread";

const THREAD_FILE = path.join(__dirname, "trial-thread.ts");

export type TrialOutcome = ThreadOutcome | { phase: "died" | "deadline"; message: string; stack?: undefined; thread: null };

export interface TrialThreadsOptions extends ThreadData {
  threads: number;
}

/** tsx's loader as a file URL: a thread must be able to load .ts files even when the caller is plain node (the tslab kernel). */
function tsxLoader(): string {
  const req = createRequire(path.join(__dirname, "trial-threads.ts"));
  return pathToFileURL(req.resolve("tsx")).href;
}

function envMb(name: string): number | undefined {
  const raw = (process.env[name] ?? "").trim();
  if (!raw) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number of MiB; got "${raw}"`);
  return n;
}

/**
 * Heap limits per thread. Worker threads refuse V8 flags such as
 * --max-semi-space-size, but take resourceLimits: a larger young generation
 * means fewer scavenges of tfjs' many short-lived objects.
 * DISTILL_WORKER_HEAP_MB caps a thread's old generation (a thread that
 * exceeds it dies alone, and only its trial fails).
 */
function resourceLimits(): { maxOldGenerationSizeMb?: number; maxYoungGenerationSizeMb?: number } {
  return { maxYoungGenerationSizeMb: envMb("DISTILL_WORKER_YOUNG_MB") ?? 96, maxOldGenerationSizeMb: envMb("DISTILL_WORKER_HEAP_MB") };
}

export class TrialThreads {
  private readonly pool: Piscina;

  constructor(o: TrialThreadsOptions) {
    const workerData: ThreadData = { module: o.module, fn: o.fn, setup: o.setup, shared: o.shared, backend: o.backend };
    this.pool = new Piscina({
      filename: THREAD_FILE,
      execArgv: ["--import", tsxLoader()],
      workerData,
      minThreads: o.threads,
      maxThreads: o.threads,
      idleTimeout: 60_000,
      resourceLimits: resourceLimits(),
    });
  }

  /** Runs one trial in a free thread; deadlineMs (if given) counts from now. */
  async run(task: ThreadTask, deadlineMs?: number): Promise<TrialOutcome> {
    const abort = new AbortController();
    const timer = deadlineMs ? setTimeout(() => abort.abort(), deadlineMs) : undefined;
    try {
      return (await this.pool.run(task, { signal: abort.signal })) as ThreadOutcome;
    } catch (err) {
      if (abort.signal.aborted) {
        return { phase: "deadline", message: `it ran past its deadline of ${((deadlineMs ?? 0) / 1000).toFixed(1)} s; its thread was stopped`, thread: null };
      }
      const message = err instanceof Error ? err.message : String(err);
      return { phase: "died", message: `its worker thread died (${message})`, thread: null };
    } finally {
      clearTimeout(timer);
    }
  }

  destroy(): Promise<void> {
    return this.pool.destroy();
  }
}

/**
 * A queue worker: runs the trials that `npm run experiment -- CONFIG --queue URL`
 * (or a notebook with DISTILL_QUEUE set) puts on the queue, on this machine.
 *
 *   npm run worker -- --queue redis://HOST:PORT [--concurrency N] [--lock-ms MS] [--stalled-ms MS]
 *
 * Start any number, on any machines whose checkout is at the coordinator's
 * commit (a worker at another commit refuses the jobs and says so). Each runs
 * N trials at a time in worker threads (default: DISTILL_WORKERS or the
 * number of cores). SIGINT/SIGTERM: finish the running trials, then exit;
 * a second signal exits at once (the queue gives those trials to another
 * worker once their lock expires, --lock-ms, default 30000).
 * Exit status: 0 stopped, 1 failed (the message says why), 2 bad usage.
 */
import { defaultWorkers } from "../src/experiment/parallel";
import { startQueueWorker } from "../src/experiment/queue/queue-worker";

const USAGE = "usage: npm run worker -- --queue redis://HOST:PORT [--concurrency N] [--lock-ms MS] [--stalled-ms MS]";

function parseArgs(argv: string[]): { queue: string; concurrency: number; lockMs?: number; stalledMs?: number } {
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-h" || a === "--help") {
      console.log(USAGE);
      process.exit(0);
    }
    if (!a.startsWith("--")) throw new Error(`unexpected argument "${a}"`);
    const [k, inline] = a.slice(2).split("=", 2);
    if (!["queue", "concurrency", "lock-ms", "stalled-ms"].includes(k)) throw new Error(`unknown option --${k}`);
    const v = inline ?? argv[++i];
    if (v === undefined) throw new Error(`--${k} needs a value`);
    flags[k] = v;
  }
  const queue = flags.queue ?? process.env.DISTILL_QUEUE;
  if (!queue) throw new Error("--queue (or DISTILL_QUEUE) must name the Redis of the queue, e.g. redis://127.0.0.1:6379");
  const int = (k: string): number | undefined => {
    if (flags[k] === undefined) return undefined;
    const n = Number(flags[k]);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${k} must be a positive integer; got "${flags[k]}"`);
    return n;
  };
  return { queue, concurrency: int("concurrency") ?? defaultWorkers(), lockMs: int("lock-ms"), stalledMs: int("stalled-ms") };
}

async function main(): Promise<void> {
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const worker = await startQueueWorker({ url: args.queue, concurrency: args.concurrency, lockMs: args.lockMs, stalledMs: args.stalledMs });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log(`[${worker.name}] ${signal}: finishing the running trials, then stopping (again to stop at once)`);
    worker.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((err) => {
  console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

/**
 * A queue worker (`npm run worker`): takes trial jobs from the BullMQ queue
 * and runs each in a worker thread (TrialThreads), so the trial never blocks
 * this process's event loop and BullMQ keeps renewing the job's lock (a
 * trial that blocked it would lose the lock and run twice). Before running a
 * job it checks that the job was made at this checkout's code version and
 * that the data it reads from Redis hashes as the job says; otherwise it
 * refuses the job — gives it back for another worker and says what differs,
 * in its own log and to the coordinator.
 */
import { DelayedError, Job, UnrecoverableError, Worker } from "bullmq";
import * as os from "os";
import { projectRoot } from "../../paths";
import { toSharedMemory } from "../pool/shared-memory";
import { TrialThreads } from "../pool/trial-threads";
import { codeVersion, describeVersion } from "./code-version";
import { bullConnection, reachRedis } from "./connect";
import { getData } from "./data-store";
import { QUEUE_NAME, QUEUE_PREFIX, TrialJobData, TrialJobResult, decode, encode, parseJobData, sha256 } from "./job";
import { parseRedisUrl } from "./redis-url";
import { refusalsKey, sweepOfJob } from "./refusals";
import { trialModulePath } from "./trial-modules";

const REFUSE_DELAY_MS = 2000;

export interface QueueWorkerOptions {
  url: string;
  /** Trials run at once (one thread each). */
  concurrency: number;
  /** BullMQ's lock on a running job; a worker that dies loses its jobs to the others after about this long. */
  lockMs?: number;
  /** How often this worker looks for jobs whose worker died. */
  stalledMs?: number;
  log?: (line: string) => void;
}

export interface QueueWorker {
  name: string;
  code: string;
  close(): Promise<void>;
}

interface PoolEntry {
  threads: TrialThreads;
  running: number;
}

export async function startQueueWorker(o: QueueWorkerOptions): Promise<QueueWorker> {
  if (!Number.isInteger(o.concurrency) || o.concurrency < 1) throw new Error(`--concurrency must be a positive integer; got ${o.concurrency}`);
  const log = o.log ?? ((line: string) => console.log(line));
  const target = parseRedisUrl(o.url, "--queue");
  const root = projectRoot();
  const code = codeVersion(root);
  const name = `${os.hostname()}:${process.pid}`;
  const redis = await reachRedis(target);
  const data = new Map<string, Promise<unknown>>();
  const pools = new Map<string, PoolEntry>();
  const refused = new Set<string>();

  const sharedFor = (hash: string): Promise<unknown> => {
    let p = data.get(hash);
    if (!p) {
      p = getData(redis, hash).then((d) => {
        log(`[${name}] data ${hash.slice(0, 12)}… read from Redis (${(d.bytes / 2 ** 20).toFixed(1)} MiB)`);
        return toSharedMemory(d.value).value;
      });
      p.catch(() => data.delete(hash));
      data.set(hash, p);
      for (const k of data.keys()) if (k !== hash && data.size > 2) data.delete(k);
    }
    return p;
  };

  const poolFor = (d: TrialJobData, module: string, shared: unknown): PoolEntry => {
    const key = [d.module, d.fn, d.setup ?? "", d.data, d.backend ?? ""].join("|");
    let entry = pools.get(key);
    if (!entry) {
      for (const [k, e] of pools) {
        if (e.running === 0) {
          void e.threads.destroy();
          pools.delete(k);
        }
      }
      entry = { threads: new TrialThreads({ module, fn: d.fn, setup: d.setup, shared, backend: d.backend, threads: o.concurrency }), running: 0 };
      pools.set(key, entry);
    }
    return entry;
  };

  const refuse = async (job: Job, token: string | undefined, d: TrialJobData, reason: string): Promise<never> => {
    const sweep = sweepOfJob(job.id ?? "");
    if (!refused.has(`${sweep}|${reason}`)) {
      refused.add(`${sweep}|${reason}`);
      log(`[${name}] refused the jobs of sweep ${sweep} (first: trial ${d.index + 1}/${d.total}, ${d.description}): ${reason}`);
      await redis.rpush(refusalsKey(sweep), `worker ${name}: ${reason}`);
      await redis.expire(refusalsKey(sweep), 24 * 3600);
    }
    await job.moveToDelayed(Date.now() + REFUSE_DELAY_MS, token);
    throw new DelayedError();
  };

  const processor = async (job: Job, token?: string): Promise<TrialJobResult> => {
    let d: TrialJobData;
    let module: string;
    try {
      d = parseJobData(job.data);
      module = trialModulePath(root, d.module);
    } catch (err) {
      throw new UnrecoverableError(`[${name}] ${err instanceof Error ? err.message : String(err)}`);
    }
    if (d.code !== code) await refuse(job, token, d, `code differs: this worker runs ${describeVersion(code)}, the job was made at ${describeVersion(d.code)}`);
    const trialBytes = Buffer.from(d.trial, "base64");
    if (sha256(trialBytes) !== d.trialHash) await refuse(job, token, d, `trial differs: its bytes hash to ${sha256(trialBytes).slice(0, 12)}…, the job says ${d.trialHash.slice(0, 12)}…`);
    let shared: unknown;
    try {
      shared = await sharedFor(d.data);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (message.startsWith("data differs")) await refuse(job, token, d, message);
      throw new UnrecoverableError(`[${name}] ${message}; run the sweep again to store it`);
    }
    const entry = poolFor(d, module, shared);
    entry.running++;
    log(`[${name}] start: trial ${d.index + 1}/${d.total} (${d.description}), attempt ${job.attemptsMade + 1}`);
    try {
      const outcome = await entry.threads.run({ index: d.index, trial: decode(trialBytes) }, d.deadlineMs);
      if (outcome.phase !== "done") {
        const err = new Error(`[${name}] ${outcome.phase === "setup" ? "setup failed: " : ""}${outcome.message}`);
        if (outcome.stack) err.stack = outcome.stack;
        throw err;
      }
      log(`[${name}] done: trial ${d.index + 1}/${d.total} (${d.description}) in ${(outcome.ms / 1000).toFixed(1)} s`);
      return { result: encode(outcome.result).toString("base64"), ms: outcome.ms, worker: name };
    } finally {
      entry.running--;
    }
  };

  const worker = new Worker(QUEUE_NAME, processor, {
    connection: bullConnection(target),
    prefix: QUEUE_PREFIX,
    concurrency: o.concurrency,
    name,
    lockDuration: o.lockMs ?? 30_000,
    stalledInterval: o.stalledMs ?? 15_000,
    maxStalledCount: 2,
  });
  worker.on("error", (err) => log(`[${name}] queue error: ${err.message}`));
  worker.on("failed", (job, err) => {
    if (job && !(err instanceof DelayedError)) log(`[${name}] failed: ${job.data?.description ?? job.id} (attempt ${job.attemptsMade}): ${err.message.split("\n")[0]}`);
  });
  await worker.waitUntilReady();
  log(`[${name}] serving ${target.redacted} at ${describeVersion(code)}, ${o.concurrency} trial(s) at a time`);

  return {
    name,
    code,
    close: async () => {
      await worker.close();
      await Promise.all([...pools.values()].map((e) => e.threads.destroy()));
      redis.disconnect();
    },
  };
}

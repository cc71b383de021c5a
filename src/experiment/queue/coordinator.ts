/**
 * runTrials through the queue: stores the shared data once in Redis, enqueues
 * one BullMQ job per distinct trial (its id is the sweep's id plus the trial's
 * hash, so a re-run enqueues nothing twice and reuses finished results;
 * trials that failed before are retried), then waits for `npm run worker`
 * processes to finish them, with a progress line whenever something changes.
 * Results come back in trial order, decoded bit for bit. A restarted
 * coordinator picks up the jobs already queued; a lost Redis ends the wait
 * with an error naming the URL.
 */
import { Job, Queue } from "bullmq";
import { currentBackend } from "../../backend";
import { projectRoot } from "../../paths";
import { RunTrialsOptions, TrialFailure, trialsFailed } from "../parallel-common";
import { Progress } from "../progress";
import { codeVersion, describeVersion } from "./code-version";
import { bullConnection, reachRedis } from "./connect";
import { putData } from "./data-store";
import { QUEUE_NAME, QUEUE_PREFIX, TrialJobData, TrialJobResult, decode, encode, jobId, sha256, sweepId } from "./job";
import { parseRedisUrl } from "./redis-url";
import { refusalsKey } from "./refusals";
import { trialModuleName } from "./trial-modules";

const POLL_MS = 500;
const LOST_AFTER_MS = 15_000;
const WEEK_S = 7 * 24 * 3600;

function positiveEnv(name: string, fallback: number | undefined): number | undefined {
  const raw = (process.env[name] ?? "").trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number; got "${raw}"`);
  return n;
}

export async function runOnQueue<T, R, S, C>(opts: RunTrialsOptions<T, R, S, C>, describe: (t: T, i: number) => string, url: string): Promise<R[]> {
  const target = parseRedisUrl(url, "DISTILL_QUEUE (or --queue)");
  const root = projectRoot();
  const module = trialModuleName(root, opts.module);
  const attempts = Math.round(positiveEnv("DISTILL_QUEUE_ATTEMPTS", 3)!);
  const deadlineS = positiveEnv("DISTILL_TRIAL_DEADLINE_S", undefined);
  const deadlineMs = opts.deadlineMs ?? (deadlineS ? deadlineS * 1000 : undefined);
  const redis = await reachRedis(target);
  const queue = new Queue(QUEUE_NAME, { connection: bullConnection(target), prefix: QUEUE_PREFIX });
  queue.on("error", () => {}); // a lost connection shows in the polling below
  try {
    const code = codeVersion(root);
    const data = await putData(redis, encode(opts.shared ?? null));
    const backend = currentBackend()?.name ?? process.env.DISTILL_BACKEND;
    const sweep = sweepId({ code: `${code}|${backend ?? ""}`, module, fn: opts.fn, setup: opts.setup, data });
    const total = opts.trials.length;
    const idOf: string[] = [];
    const jobs = new Map<string, TrialJobData>();
    opts.trials.forEach((trial, index) => {
      const bytes = encode(trial);
      const trialHash = sha256(bytes);
      const id = jobId(sweep, trialHash);
      idOf.push(id);
      if (!jobs.has(id)) {
        const d: TrialJobData = { format: 1, module, fn: opts.fn, code, data, trialHash, trial: bytes.toString("base64"), index, total, description: describe(trial, index) };
        if (opts.setup) d.setup = opts.setup;
        if (deadlineMs) d.deadlineMs = deadlineMs;
        if (backend) d.backend = backend;
        jobs.set(id, d);
      }
    });
    const progress = new Progress("queue", total);
    const fresh: { name: string; data: TrialJobData; opts: Record<string, unknown> }[] = [];
    let reused = 0;
    let retried = 0;
    for (const [id, d] of jobs) {
      const job = await queue.getJob(id);
      if (!job) {
        fresh.push({ name: module, data: d, opts: { jobId: id, attempts, backoff: { type: "fixed", delay: 1000 }, removeOnComplete: { age: WEEK_S }, removeOnFail: { age: WEEK_S } } });
        continue;
      }
      const state = await job.getState();
      if (state === "completed") reused++;
      else if (state === "failed") {
        await job.retry("failed", { resetAttemptsMade: true, resetAttemptsStarted: true });
        retried++;
      }
    }
    if (fresh.length) await queue.addBulk(fresh);
    const queued = jobs.size - fresh.length - reused - retried;
    progress.log(
      `sweep ${sweep} on ${target.redacted} (${describeVersion(code)}): ${jobs.size} distinct trials, ${fresh.length} enqueued, ${reused} reused, ${retried} retried, ${queued} already queued`,
    );
    return await waitForJobs({ opts, describe, queue, redis, ids: idOf, sweep, progress, redacted: target.redacted, attempts });
  } finally {
    await queue.close().catch(() => {});
    redis.disconnect();
  }
}

interface WaitArgs<T, R, S, C> {
  opts: RunTrialsOptions<T, R, S, C>;
  describe: (t: T, i: number) => string;
  queue: Queue;
  redis: import("ioredis").Redis;
  ids: string[];
  sweep: string;
  progress: Progress;
  redacted: string;
  attempts: number;
}

async function waitForJobs<T, R, S, C>(a: WaitArgs<T, R, S, C>): Promise<R[]> {
  const total = a.ids.length;
  const results: R[] = new Array(total);
  const failures: TrialFailure[] = [];
  const pending = new Set(a.ids);
  const workerNumbers = new Map<string, number>();
  const started = Date.now();
  let lastOk = Date.now();
  let done = 0;
  let refusalsRead = 0;
  let lastLine = "";
  let hinted = false;
  const indexesOf = (id: string) => a.ids.flatMap((x, i) => (x === id ? [i] : []));

  while (pending.size > 0) {
    try {
      const ids = [...pending];
      // State first, then the job: a job read before its state says "completed" may lack its return value.
      const states = await Promise.all(ids.map((id) => a.queue.getJobState(id)));
      const jobs = await Promise.all(ids.map((id) => a.queue.getJob(id)));
      let active = 0;
      for (let k = 0; k < ids.length; k++) {
        const id = ids[k];
        const job = jobs[k] as Job<TrialJobData, TrialJobResult> | undefined;
        const state = states[k];
        if (state === "active") active++;
        if (!job || state === "unknown") throw new Error(`job ${id} is gone from the queue (removed by hand?); run the sweep again to enqueue it anew`);
        if (state === "completed") {
          const rv = job.returnvalue;
          if (!rv || typeof rv.result !== "string") continue; // read on the next poll
          const value = decode(Buffer.from(rv.result, "base64")) as R;
          pending.delete(id);
          if (!workerNumbers.has(rv.worker)) workerNumbers.set(rv.worker, workerNumbers.size + 1);
          for (const index of indexesOf(id)) {
            results[index] = value;
            done++;
            const trial = a.opts.trials[index];
            a.opts.onResult?.({ index, trial, result: value, description: a.describe(trial, index), done, total, worker: workerNumbers.get(rv.worker)!, ms: rv.ms });
          }
        } else if (state === "failed") {
          pending.delete(id);
          const stack = job.stacktrace?.length ? job.stacktrace[job.stacktrace.length - 1] : undefined;
          for (const index of indexesOf(id)) {
            const description = a.describe(a.opts.trials[index], index);
            const message = `trial ${index + 1}/${total} (${description}) failed on the queue after ${job.attemptsMade} attempt(s): ${job.failedReason}${stack ? `\n--- worker stack ---\n${stack}` : ""}`;
            failures.push({ index, description, message, stack, worker: null });
          }
        }
      }
      const refusals = await a.redis.lrange(refusalsKey(a.sweep), refusalsRead, -1);
      refusalsRead += refusals.length;
      for (const r of refusals) a.progress.log(`refused: ${r}`);
      const workers = await a.queue.getWorkersCount();
      if (!hinted && workers === 0 && Date.now() - started > 10_000) {
        hinted = true;
        a.progress.log(`no worker is connected to ${a.redacted}: start one with  npm run worker -- --queue ${a.redacted}`);
      }
      const line = `${done}/${total} finished, ${failures.length} failed, ${active} running, ${workers} worker(s) connected`;
      if (line !== lastLine && pending.size > 0) a.progress.log(line, done);
      lastLine = line;
      lastOk = Date.now();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (/is gone from the queue/.test(message)) throw err;
      if (Date.now() - lastOk > LOST_AFTER_MS) throw new Error(`lost the trial queue at ${a.redacted} for ${LOST_AFTER_MS / 1000} s: ${message}`);
    }
    if (pending.size > 0) await new Promise((r) => setTimeout(r, POLL_MS));
  }
  a.progress.log(`${done}/${total} finished, ${failures.length} failed`, done);
  if (failures.length) throw trialsFailed(failures, total);
  return results;
}

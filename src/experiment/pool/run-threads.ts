/**
 * runTrials across worker threads: the shared data goes into shared memory
 * once (no copy per thread or per trial), n lanes hand out one trial each to
 * a free thread, results come back in trial order. A failed trial — it threw,
 * its thread died, it missed its deadline — is recorded and the other trials
 * go on; a failed setup stops the run (every trial would fail the same way).
 */
import * as fs from "fs";
import { currentBackend } from "../../backend";
import { RunTrialsOptions, TrialError, TrialFailure, failureMessage, trialsFailed } from "../parallel-common";
import { toSharedMemory } from "./shared-memory";
import { TrialThreads } from "./trial-threads";

export async function runInThreads<T, R, S, C>(opts: RunTrialsOptions<T, R, S, C>, describe: (t: T, i: number) => string, n: number): Promise<R[]> {
  if (!fs.existsSync(opts.module)) throw new Error(`runTrials: module not found: ${opts.module}`);
  const total = opts.trials.length;
  const { value: shared } = toSharedMemory(opts.shared);
  const pool = new TrialThreads({ module: opts.module, fn: opts.fn, setup: opts.setup, shared, backend: currentBackend()?.name ?? process.env.DISTILL_BACKEND, threads: n });
  const results: R[] = new Array(total);
  const failures: TrialFailure[] = [];
  let setupError: TrialError | undefined;
  let callbackError: unknown;
  let next = 0;
  let done = 0;
  const stopped = () => setupError !== undefined || callbackError !== undefined || (opts.stopOnFailure === true && failures.length > 0);

  const lane = async () => {
    while (!stopped() && next < total) {
      const index = next++;
      const trial = opts.trials[index];
      const outcome = await pool.run({ index, trial }, opts.deadlineMs);
      const description = describe(trial, index);
      if (outcome.phase === "done") {
        results[index] = outcome.result as R;
        done++;
        try {
          opts.onResult?.({ index, trial, result: results[index], description, done, total, worker: outcome.thread, ms: outcome.ms });
        } catch (err) {
          callbackError ??= err;
        }
      } else if (outcome.phase === "setup") {
        const where = `worker thread ${outcome.thread}`;
        setupError ??= new TrialError(failureMessage(`worker setup (module ${opts.module})`, where, outcome.message, outcome.stack), -1, "setup", outcome.stack, outcome.thread);
      } else {
        const where = outcome.thread === null ? "a worker thread" : `worker thread ${outcome.thread}`;
        const message = failureMessage(`trial ${index + 1}/${total} (${description})`, where, outcome.message, outcome.stack);
        failures.push({ index, description, message, stack: outcome.stack, worker: outcome.thread });
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: n }, lane));
  } finally {
    await pool.destroy();
  }
  if (callbackError !== undefined) throw callbackError;
  if (setupError) throw setupError;
  if (failures.length) throw trialsFailed(failures, total);
  return results;
}

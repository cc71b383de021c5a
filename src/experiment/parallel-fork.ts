/**
 * runTrials across processes: forks n − 1 workers (node with tsx's loader,
 * the same backend), sends each the shared data once, waits until every one
 * has run its setup, then hands out trials one at a time (one sent ahead) and
 * runs trials in this process too. See parallel.ts for the contract.
 */
import { ChildProcess, fork } from "child_process";
import * as fs from "fs";
import { createRequire } from "module";
import * as path from "path";
import { pathToFileURL } from "url";
import { currentBackend } from "../backend";
import { FromWorker, RunTrialsOptions, ToWorker, TrialError, cpuMs, disposeContext, errorParts, failureMessage, localFunctions } from "./parallel-common";

const WORKER_FILE = path.join(__dirname, "parallel-worker.ts");

/**
 * V8 flags for the forked workers. tfjs allocates many short-lived objects per
 * step; a larger young generation means fewer scavenges, and GC on the main
 * thread keeps V8's helper threads from competing with the other workers when
 * every core is busy (together ~5 % per trial on 2 cores; tfjs-wasm in a lone
 * process uses ~1.2 cores because of those helpers). DISTILL_WORKER_NODE_FLAGS
 * replaces them (space-separated; empty for none).
 */
const WORKER_NODE_FLAGS = (process.env.DISTILL_WORKER_NODE_FLAGS ?? "--max-semi-space-size=32 --single-threaded-gc").split(/\s+/).filter(Boolean);

/** tsx's loader as a file URL, for `node --import`; resolved from this file so any cwd works. */
function tsxLoader(): string {
  const req = createRequire(path.join(__dirname, "parallel-fork.ts"));
  return pathToFileURL(req.resolve("tsx")).href;
}

interface Slot {
  id: number;
  child: ChildProcess;
  /** Trial being run (first) and the one sent ahead. */
  queue: number[];
  busy: number | null;
  exited: Promise<void>;
  alive: boolean;
}

export async function runForked<T, R, S, C>(opts: RunTrialsOptions<T, R, S, C>, describe: (t: T, i: number) => string, n: number): Promise<R[]> {
  if (!fs.existsSync(WORKER_FILE)) throw new Error(`runTrials: worker script not found: ${WORKER_FILE}`);
  if (!fs.existsSync(opts.module)) throw new Error(`runTrials: module not found: ${opts.module}`);
  const total = opts.trials.length;
  const results: R[] = new Array(total);
  const backend = currentBackend()?.name ?? process.env.DISTILL_BACKEND;
  const loader = tsxLoader();
  const local = localFunctions(opts);
  const slots: Slot[] = [];
  let next = 0;
  let done = 0;
  let failed = false;
  let finishing = false;
  let localLane: Promise<void> = Promise.resolve();
  const readySignals: (() => void)[] = [];

  // Children must not outlive this process, whatever happens to it.
  const killAll = () => slots.forEach((s) => s.alive && s.child.kill("SIGKILL"));
  process.once("exit", killAll);

  return new Promise<R[]>((resolve, reject) => {
    const finish = async (err?: Error) => {
      if (failed || finishing) return;
      if (err) failed = true;
      finishing = true;
      readySignals.forEach((r) => r()); // this process may be waiting for the workers
      for (const s of slots) {
        if (!s.alive) continue;
        if (err) s.child.kill("SIGTERM");
        else if (s.child.connected) s.child.disconnect(); // the worker exits when its channel closes
      }
      const timer = setTimeout(killAll, err ? 2000 : 10000);
      await Promise.all(slots.map((s) => s.exited));
      clearTimeout(timer);
      await localLane; // a trial running in this process cannot be interrupted: wait for it
      process.removeListener("exit", killAll);
      if (err) reject(err);
      else resolve(results);
    };

    const fail = (slot: Slot, index: number | null, message: string, stack?: string) => {
      if (failed) return;
      const description = index === null ? "setup" : describe(opts.trials[index], index);
      const what = index === null ? `worker setup (module ${opts.module})` : `trial ${index + 1}/${total} (${description})`;
      void finish(new TrialError(failureMessage(what, slot.id, message, stack, slot.child.pid), index ?? -1, description, stack, slot.id));
    };

    const recordDone = (index: number, result: R, worker: number, ms: number, cpu: number, processCpu: number): boolean => {
      results[index] = result;
      done++;
      const trial = opts.trials[index];
      try {
        opts.onResult?.({ index, trial, result, description: describe(trial, index), done, total, worker, ms, cpuMs: cpu, processCpuMs: processCpu });
      } catch (err) {
        void finish(err instanceof Error ? err : new Error(String(err)));
        return false;
      }
      if (done === total) void finish();
      return true;
    };

    // Each worker holds up to two trials (the one it runs and the next), so it
    // never waits for this process, which may be busy with its own trial.
    const dispatch = (slot: Slot) => {
      // (Near the end only one at a time: a trial sent ahead could leave the others idle.)
      const depth = () => (total - next > n ? 2 : 1);
      while (!failed && !finishing && next < total && slot.queue.length < depth()) {
        const index = next++;
        slot.queue.push(index);
        slot.child.send({ type: "trial", index, trial: opts.trials[index] } satisfies ToWorker);
      }
      slot.busy = slot.queue.length ? slot.queue[0] : null;
    };

    const ready: Promise<void>[] = [];
    for (let id = 1; id < n; id++) {
      const child = fork(WORKER_FILE, [], {
        execArgv: ["--import", loader, ...WORKER_NODE_FLAGS],
        env: { ...process.env, ...(backend ? { DISTILL_BACKEND: backend } : {}), DISTILL_WORKERS: "1", DISTILL_PARALLEL_WORKER: String(id) },
        serialization: "advanced",
        stdio: ["ignore", "pipe", "pipe", "ipc"],
      });
      let signalReady!: () => void;
      ready.push(new Promise<void>((r) => (signalReady = r)));
      readySignals.push(signalReady);
      let resolveExit!: () => void;
      const slot: Slot = { id, child, busy: null, queue: [], alive: true, exited: new Promise<void>((r) => (resolveExit = r)) };
      slots.push(slot);
      forwardLines(child.stdout, (line) => console.log(`[worker ${id}] ${line}`));
      forwardLines(child.stderr, (line) => console.error(`[worker ${id}] ${line}`));
      child.on("error", (err) => fail(slot, slot.busy, `could not run the worker: ${err.message}`));
      child.on("exit", (code, signal) => {
        slot.alive = false;
        resolveExit();
        if (!finishing) {
          fail(slot, slot.busy, `worker exited unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`})`);
        }
      });
      child.on("message", (msg: FromWorker) => {
        if (failed) return;
        switch (msg.type) {
          case "ready":
            dispatch(slot);
            signalReady();
            break;
          case "init-error":
            fail(slot, null, msg.message, msg.stack);
            break;
          case "error":
            fail(slot, msg.index, msg.message, msg.stack);
            break;
          case "result": {
            slot.queue = slot.queue.filter((i) => i !== msg.index);
            slot.busy = slot.queue.length ? slot.queue[0] : null;
            if (recordDone(msg.index, msg.result as R, id, msg.ms, msg.cpuMs, msg.processCpuMs)) dispatch(slot);
            break;
          }
        }
      });
      child.send({ type: "init", module: opts.module, fn: opts.fn, setup: opts.setup, shared: opts.shared, backend, worker: id } satisfies ToWorker);
    }

    // This process is worker 0: it starts on trials once every worker is ready (see the file comment).
    localLane = (async () => {
      let context: C | undefined;
      try {
        await Promise.all(ready);
        if (failed || finishing) return;
        context = local.setup ? await local.setup(opts.shared as S) : undefined;
        while (!failed && !finishing && next < total) {
          const index = next++;
          const t0 = performance.now();
          const c0 = cpuMs();
          let result: R;
          try {
            result = await local.fn(opts.trials[index], { shared: opts.shared as S, setup: context as C, index, worker: 0 });
          } catch (err) {
            const { message, stack } = errorParts(err);
            const description = describe(opts.trials[index], index);
            void finish(new TrialError(failureMessage(`trial ${index + 1}/${total} (${description})`, 0, message, stack), index, description, stack, 0));
            return;
          }
          if (failed) return;
          const c1 = cpuMs();
          if (!recordDone(index, result, 0, performance.now() - t0, c1 - c0, c1)) return;
          await new Promise((r) => setImmediate(r)); // let the workers' messages in
        }
      } catch (err) {
        const { message, stack } = errorParts(err);
        void finish(new TrialError(failureMessage(`setup (module ${opts.module})`, 0, message, stack), -1, "setup", stack, 0));
      } finally {
        disposeContext(context);
      }
    })();

  });
}

function forwardLines(stream: NodeJS.ReadableStream | null, out: (line: string) => void): void {
  if (!stream) return;
  let buf = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    buf += chunk;
    let i: number;
    while ((i = buf.indexOf("\n")) >= 0) {
      out(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
  stream.on("end", () => {
    if (buf) out(buf);
    buf = "";
  });
}

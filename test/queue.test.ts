/**
 * The trial queue against a real Redis: Debian's redis-server on a free
 * loopback port without persistence, `npm run worker` processes, faults on
 * purpose (a worker killed mid-trial, a coordinator killed mid-sweep, a
 * trial that throws, a trial past its deadline, a worker at another commit,
 * no Redis at all). Every process started here is stopped by its pid; the
 * whole file is bounded in time. Without redis-server the tests say so and
 * are skipped, except under CI (.ci/run installs it), where that fails.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { initBackend } from "../src/backend";
import { TrialError, runTrials } from "../src/experiment/parallel";
import type { SweepShared, SweepTrial, SweepTrialResult } from "../src/experiment/parallel-sweep";
import { LocalRedis, freePort, redisServerPath, startLocalRedis } from "../scripts/lib/local-redis";
import { WorkerProcess, startWorkerProcess } from "../scripts/lib/worker-processes";
import { SWEEP_MODULE, queueSweepData, queueTrials } from "./fixtures/queue-sweep";

const FILE_LIMIT_MS = 300_000;
const LOCK = { lockMs: 3000, stalledMs: 1000 };

let redis: LocalRedis;
let shared: SweepShared;
let dispose = () => {};
const workers: WorkerProcess[] = [];

const strip = (rs: SweepTrialResult[]) => rs.map((r) => ({ ...r, row: { ...r.row, ms: 0 } }));
const local = (trials: SweepTrial[]) => runTrials<SweepTrial, SweepTrialResult, SweepShared>({ module: SWEEP_MODULE, fn: "sweepTrial", setup: "sweepSetup", trials, shared, workers: 1, queue: false });
const onQueue = (trials: SweepTrial[], url = redis.url) =>
  runTrials<SweepTrial, SweepTrialResult, SweepShared>({ module: SWEEP_MODULE, fn: "sweepTrial", setup: "sweepSetup", trials, shared, queue: url, describe: (t) => `seed ${t.seed}` });

/** Runs fn with console.log collected (the coordinator's progress lines). */
async function captured<X>(fn: () => Promise<X>): Promise<{ value?: X; error?: unknown; lines: string[] }> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => void lines.push(a.join(" "));
  try {
    return { value: await fn(), lines };
  } catch (error) {
    return { error, lines };
  } finally {
    console.log = log;
  }
}

async function withEnv<X>(env: Record<string, string>, fn: () => Promise<X>): Promise<X> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

async function worker(env: Record<string, string> = {}): Promise<WorkerProcess> {
  const w = await startWorkerProcess(redis.url, { concurrency: 1, ...LOCK, env });
  workers.push(w);
  return w;
}

const doneLines = (w: WorkerProcess) => w.lines.filter((l) => l.includes("] done: trial"));

if (!redisServerPath()) {
  const why = "redis-server is not installed: the queue tests need it (Debian: apt-get install -y redis-server; .ci/run installs it)";
  if (process.env.CI) {
    test("the queue tests need redis-server", () => assert.unreachable(why));
  } else {
    console.log(`SKIPPED test/queue.test.ts: ${why}`);
    test.skip("queue tests (no redis-server)", () => {});
  }
} else {
  const guard = setTimeout(() => {
    console.error(`test/queue.test.ts ran past ${FILE_LIMIT_MS / 1000} s: stopping its processes`);
    for (const w of workers) void w.kill("SIGKILL");
    if (redis) process.kill(redis.pid, "SIGKILL");
    process.exit(1);
  }, FILE_LIMIT_MS);
  guard.unref();

  test.before(async () => {
    await initBackend({ log: false });
    ({ shared, dispose } = await queueSweepData());
    redis = await startLocalRedis();
  });

  test.after(async () => {
    await Promise.all(workers.map((w) => w.kill("SIGKILL")));
    await redis?.stop();
    dispose();
  });

  test("no Redis: a clear error within seconds that names the URL, without its password", async () => {
    const port = await freePort();
    const t0 = Date.now();
    const r = await captured(() => onQueue(queueTrials(0, 2, 1), `redis://:s3cret@127.0.0.1:${port}`));
    assert.instance(r.error, Error);
    const message = (r.error as Error).message;
    assert.match(message, `cannot use the trial queue at redis://:***@127.0.0.1:${port}: connect ECONNREFUSED`);
    assert.not.match(message, "s3cret");
    assert.ok(Date.now() - t0 < 6000, `failed in ${Date.now() - t0} ms`);
    const bad = await captured(() => onQueue(queueTrials(0, 2, 1), "http://127.0.0.1:6379"));
    assert.match((bad.error as Error).message, 'DISTILL_QUEUE (or --queue) must start with redis:// or rediss://; got "http:');
  });

  test("two workers, one killed (kill -9) in the middle of a trial: the other takes the job over, results equal a local run", async () => {
    const trials = queueTrials(0, 6, 8);
    const expected = await local(trials);
    const [a, b] = await Promise.all([worker(), worker()]);
    const run = captured(() => onQueue(trials));
    await a.waitFor(/\] start: trial/);
    await a.kill("SIGKILL");
    const r = await run;
    if (r.error) throw r.error;
    assert.equal(strip(r.value!), strip(expected), "bit-identical to the serial run (wall times aside)");
    assert.is(doneLines(a).length, 0, "the killed worker finished nothing");
    assert.is(doneLines(b).length, 6, "the other worker ran all six, the killed one's trial included");
    assert.ok(r.lines.some((l) => /6 enqueued, 0 reused/.test(l)), r.lines.join("\n"));
    workers.splice(workers.indexOf(a), 1);
  });

  test("running the sweep again enqueues nothing and reuses the finished results", async () => {
    const trials = queueTrials(0, 6, 8);
    const t0 = Date.now();
    const r = await captured(() => onQueue(trials));
    if (r.error) throw r.error;
    assert.ok(r.lines.some((l) => /6 distinct trials, 0 enqueued, 6 reused/.test(l)), r.lines.join("\n"));
    assert.equal(strip(r.value!), strip(await local(trials)));
    assert.ok(Date.now() - t0 < 10_000);
  });

  test("a trial that throws is retried up to the limit, then reported with its error; the others finish", async () => {
    const trials = [...queueTrials(20, 2, 2), ...queueTrials(22, 1, 2, -1)];
    const r = await withEnv({ DISTILL_QUEUE_ATTEMPTS: "2" }, () => captured(() => onQueue(trials)));
    assert.instance(r.error, TrialError);
    const e = r.error as TrialError;
    assert.equal(e.failures.map((f) => f.index), [2]);
    assert.match(e.message, "trial 3/3 (seed 22) failed on the queue after 2 attempt(s):");
    assert.match(e.message, "learningRate must be > 0; got -1");
    assert.match(e.message, "--- worker stack ---");
    const starts = workers.flatMap((w) => w.lines).filter((l) => /start: trial 3\/3 \(seed 22\)/.test(l));
    assert.is(starts.length, 2, "two attempts");
  });

  test("a trial past its deadline is stopped and fails with a message saying so", async () => {
    const r = await withEnv({ DISTILL_QUEUE_ATTEMPTS: "1", DISTILL_TRIAL_DEADLINE_S: "1" }, () => captured(() => onQueue(queueTrials(30, 1, 2000))));
    assert.instance(r.error, TrialError);
    assert.match((r.error as Error).message, "it ran past its deadline of 1.0 s; its thread was stopped");
  });

  test("a worker at another commit refuses the jobs and says what differs; a worker at the same commit runs them", async () => {
    for (const w of workers.splice(0)) await w.kill();
    const stale = await worker({ DISTILL_CODE_VERSION: "0123456789abcdef0123456789abcdef01234567" });
    const trials = queueTrials(40, 2, 2);
    const run = captured(() => onQueue(trials));
    const refusal = await stale.waitFor(/refused the jobs of sweep/);
    assert.match(refusal, "code differs: this worker runs commit 0123456789 (clean), the job was made at commit");
    await worker();
    const r = await run;
    if (r.error) throw r.error;
    assert.equal(strip(r.value!), strip(await local(trials)));
    assert.ok(r.lines.some((l) => /refused: worker .*code differs/.test(l)), "the coordinator showed the refusal");
    assert.is(doneLines(stale).length, 0);
    await stale.kill();
    workers.splice(workers.indexOf(stale), 1);
  });

  test("a coordinator killed mid-sweep and started again picks up the jobs already queued", async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "queue-coord-")), "results.json");
    const args = ["--import", "tsx", path.join(__dirname, "fixtures/queue-coordinator.ts"), redis.url, "50", "6", "8", out];
    const start = () => {
      const child = spawn(process.execPath, args, { cwd: path.resolve(__dirname, ".."), stdio: ["ignore", "pipe", "pipe"] });
      let text = "";
      child.stdout.on("data", (d) => (text += d));
      child.stderr.on("data", (d) => (text += d));
      const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
      return { child, exited, text: () => text };
    };
    const first = start();
    const deadline = Date.now() + 60_000;
    while (!/\b[1-5]\/6 finished/.test(first.text())) {
      if (Date.now() > deadline) throw new Error(`the first coordinator never got a result:\n${first.text()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    first.child.kill("SIGKILL");
    await first.exited;
    assert.not.ok(fs.existsSync(out), "the killed coordinator wrote nothing");
    const second = start();
    assert.is(await second.exited, 0, second.text());
    assert.match(second.text(), /6 distinct trials, 0 enqueued, [1-6] reused/);
    const results = JSON.parse(fs.readFileSync(out, "utf8")) as SweepTrialResult[];
    assert.equal(strip(results), strip(await local(queueTrials(50, 6, 8))));
  });
}

test.run();

import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { initBackend } from "../src/backend";
import { loadDigits } from "../src/data/digits";
import { TrialError, defaultWorkers, runTrials } from "../src/experiment/parallel";
import type { FaultyTrial } from "./fixtures/faulty-trials";
import { SweepShared, SweepTrial, sweepShared } from "../src/experiment/parallel-sweep";
import { TrainedTeacher, trainTeacher } from "../src/experiment/runs";
import { TemperatureSweepConfig, TemperatureSweepResult, temperatureSweep } from "../src/experiment/temperature-sweep";

const SWEEP_MODULE = path.resolve(__dirname, "../src/experiment/parallel-sweep.ts");

let tensors: Parameters<typeof temperatureSweep>[0];
let teacher: TrainedTeacher;
let shared: SweepShared;

const config: TemperatureSweepConfig = {
  student: { hidden: [8], batchSize: 64, learningRate: 1e-2 },
  temperatures: [2, 8],
  alpha: 0.5,
  seeds: [0, 1],
  settings: [
    { name: "all rows", trainFraction: 1, epochs: 3 },
    { name: "20 % of rows", trainFraction: 0.2, epochs: 4 },
  ],
};

/** The sweep result without the wall times, which are the only thing allowed to differ. */
const comparable = (r: TemperatureSweepResult) => ({ ...r, rows: r.rows.map((row) => ({ ...row, ms: 0 })) });

test.before(async () => {
  await initBackend({ log: false });
  const d = loadDigits({ seed: 0 });
  tensors = { train: d.train, trainT: d.train.toTensors(), testT: d.test.toTensors() };
  teacher = await trainTeacher({ ...tensors, test: d.test }, { hidden: [32], epochs: 2, batchSize: 64, learningRate: 1e-2 }, 0);
  shared = sweepShared(tensors, teacher.outputs);
});

test.after(() => {
  teacher.dispose();
  for (const t of [tensors.trainT, tensors.testT]) {
    t.x.dispose();
    t.y.dispose();
  }
});

test("parallel sweep (2 worker threads) equals the serial in-process sweep exactly", async () => {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => void lines.push(a.join(" "));
  let serial: TemperatureSweepResult;
  let parallel: TemperatureSweepResult;
  try {
    serial = await temperatureSweep(tensors, teacher, config, { workers: 1 });
    parallel = await temperatureSweep(tensors, teacher, config, { workers: 2 });
  } finally {
    console.log = log;
  }
  const trials = 2 * 2 * 3;
  assert.is(serial.rows.length, trials);
  assert.equal(comparable(parallel), comparable(serial), "rows, curves, arch and params bit-identical, same order");
  assert.equal(serial.rows.map((r) => `${r.setting}/${r.seed}/${r.variant}`).slice(0, 3), ["all rows/0/hard labels", "all rows/0/T=2", "all rows/0/T=8"]);
  assert.is(serial.rows.find((r) => r.setting === "20 % of rows")!.trainSamples < tensors.train.numSamples, true);
  const progress = lines.filter((l) => l.startsWith("[sweep"));
  assert.is(progress.length, 2 * trials, "one progress line per finished trial and run");
  assert.ok(progress.some((l) => l.includes(`${trials}/${trials}`)));
});

const trialsWithBadOne = (): SweepTrial[] =>
  [0, 1, 2, 3].map((seed) => ({
    setting: { name: "all rows", trainFraction: 1, epochs: seed === 0 ? 20 : 1 },
    seed,
    temperature: 4,
    student: { hidden: [8], batchSize: 64, learningRate: seed === 2 ? -1 : 1e-2 },
    alpha: 0.5,
  }));

for (const workers of [2, 1]) {
  test(`a failing trial rejects with a TrialError naming it (workers = ${workers})`, async () => {
    const done: number[] = [];
    let err: unknown;
    try {
      await runTrials<SweepTrial, unknown, SweepShared>({
        module: SWEEP_MODULE,
        fn: "sweepTrial",
        setup: "sweepSetup",
        trials: trialsWithBadOne(),
        shared,
        workers,
        describe: (t) => `seed ${t.seed}, lr ${t.student.learningRate}`,
        onResult: (r) => done.push(r.index),
      });
    } catch (e) {
      err = e;
    }
    assert.instance(err, TrialError);
    const e = err as TrialError;
    assert.is(e.index, 2);
    assert.is(e.description, "seed 2, lr -1");
    assert.match(e.message, "trial 3/4 (seed 2, lr -1) failed");
    assert.match(e.message, "learningRate must be > 0; got -1");
    assert.match(e.workerStack ?? "", "checkTrainConfig", "the stack from where the trial ran");
    assert.match(e.message, workers > 1 ? /failed in worker thread \d+:/ : /failed in this process \(pid \d+\)/);
    assert.match(e.message, "--- worker stack ---\nError: learningRate must be > 0");
    assert.equal([...done].sort(), [0, 1, 3], "the other trials went on");
    assert.equal(e.failures.map((f) => f.index), [2]);
  });
}

test("stopOnFailure: no trial is handed out after the first failure", async () => {
  const done: number[] = [];
  const err = await runTrials<SweepTrial, unknown, SweepShared>({
    module: SWEEP_MODULE,
    fn: "sweepTrial",
    setup: "sweepSetup",
    trials: [...trialsWithBadOne(), ...trialsWithBadOne()],
    shared,
    workers: 1,
    stopOnFailure: true,
    onResult: (r) => done.push(r.index),
  }).then(() => null, (e) => e);
  assert.instance(err, TrialError);
  assert.equal(done, [0, 1]);
});

const FAULTY = path.resolve(__dirname, "fixtures/faulty-trials.ts");

test("a thread that dies (process.exit, heap out of memory) or misses its deadline fails only its trial; the others go on", async () => {
  const saved = process.env.DISTILL_WORKER_HEAP_MB;
  process.env.DISTILL_WORKER_HEAP_MB = "64";
  const kinds: FaultyTrial["kind"][] = ["ok", "exit", "ok", "oom", "ok", "hang", "throw", "ok"];
  const done: number[] = [];
  let err: unknown;
  try {
    await runTrials<FaultyTrial, { value: number }>({
      module: FAULTY,
      fn: "faulty",
      trials: kinds.map((kind, value) => ({ kind, value })),
      workers: 2,
      deadlineMs: 3000,
      describe: (t) => `${t.kind} #${t.value}`,
      onResult: (r) => {
        assert.is(r.result.value, r.index * 2);
        done.push(r.index);
      },
    });
  } catch (e) {
    err = e;
  } finally {
    if (saved === undefined) delete process.env.DISTILL_WORKER_HEAP_MB;
    else process.env.DISTILL_WORKER_HEAP_MB = saved;
  }
  assert.equal([...done].sort(), [0, 2, 4, 7], "every good trial finished");
  assert.instance(err, TrialError);
  const e = err as TrialError;
  assert.equal(e.failures.map((f) => f.index), [1, 3, 5, 6]);
  const by = (i: number) => e.failures.find((f) => f.index === i)!.message;
  assert.match(by(1), "trial 2/8 (exit #1) failed in a worker thread: its worker thread died (worker exited with code: 3)");
  assert.match(by(3), /trial 4\/8 \(oom #3\) failed in a worker thread: its worker thread died \(.*memory/);
  assert.match(by(5), "trial 6/8 (hang #5) failed in a worker thread: it ran past its deadline of 3.0 s; its thread was stopped");
  assert.match(by(6), /trial 7\/8 \(throw #6\) failed in worker thread \d+: trial 6 threw on purpose/);
  assert.match(e.message, "(4 of 8 trials failed: #1, #3, #5, #6; the others finished)");
});

test("a missing export or module fails clearly, before any trial", async () => {
  const base = { trials: [{}, {}], shared: {}, workers: 2 };
  try {
    await runTrials({ ...base, module: SWEEP_MODULE, fn: "noSuchFunction" });
    assert.unreachable("should have thrown");
  } catch (e) {
    assert.match((e as Error).message, 'does not export a function "noSuchFunction"');
  }
  try {
    await runTrials({ ...base, module: "relative/path.ts", fn: "x" });
    assert.unreachable("should have thrown");
  } catch (e) {
    assert.match((e as Error).message, "absolute path");
  }
});

test("a large shared payload (64 MB) reaches every thread once, through shared memory", async () => {
  const x = new Float32Array(16 * 1024 * 1024);
  x[x.length - 1] = 7;
  const t0 = performance.now();
  const results = await runTrials<{ ms: number }, { worker: number; rows: number; last: number; sharedMemory: boolean }, { x: Float32Array }>({
    module: path.resolve(__dirname, "fixtures/busy-trials.ts"),
    fn: "busy",
    setup: "setup",
    trials: Array.from({ length: 6 }, () => ({ ms: 400 })),
    shared: { x },
    workers: 2,
  });
  const ms = performance.now() - t0;
  assert.ok(results.every((r) => r.rows === x.length && r.last === 7), "every trial saw the whole payload");
  assert.ok(results.every((r) => r.sharedMemory), "the threads read it from shared memory");
  const threads = new Set(results.map((r) => r.worker));
  assert.is(threads.size, 2, `both threads ran trials (${[...threads]})`);
  assert.ok(ms < 6 * 400, `the 6 busy trials of 0.4 s ran in parallel (${ms.toFixed(0)} ms in all)`);
});

test("worker count: DISTILL_WORKERS overrides the number of cores; bad values are refused", () => {
  const saved = process.env.DISTILL_WORKERS;
  try {
    process.env.DISTILL_WORKERS = "3";
    assert.is(defaultWorkers(), 3);
    process.env.DISTILL_WORKERS = "zero";
    assert.throws(() => defaultWorkers(), /DISTILL_WORKERS must be a positive integer/);
    delete process.env.DISTILL_WORKERS;
    assert.ok(defaultWorkers() >= 1);
  } finally {
    if (saved === undefined) delete process.env.DISTILL_WORKERS;
    else process.env.DISTILL_WORKERS = saved;
  }
});

test.run();

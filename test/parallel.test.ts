import * as fs from "fs";
import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { initBackend } from "../src/backend";
import { loadDigits } from "../src/data/digits";
import { TrialError, defaultWorkers, runTrials } from "../src/experiment/parallel";
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

/**
 * Pids of this process's live runTrials workers (Linux /proc); null where /proc
 * is missing. (Other children, e.g. the esbuild service tsx starts on a cold
 * cache, are not ours to count.)
 */
function childPids(): number[] | null {
  if (!fs.existsSync("/proc/self/stat")) return null;
  const out: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[1]) !== process.pid || fields[0] === "Z") continue;
      if (fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").includes("parallel-worker")) out.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

function assertNoChildren(when: string): void {
  const pids = childPids();
  if (pids !== null) assert.equal(pids, [], `no child processes left ${when}`);
}

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

test("parallel sweep (2 worker processes) equals the serial in-process sweep exactly", async () => {
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
  assertNoChildren("after a parallel sweep");
});

const trialsWithBadOne = (): SweepTrial[] =>
  [0, 1, 2, 3].map((seed) => ({
    setting: { name: "all rows", trainFraction: 1, epochs: seed === 0 ? 300 : 1 },
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
    assert.match(e.message, /failed in worker \d \(pid \d+/);
    assert.match(e.message, "--- worker stack ---\nError: learningRate must be > 0");
    if (workers > 1) assert.ok(done.length < 4, `the run stopped at the failure (finished: ${done})`);
    else assert.equal(done, [0, 1]);
    assertNoChildren("after a failed parallel run");
  });
}

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
  assertNoChildren("after failed setups");
});

test("a large shared payload (64 MB) reaches the workers although this process is busy in trials", async () => {
  // Busy trials never turn this process's event loop, as training does not: the
  // payload must be through before this process starts on trials of its own.
  const x = new Float32Array(16 * 1024 * 1024);
  x[x.length - 1] = 7;
  const results = await runTrials<{ ms: number }, { worker: number; rows: number; last: number }, { x: Float32Array }>({
    module: path.resolve(__dirname, "fixtures/busy-trials.ts"),
    fn: "busy",
    setup: "setup",
    trials: Array.from({ length: 6 }, () => ({ ms: 400 })),
    shared: { x },
    workers: 2,
  });
  assert.ok(results.every((r) => r.rows === x.length && r.last === 7), "every trial saw the whole payload");
  const byWorker = [0, 1].map((w) => results.filter((r) => r.worker === w).length);
  assert.ok(byWorker[1] >= 2, `worker 1 ran ${byWorker[1]} of 6 trials, this process ${byWorker[0]}`);
  assertNoChildren("after the large-payload run");
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

/**
 * The sweep cases of `npm run bench` (scripts/bench.ts): one 16-trial
 * temperature sweep (students 64-16-10 on the digits, 4 seeds × hard labels +
 * T = 1, 4, 8) run four ways, each timed from the call to the last result:
 *
 *   sweep-serial   in this process (workers = 1): the reference
 *   sweep-pool     the local pool of worker threads (workers = BENCH_WORKERS, default the cores)
 *   sweep-queue-1  through the BullMQ queue on a fresh local redis-server, one `npm run worker` (concurrency 1)
 *   sweep-queue-2  the same with two workers
 *   sweep-side-by-side  the machine's ceiling for any pool: two separate
 *                  processes, started together, each running half of the
 *                  trials serially (scripts/bench-sweep-half.ts); speedup =
 *                  serial time / the slower half's time
 *
 * Each line after the first carries its speedup and whether its results were
 * bit-identical to the serial run's (wall times aside). The queue cases need
 * Debian's redis-server; without it they print {skipped}. The workers start
 * before the clock does (their start-up is not part of a sweep).
 */
import { spawn } from "child_process";
import * as os from "os";
import * as path from "path";
import { loadDigits } from "../src/data/digits";
import { defaultWorkers } from "../src/experiment/parallel";
import { trainTeacher } from "../src/experiment/runs";
import { TemperatureSweepConfig, TemperatureSweepResult, temperatureSweep } from "../src/experiment/temperature-sweep";
import { redisServerPath, startLocalRedis } from "./lib/local-redis";
import { startWorkerProcess } from "./lib/worker-processes";

type Emit = (c: string, t: { msPerStep: number; steps: number; warmup: number }, flops: number | null, extra?: Record<string, unknown>) => void;

const QUICK = process.env.BENCH_QUICK === "1";
const SWEEP_SEEDS = Number(process.env.BENCH_SWEEP_SEEDS ?? 4);
const SWEEP: TemperatureSweepConfig = {
  student: { hidden: [16], batchSize: 64, learningRate: 1e-3 },
  temperatures: [1, 4, 8],
  alpha: 0.5,
  seeds: Array.from({ length: SWEEP_SEEDS }, (_, i) => i),
  settings: [{ name: "all rows", trainFraction: 1, epochs: QUICK ? 40 : 100 }],
};

export const sweepConfig = (seeds = SWEEP.seeds): TemperatureSweepConfig => ({ ...SWEEP, seeds });

export async function sweepData() {
  const digits = loadDigits({ seed: 0 });
  const data = { train: digits.train, test: digits.test, trainT: digits.train.toTensors(), testT: digits.test.toTensors() };
  const teacher = await trainTeacher(data, { hidden: [128], epochs: 5, batchSize: 64, learningRate: 1e-3 }, 0);
  return { data, teacher };
}

/** Two processes at once, each running half of the seeds serially; the slower one's sweep time. */
async function sideBySide(): Promise<number> {
  const half = Math.ceil(SWEEP.seeds.length / 2);
  const parts = [SWEEP.seeds.slice(0, half), SWEEP.seeds.slice(half)];
  const runs = parts.map(
    (seeds) =>
      new Promise<number>((resolve, reject) => {
        const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "bench-sweep-half.ts"), seeds.join(",")], { env: process.env, stdio: ["ignore", "pipe", "inherit"] });
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        child.once("exit", (code) => (code === 0 ? resolve(JSON.parse(out.trim().split("\n").pop()!).ms) : reject(new Error(`bench-sweep-half exited ${code}`))));
      }),
  );
  return Math.max(...(await Promise.all(runs)));
}

export async function sweepCases(emit: Emit): Promise<void> {
  const { data, teacher } = await sweepData();
  const workers = Number(process.env.BENCH_WORKERS ?? defaultWorkers());
  const trials = SWEEP.settings.length * SWEEP.seeds.length * (SWEEP.temperatures.length + 1);
  const timed = async (w: number, queue?: string): Promise<{ ms: number; result: TemperatureSweepResult }> => {
    const log = console.log;
    console.log = () => {}; // the sweep's progress lines would mix with the JSON on stdout
    const saved = process.env.DISTILL_QUEUE;
    if (queue) process.env.DISTILL_QUEUE = queue;
    else delete process.env.DISTILL_QUEUE;
    try {
      const t0 = performance.now();
      const result = await temperatureSweep(data, teacher, SWEEP, { workers: w });
      return { ms: performance.now() - t0, result };
    } finally {
      console.log = log;
      if (saved === undefined) delete process.env.DISTILL_QUEUE;
      else process.env.DISTILL_QUEUE = saved;
    }
  };
  const strip = (r: TemperatureSweepResult) => JSON.stringify({ ...r, rows: r.rows.map((row) => ({ ...row, ms: 0 })) });
  const extra = { unit: "sweep", trials, epochs: SWEEP.settings[0].epochs, student: "64-16-10", cores: os.availableParallelism() };
  const r2 = (x: number) => Number(x.toFixed(2));
  const line = (ms: number) => ({ msPerStep: ms, steps: 1, warmup: 0 });
  try {
    const serial = await timed(1);
    emit("sweep-serial", line(serial.ms), null, { ...extra, workers: 1, loadAvg1m: r2(os.loadavg()[0]) });
    const pool = await timed(workers);
    emit("sweep-pool", line(pool.ms), null, { ...extra, workers, speedup: r2(serial.ms / pool.ms), identical: strip(pool.result) === strip(serial.result), loadAvg1m: r2(os.loadavg()[0]) });
    const side = await sideBySide();
    emit("sweep-side-by-side", line(side), null, { ...extra, processes: 2, speedup: r2(serial.ms / side), loadAvg1m: r2(os.loadavg()[0]) });
    if (!redisServerPath()) {
      for (const c of ["sweep-queue-1", "sweep-queue-2"]) process.stdout.write(JSON.stringify({ case: c, skipped: "redis-server is not installed (apt-get install -y redis-server)" }) + "\n");
      return;
    }
    let oneWorkerMs = 0;
    for (const n of [1, 2]) {
      const redis = await startLocalRedis(); // a fresh one: nothing to reuse from the other run
      const procs = await Promise.all(Array.from({ length: n }, () => startWorkerProcess(redis.url, { concurrency: 1 })));
      try {
        const q = await timed(1, redis.url);
        if (n === 1) oneWorkerMs = q.ms;
        const vs = n === 1 ? { vsSerial: r2(serial.ms / q.ms) } : { speedup: r2(oneWorkerMs / q.ms), vsSerial: r2(serial.ms / q.ms) };
        emit(`sweep-queue-${n}`, line(q.ms), null, { ...extra, queueWorkers: n, ...vs, identical: strip(q.result) === strip(serial.result), loadAvg1m: r2(os.loadavg()[0]) });
      } finally {
        await Promise.all(procs.map((p) => p.kill()));
        await redis.stop();
      }
    }
  } finally {
    teacher.dispose();
    for (const d of [data.trainT, data.testT]) {
      d.x.dispose();
      d.y.dispose();
    }
  }
}

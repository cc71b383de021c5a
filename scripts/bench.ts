/**
 * Benchmark of training and distillation steps on every TensorFlow.js backend
 * that loads here (`npm run bench`). Not a test: it prints one JSON object per
 * line and case on stdout, progress on stderr.
 *
 * Each backend runs in its own child process (backends and kernel patches are
 * process-wide), in this order: tensorflow (if tfjs-node loads), wasm with the
 * kernel patches of src/wasm-kernels.ts, wasm without them
 * (DISTILL_WASM_FAST=0), cpu. Before/after of the wasm patch is one command.
 *
 * Cases (random data from fixed seeds unless noted; Adam, as src/train/trainer.ts):
 *   a  training step of an MLP 784-512-512-10, batch 256, cross-entropy
 *   b  distillation step: teacher 784-512-512-10 forward + student 784-128-10
 *      training step with distillationLoss (T = 4, α = 0.5)
 *   c  the same step with the teacher's logits cached
 *   d  plain cross-entropy training step of the same 784-128-10 student
 *   e  one epoch of train() on the digits (student 64-16-10, batch 64, 1297
 *      samples) distilled at T = 4 from cached teacher logits (includes
 *      train()'s per-epoch evaluation on the 500 test samples)
 *
 *   f-ngram-bag-step-kernel-* / f-ngram-bag-step-ops-*
 *      a training step of notebook 09's n-gram-bag text student (batch 64 ×
 *      483 ids) with the embedding-bag kernels and with tfjs ops
 *      (scripts/bench-text.ts), at 4,096 × 8 and 16,384 × 16.
 *
 *   g / h (scripts/bench-protocol.ts): a training step of notebook 07's large CNN
 *      teacher at batch 64; one fit() epoch of a 784-128-10 student on 55,000 rows
 *      from cached teacher logits.
 *
 *   PyTorch reference (scripts/bench-torch.ts, bench/torch_reference.py): cases
 *      a, g and h measured with Debian's python3-torch on the CPU in the same run,
 *      and a "<case>-vs-pytorch" line per tfjs line with ratioToPytorch.
 *
 *   sweep-serial / sweep-pool / sweep-queue-1 / sweep-queue-2
 *      one 16-trial temperature sweep serially, through the local pool of
 *      worker threads and through the BullMQ queue with one and two worker
 *      processes (scripts/bench-sweep.ts); msPerStep is the whole sweep, each
 *      line its speedup and whether its results were bit-identical. On the
 *      wasm configuration only.
 *
 * msPerStep is the median of the timed runs after warm-up (for e: one run =
 * one epoch). gflops counts 2·m·n·k per matmul of a forward pass and 3× that
 * for a training step (forward + two backward products). A case a backend
 * cannot run prints {case, backend, skipped: reason} instead.
 *
 * Env: BENCH_QUICK=1 for a ~30 s version (sweep: 40 instead of 100 epochs);
 * BENCH_BACKENDS=tensorflow,wasm,wasm-nofast,cpu,webgpu to pick configurations
 * (webgpu is not in the default list: DISTILL_WEBGPU_BACKEND picks Dawn's
 * backend); BENCH_CASES=a,b,c,d,e,f,g,h,sweep to pick cases (default all);
 * BENCH_TORCH=0 to leave out the PyTorch reference, BENCH_TORCH_THREADS its threads;
 * BENCH_WORKERS for the pool sweep, BENCH_SWEEP_SEEDS (default 4) for its size.
 */
import { spawn } from "child_process";
import * as tf from "@tensorflow/tfjs";
import { BackendName, initBackend } from "../src/backend";
import { loadDigits } from "../src/data/digits";
import { crossEntropy, distillationLoss } from "../src/distill/losses";
import { cacheTeacherOutputs } from "../src/distill/teachers";
import { sweepCases } from "./bench-sweep";
import { textCases } from "./bench-text";
import { cnnStepCase, studentEpochCase } from "./bench-protocol";
import { BenchLine, ratioLines, runTorchReference } from "./bench-torch";
import { buildMlp } from "../src/models/mlp";
import { train } from "../src/train/trainer";
import { wasmKernelsInfo } from "../src/wasm-kernels";
import { webGpuInfo } from "../src/webgpu";

const QUICK = process.env.BENCH_QUICK === "1";

const ALL_CASES = ["a", "b", "c", "d", "e", "f", "g", "h", "sweep"];
/** The cases bench/torch_reference.py also measures. */
const TORCH_CASES = ["a", "g", "h"];
const CASES = new Set((process.env.BENCH_CASES ?? "").split(",").map((s) => s.trim()).filter(Boolean));
if (CASES.size === 0) ALL_CASES.forEach((c) => CASES.add(c));
for (const c of CASES) if (!ALL_CASES.includes(c)) throw new Error(`BENCH_CASES must name some of ${ALL_CASES.join(", ")}; got "${c}"`);

interface Config {
  label: string;
  backend: BackendName;
  env: Record<string, string>;
  /** Only when BENCH_BACKENDS names it. */
  optIn?: boolean;
}

const CONFIGS: Config[] = [
  { label: "tensorflow", backend: "tensorflow", env: {} },
  { label: "wasm", backend: "wasm", env: { DISTILL_WASM_FAST: "1" } },
  { label: "wasm-nofast", backend: "wasm", env: { DISTILL_WASM_FAST: "0" } },
  { label: "cpu", backend: "cpu", env: {} },
  { label: "webgpu", backend: "webgpu", env: {}, optIn: true },
];

function progress(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

// ---------------------------------------------------------------- parent

async function runParent(): Promise<void> {
  const wanted = (process.env.BENCH_BACKENDS ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const configs = wanted.length ? CONFIGS.filter((c) => wanted.includes(c.label)) : CONFIGS.filter((c) => !c.optIn);
  if (!configs.length) throw new Error(`BENCH_BACKENDS must name some of ${CONFIGS.map((c) => c.label).join(", ")}`);
  const t0 = performance.now();
  const lines: BenchLine[] = [];
  for (const c of configs) {
    progress(`${c.label}: starting`);
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, [...process.execArgv, __filename, "--child"], {
        env: { ...process.env, ...c.env, DISTILL_BACKEND: c.backend, BENCH_CHILD_LABEL: c.label },
        stdio: ["ignore", "pipe", "inherit"],
      });
      let buf = "";
      child.stdout.on("data", (b: Buffer) => {
        process.stdout.write(b);
        buf += b.toString("utf8");
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line.startsWith("{")) lines.push(JSON.parse(line) as BenchLine);
        }
      });
      child.on("error", reject);
      child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    });
    if (code === SKIP_EXIT) progress(`${c.label}: skipped (backend not available)`);
    else if (code !== 0) progress(`${c.label}: child exited with code ${code}`);
  }
  const torchCases = TORCH_CASES.filter((c) => CASES.has(c));
  if (torchCases.length && process.env.BENCH_TORCH !== "0") {
    progress("pytorch reference: starting");
    const torch = await runTorchReference(torchCases);
    for (const l of [...torch, ...ratioLines(lines, torch)]) process.stdout.write(JSON.stringify(l) + "\n");
  }
  progress(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

// ---------------------------------------------------------------- child

const SKIP_EXIT = 3;

interface Timing {
  msPerStep: number;
  steps: number;
  warmup: number;
}

/** Warm-up runs, then timed runs until `maxRuns`, or `budgetMs` has passed and `minRuns` are done. */
async function timeIt(fn: () => Promise<void>, opts: { warmup: number; minRuns: number; maxRuns: number; budgetMs: number }): Promise<Timing> {
  for (let i = 0; i < opts.warmup; i++) await fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < opts.maxRuns && (times.length < opts.minRuns || performance.now() - start < opts.budgetMs)) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((x, y) => x - y);
  const mid = times.length >> 1;
  const median = times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
  return { msPerStep: median, steps: times.length, warmup: opts.warmup };
}

/** Multiply-add FLOPs of one forward pass of an MLP with layer widths `dims` on `batch` rows. */
function mlpForwardFlops(dims: number[], batch: number): number {
  let f = 0;
  for (let i = 0; i + 1 < dims.length; i++) f += 2 * batch * dims[i] * dims[i + 1];
  return f;
}

type Step = () => Promise<void>;

/**
 * Waits until `t` is computed, then disposes it. dataSync where the backend can
 * (no extra promise round trip), await data() on webgpu, which cannot read
 * synchronously in Node.
 */
async function settle(t: tf.Tensor): Promise<void> {
  if (tf.getBackend() === "webgpu") await t.data();
  else t.dataSync();
  t.dispose();
}

/** One Adam training step of `model` on the loss; syncs on the loss value so the work is done when it returns. */
function trainStep(model: tf.LayersModel, optimizer: tf.Optimizer, loss: (logits: tf.Tensor2D) => tf.Scalar, x: tf.Tensor2D): Step {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  return () =>
    settle(
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => loss(model.apply(x, { training: true }) as tf.Tensor2D), vars);
        optimizer.applyGradients(grads as unknown as Parameters<typeof optimizer.applyGradients>[0]);
        return value;
      }),
    );
}

async function runChild(): Promise<void> {
  const label = process.env.BENCH_CHILD_LABEL ?? "?";
  let backendName: string;
  try {
    const choice = await initBackend({ log: false });
    backendName = choice.name === "tensorflow" ? `tensorflow-${choice.device}` : choice.name;
  } catch (err) {
    progress(`${label}: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(SKIP_EXIT);
  }
  const info = wasmKernelsInfo();
  const isWasm = tf.getBackend() === "wasm";
  const wasmFast = isWasm && info.patched.length > 0;
  const common = {
    backend: backendName,
    wasmFast,
    ...(isWasm ? { wasmPatched: info.patched, wasmFilled: info.filled, wasmReplaced: info.replaced } : {}),
    ...(tf.getBackend() === "webgpu" ? { webgpu: webGpuInfo()?.summary } : {}),
    node: process.version,
    tfjs: tf.version.tfjs,
  };
  const slow = tf.getBackend() === "cpu" || (isWasm && !wasmFast);
  const big = QUICK
    ? { warmup: 1, minRuns: slow ? 2 : 3, maxRuns: 30, budgetMs: slow ? 1500 : 1500 }
    : { warmup: slow ? 1 : 3, minRuns: slow ? 3 : 5, maxRuns: 60, budgetMs: slow ? 4000 : 4000 };
  const small = QUICK ? { warmup: 2, minRuns: 5, maxRuns: 200, budgetMs: 1000 } : { warmup: 5, minRuns: 10, maxRuns: 600, budgetMs: 5000 };

  const results = new Map<string, number>();
  const emit = (c: string, t: Timing, flops: number | null, extra: Record<string, unknown> = {}) => {
    results.set(c, t.msPerStep);
    const line = {
      case: c,
      ...common,
      msPerStep: Number(t.msPerStep.toFixed(3)),
      gflops: flops === null ? null : Number((flops / (t.msPerStep * 1e6)).toFixed(2)),
      steps: t.steps,
      warmup: t.warmup,
      ...extra,
    };
    process.stdout.write(JSON.stringify(line) + "\n");
    progress(`${label}: ${c} ${t.msPerStep.toFixed(1)} ms (${t.steps} runs)`);
  };

  const batch = 256;
  const x = tf.randomNormal([batch, 784], 0, 1, "float32", 11) as tf.Tensor2D;
  const y = tf.randomUniformInt([batch], 0, 10, 12) as tf.Tensor1D;
  const T = 4;
  const alpha = 0.5;
  const bigDims = [784, 512, 512, 10];
  const studentDims = [784, 128, 10];

  /** Runs one case; a case this backend cannot run prints a "skipped" line instead of ending the run. */
  const runCase = async (ids: string[], name: string, body: () => Promise<void>) => {
    if (!ids.some((id) => CASES.has(id))) return;
    try {
      await body();
    } catch (err) {
      const reason = (err instanceof Error ? err.message : String(err)).split("\n")[0];
      process.stdout.write(JSON.stringify({ case: name, ...common, skipped: reason }) + "\n");
      progress(`${label}: ${name} skipped: ${reason}`);
    }
  };

  // (a) big MLP, cross-entropy training step
  await runCase(["a"], "a-mlp784-512-512-10-ce-train", async () => {
    const model = buildMlp({ inputDim: 784, hidden: [512, 512], outputDim: 10, seed: 1 });
    const opt = tf.train.adam(1e-3);
    const t = await timeIt(trainStep(model, opt, (z) => crossEntropy(z, y), x), big);
    emit("a-mlp784-512-512-10-ce-train", t, 3 * mlpForwardFlops(bigDims, batch), { batch });
    opt.dispose();
    model.dispose();
  });

  const teacher = buildMlp({ inputDim: 784, hidden: [512, 512], outputDim: 10, seed: 2 });
  const teacherLogits = tf.tidy(() => teacher.apply(x, { training: false }) as tf.Tensor2D);
  const studentFlops = 3 * mlpForwardFlops(studentDims, batch);

  // (b) distillation step with the teacher's forward pass
  await runCase(["b"], "b-distill-teacher-forward", async () => {
    const student = buildMlp({ inputDim: 784, hidden: [128], outputDim: 10, seed: 3 });
    const opt = tf.train.adam(1e-3);
    const vars = student.trainableWeights.map((w) => w.read() as tf.Variable);
    const step: Step = () =>
      settle(
        tf.tidy(() => {
          const tl = teacher.apply(x, { training: false }) as tf.Tensor2D;
          const { value, grads } = tf.variableGrads(() => {
            const logits = student.apply(x, { training: true }) as tf.Tensor2D;
            return distillationLoss({ studentLogits: logits, teacherLogits: tl, labels: y, temperature: T, alpha }).total;
          }, vars);
          opt.applyGradients(grads as unknown as Parameters<typeof opt.applyGradients>[0]);
          return value;
        }),
      );
    const t = await timeIt(step, slow ? big : small);
    emit("b-distill-teacher-forward", t, mlpForwardFlops(bigDims, batch) + studentFlops, { batch, temperature: T, alpha });
    opt.dispose();
    student.dispose();
  });

  // (c) and (d): the same student with cached teacher logits vs plain cross-entropy.
  // Measured interleaved in rounds so that both see the same machine state.
  await runCase(["c", "d"], "c/d-student-steps", async () => {
    const sC = buildMlp({ inputDim: 784, hidden: [128], outputDim: 10, seed: 3 });
    const sD = buildMlp({ inputDim: 784, hidden: [128], outputDim: 10, seed: 3 });
    const oC = tf.train.adam(1e-3);
    const oD = tf.train.adam(1e-3);
    const stepC = trainStep(sC, oC, (z) => distillationLoss({ studentLogits: z, teacherLogits, labels: y, temperature: T, alpha }).total, x);
    const stepD = trainStep(sD, oD, (z) => crossEntropy(z, y), x);
    const opts = slow ? big : small;
    const rounds = QUICK ? 3 : 5;
    const part = { ...opts, minRuns: Math.ceil(opts.minRuns / rounds), maxRuns: Math.ceil(opts.maxRuns / rounds), budgetMs: opts.budgetMs / rounds };
    const tc: Timing[] = [];
    const td: Timing[] = [];
    for (let r = 0; r < rounds; r++) {
      tc.push(await timeIt(stepC, { ...part, warmup: r === 0 ? opts.warmup : 1 }));
      td.push(await timeIt(stepD, { ...part, warmup: r === 0 ? opts.warmup : 1 }));
    }
    const merge = (ts: Timing[]): Timing => {
      const ms = ts.map((t) => t.msPerStep).sort((p, q) => p - q);
      return { msPerStep: ms[ms.length >> 1], steps: ts.reduce((s, t) => s + t.steps, 0), warmup: opts.warmup };
    };
    const c = merge(tc);
    const d = merge(td);
    emit("c-distill-cached-teacher", c, studentFlops, { batch, temperature: T, alpha, ratioToD: Number((c.msPerStep / d.msPerStep).toFixed(3)) });
    emit("d-student-ce-train", d, studentFlops, { batch });
    oC.dispose();
    oD.dispose();
    sC.dispose();
    sD.dispose();
  });
  teacherLogits.dispose();
  teacher.dispose();
  x.dispose();
  y.dispose();

  // (e) one epoch of the digits student with distillation through train()
  await runCase(["e"], "e-digits-epoch-distill-T4", async () => {
    const digits = loadDigits({ seed: 0 });
    const trainT = digits.train.toTensors();
    const testT = digits.test.toTensors();
    const dTeacher = buildMlp({ inputDim: 64, hidden: [128], outputDim: 10, seed: 4 });
    const cached = cacheTeacherOutputs(dTeacher, trainT.x, testT.x);
    const student = buildMlp({ inputDim: 64, hidden: [16], outputDim: 10, seed: 5 });
    const n = trainT.x.shape[0];
    const nTest = testT.x.shape[0];
    const epoch = async () => {
      await train(
        student,
        { train: trainT, test: testT, teacherTrain: cached.train, teacherTest: cached.test },
        { epochs: 1, batchSize: 64, learningRate: 1e-3, seed: 6, temperature: T, alpha },
      );
    };
    const opts = QUICK ? { warmup: 1, minRuns: 3, maxRuns: 20, budgetMs: 1500 } : { warmup: 2, minRuns: 5, maxRuns: 40, budgetMs: 4000 };
    const t = await timeIt(epoch, opts);
    const flops = 3 * mlpForwardFlops([64, 16, 10], n) + mlpForwardFlops([64, 16, 10], nTest);
    emit("e-digits-epoch-distill-T4", t, flops, { unit: "epoch", samples: n, batch: 64, batchesPerEpoch: Math.ceil(n / 64), temperature: T, alpha });
    cached.dispose();
    dTeacher.dispose();
    student.dispose();
    for (const d of [trainT, testT]) {
      d.x.dispose();
      d.y.dispose();
    }
  });

  // (g) the large CNN teacher's training step, (h) a student epoch at notebook 07's scale (scripts/bench-protocol.ts)
  await runCase(["g"], "g-cnn32-64-128-train-b64", () => cnnStepCase(emit, timeIt, trainStep, big));
  await runCase(["h"], "h-student-epoch-55000-cached-kd", () => studentEpochCase(emit, timeIt, QUICK));

  // (f) the n-gram-bag text student's step, kernels vs tfjs ops (scripts/bench-text.ts)
  await runCase(["f"], "f-ngram-bag-step", () => textCases(emit, timeIt, small));

  // sweep-serial / -pool / -queue-1 / -queue-2 (scripts/bench-sweep.ts): on the default configuration only
  if (CASES.has("sweep")) {
    if (label !== "wasm") {
      for (const c of ["sweep-serial", "sweep-pool", "sweep-queue-1", "sweep-queue-2"]) process.stdout.write(JSON.stringify({ case: c, ...common, skipped: "the sweep cases run on the wasm configuration only" }) + "\n");
    } else await runCase(["sweep"], "sweep", () => sweepCases(emit));
  }
}

if (process.argv.includes("--child")) {
  runChild().catch((err) => {
    progress(`child failed: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  });
} else {
  runParent().catch((err) => {
    progress(`failed: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  });
}

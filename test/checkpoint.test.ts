import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { initBackend, tf } from "../src/backend";
import { loadConfigFile } from "../src/experiment/config";
import { ExperimentResults, runExperiment } from "../src/experiment/experiment";
import { buildMlp } from "../src/models/mlp";
import { loadCheckpoint, saveCheckpoint } from "../src/train/checkpoint";

const ROOT = path.resolve(__dirname, "..");
const CONFIG = path.join(__dirname, "fixtures", "experiments", "resume.json");
let tmp: string;
let reference: ExperimentResults;

/** The numbers of a results file: everything but timestamps, durations and where/how it ran. */
function numbers(r: ExperimentResults): unknown {
  return JSON.parse(JSON.stringify(r, (k, v) => (["createdAt", "durationMs", "ms", "resumedFromEpoch", "checkpoint", "export", "exportedTo"].includes(k) ? undefined : v)));
}

test.before(async () => {
  await initBackend({ log: false });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ckpt-test-"));
  reference = await runExperiment(loadConfigFile(CONFIG), { resultsPath: path.join(tmp, "reference.json") });
});

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test("a run interrupted after a checkpoint resumes to the same numbers (in process)", async () => {
  const dir = path.join(tmp, "ck-inproc");
  const out = path.join(tmp, "inproc.json");
  let stopped = false;
  try {
    await runExperiment(loadConfigFile(CONFIG), {
      resultsPath: out,
      checkpointDir: dir,
      checkpointEvery: 2,
      onProgress: (e) => {
        if (e.kind === "checkpoint" && e.seed === 0 && e.epoch === 6) throw new Error("interrupted");
      },
    });
  } catch (err) {
    stopped = /interrupted/.test(String(err));
  }
  assert.ok(stopped, "the first run stopped");
  assert.not.ok(fs.existsSync(out), "no results from the interrupted run");
  const resumed = await runExperiment(loadConfigFile(CONFIG), { resultsPath: out, checkpointDir: dir, checkpointEvery: 2 });
  assert.is(resumed.runs[0].resumedFromEpoch, 6);
  assert.is(resumed.runs[1].resumedFromEpoch, null);
  assert.equal(numbers(resumed), numbers(reference), "bit-identical numbers");
  assert.equal(fs.readdirSync(path.join(dir, "seed-0")).sort(), ["manifest.json", "optimizer-e0012.bin", "weights-e0012.bin"], "old checkpoint files removed");
});

test("a child process killed with SIGKILL mid-run resumes to the same results", async () => {
  const dir = path.join(tmp, "ck-kill");
  const out = path.join(tmp, "killed.json");
  const args = ["tsx", "scripts/run-experiment.ts", CONFIG, "--checkpoint-dir", dir, "--out", out];
  // detached: its own process group, so the kill reaches tsx's node child too.
  const child = spawn("npx", args, { cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  const killedAt = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (b: Buffer) => {
      log += b.toString();
      const m = /checkpoint seed 1 epoch 3\n/.exec(log);
      if (m) {
        process.kill(-child.pid!, "SIGKILL");
        resolve(m[0].trim());
      }
    });
    child.stderr.on("data", (b: Buffer) => (log += b.toString()));
    child.on("exit", (code, signal) => (signal === "SIGKILL" ? undefined : reject(new Error(`child exited (${code}) before the kill:\n${log}`))));
  });
  await new Promise((r) => child.on("close", r));
  assert.is(killedAt, "checkpoint seed 1 epoch 3");
  assert.not.ok(fs.existsSync(out), "killed before the results were written");
  assert.ok(fs.existsSync(path.join(dir, "seed-1", "manifest.json")));

  const second = spawn("npx", args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let log2 = "";
  second.stdout.on("data", (b: Buffer) => (log2 += b.toString()));
  second.stderr.on("data", (b: Buffer) => (log2 += b.toString()));
  const code = await new Promise<number | null>((r) => second.on("close", r));
  assert.is(code, 0, log2);
  assert.match(log2, /teacher 64-16-10 restored/);
  assert.match(log2, /resume seed 0 from epoch 12/);
  const resumed = JSON.parse(fs.readFileSync(out, "utf8")) as ExperimentResults;
  const from = resumed.runs[1].resumedFromEpoch!;
  assert.ok(from >= 3 && from < 12, `seed 1 resumed from epoch ${from}`);
  assert.equal(numbers(resumed), numbers(reference), "bit-identical numbers after kill -9 and resume");
  assert.equal(fs.readdirSync(dir).filter((f) => f.startsWith(".")), [], "no temp files left at the top");
});

test("a refused checkpoint is never half-loaded: the model keeps its weights", async () => {
  const model = buildMlp({ inputDim: 4, hidden: [3], outputDim: 2, seed: 1 });
  const opt = tf.train.adam(0.1);
  const x = tf.randomNormal([8, 4], 0, 1, "float32", 1) as tf.Tensor2D;
  opt.minimize(() => tf.mean(tf.square(model.predict(x) as tf.Tensor)) as tf.Scalar);
  const dir = path.join(tmp, "half");
  const identity = { fingerprint: "f", config: { a: 1 }, describe: "4-3-2" };
  await saveCheckpoint(dir, { model, optimizer: opt, state: { epoch: 1, step: 1, rngState: 7, history: [{ epoch: 1, loss: 1, parts: { ce: 1, kd: 0 }, ce: 1, kd: 0, attentionSimilarity: null, trainAcc: 0.5, testAcc: 0.5, teacherAgreement: null, temperature: 1, ms: 1 }] }, identity });
  const fresh = buildMlp({ inputDim: 4, hidden: [3], outputDim: 2, seed: 2 });
  const before = fresh.getWeights().map((w) => Array.from(w.dataSync()));
  // The weights file is intact, the optimizer file is not: nothing may be assigned.
  const optFile = fs.readdirSync(dir).find((f) => f.startsWith("optimizer-"))!;
  const buf = fs.readFileSync(path.join(dir, optFile));
  buf[buf.length - 1] ^= 0xff;
  fs.writeFileSync(path.join(dir, optFile), buf);
  assert.throws(() => loadCheckpoint(dir, fresh, identity), /checksum mismatch in optimizer-e0001\.bin/);
  assert.equal(fresh.getWeights().map((w) => Array.from(w.dataSync())), before);
  // A good checkpoint restores weights and the optimizer's exact state.
  buf[buf.length - 1] ^= 0xff;
  fs.writeFileSync(path.join(dir, optFile), buf);
  const ck = loadCheckpoint(dir, fresh, identity)!;
  const opt2 = tf.train.adam(0.1);
  await ck.apply(fresh, opt2);
  assert.equal(fresh.getWeights().map((w) => Array.from(w.dataSync())), model.getWeights().map((w) => Array.from(w.dataSync())));
  const a = await opt.getWeights();
  const b = await opt2.getWeights();
  assert.equal(b.map((w) => Array.from(w.tensor.dataSync())), a.map((w) => Array.from(w.tensor.dataSync())));
  assert.is((opt2 as unknown as { accBeta1: tf.Variable }).accBeta1.dataSync()[0], (opt as unknown as { accBeta1: tf.Variable }).accBeta1.dataSync()[0]);
  tf.dispose([x, a[0].tensor, b[0].tensor]);
  [opt, opt2].forEach((o) => o.dispose());
  [model, fresh].forEach((m) => m.dispose());
});

test.run();

/**
 * Every class of bad input, each checked for a message that names the field
 * or file and the value: data (CSV), configuration, checkpoint, model files,
 * and numbers (divergence, extreme logits).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { initBackend, tf } from "../src/backend";
import { loadDigits } from "../src/data/digits";
import { distillationLoss, kdLoss } from "../src/distill/losses";
import { runExperiment } from "../src/experiment/experiment";
import { loadModel, saveModel } from "../src/models/io";
import { buildMlp } from "../src/models/mlp";
import { loadCheckpoint } from "../src/train/checkpoint";
import { train } from "../src/train/trainer";

const ROOT = path.resolve(__dirname, "..");
const TINY = JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", "experiments", "tiny.json"), "utf8"));
const small = { ...TINY, seeds: [0] };
let tmp: string;
let out: string;

test.before(async () => {
  await initBackend({ log: false });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bad-input-"));
  out = path.join(tmp, "results.json");
});
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The message runExperiment fails with ("" if it succeeds). */
async function failure(config: unknown, opts: { checkpointDir?: string } = {}): Promise<string> {
  try {
    await runExperiment(config, { resultsPath: out, ...opts });
    return "";
  } catch (err) {
    return (err as Error).message;
  }
}

function csv(name: string, text: string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
}

const csvConfig = (file: string, extra: Record<string, unknown> = {}) => ({
  data: { path: file, labelColumn: "label", ...extra },
  teacher: { hidden: [4], training: { epochs: 1 } },
  student: { hidden: [2] },
  optimizer: { epochs: 1 },
});

// ---------------------------------------------------------------- data

test("data: CSV errors name the file, line, column and value", async () => {
  const good = "a,b,label\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n";
  const cases: [string, string, RegExp][] = [
    ["missing.csv", "", /CSV file not found: .*missing\.csv/],
    ["empty.csv", "\n", /empty\.csv: the file is empty \(no rows\)/],
    ["nan.csv", good.replace("3,4,1", "3,abc,1"), /nan\.csv: line 3, column "b" \(#2\) is not a number: "abc"/],
    ["hole.csv", good.replace("3,4,1", "3,,1"), /hole\.csv: line 3, column "b" \(#2\) is empty \(missing value\)/],
    ["width.csv", good.replace("3,4,1", "3,4,1,9"), /width\.csv: line 3 has 4 columns, expected 3/],
    ["label.csv", good.replace("3,4,1", "3,4,1.5"), /label\.csv: line 3, label column "label" must be an integer class index ≥ 0; got "1\.5"/],
    ["quote.csv", 'a,b,label\n1,"2,0\n', /quote\.csv: malformed CSV at row/],
  ];
  for (const [name, text, expected] of cases) {
    const file = name === "missing.csv" ? path.join(tmp, name) : csv(name, text);
    assert.match(await failure(csvConfig(file)), expected, name);
  }
  const file = csv("nolabel.csv", good);
  assert.match(await failure({ ...csvConfig(file), data: { path: file, labelColumn: "y" } }), /labelColumn "y" not found in .*nolabel\.csv: columns are a, b, label/);
  const range = csv("range.csv", good + "9,9,5\n");
  assert.match(await failure(csvConfig(range, { numClasses: 2 })), /range\.csv: line 6, label 5 is out of range \[0, 1\]/);
});

// ---------------------------------------------------------------- configuration

test("configuration: several bad fields at once, unknown fields, T ≤ 0, negative weight, alpha outside [0, 1]", async () => {
  const msg = await failure({ ...small, loss: { alpha: 1.2, temperature: -1, extra: { l2: -0.5 }, beta: 2 }, optimizer: { epochs: 0 }, seeds: [] });
  assert.match(msg, /^invalid configuration \(6 problems\):/);
  for (const line of [
    "  - loss.alpha: got 1.2; expected a number ≤ 1",
    "  - loss.temperature: got -1; expected a number > 0",
    "  - loss.extra.l2: got -0.5; expected a number ≥ 0",
    "  - loss.beta: got 2; expected no such field (unknown field; allowed fields: alpha, temperature, extra)",
    "  - optimizer.epochs: got 0; expected a number > 0",
    "  - seeds: got []; expected at least 1 item(s)",
  ]) {
    assert.ok(msg.includes(line), `${line}\nnot in\n${msg}`);
  }
  assert.match(await failure({ ...small, loss: { alpha: -0.1 } }), /loss\.alpha: got -0\.1; expected a number ≥ 0/);
  assert.match(await failure({ ...small, loss: { temperature: 0 } }), /loss\.temperature: got 0; expected a number > 0/);
  assert.match(await failure({ ...small, loss: { temperature: { kind: "cosine", base: 4, alpha: 0.5, min: 0 } } }), /loss\.temperature\.min: got 0; expected a number > 0/);
  assert.match(await failure({ ...small, student: { hidden: [8], actvation: "tanh" } }), /student\.actvation: got "tanh"; expected no such field/);
  assert.match(await failure({ ...small, student: { hidden: [8], activation: "swish" } }), /student\.activation: got "swish"; expected one of "relu", "tanh", "elu", "sigmoid", "linear"/);
});

test("configuration file through the CLI: exit 1 with the problems; bad usage exit 2", () => {
  const file = path.join(tmp, "bad-config.json");
  fs.writeFileSync(file, JSON.stringify({ ...small, loss: { alpha: 3 }, optimizer: { epochs: 1, learningRate: "fast" } }));
  const r = spawnSync("npx", ["tsx", "scripts/run-experiment.ts", file, "--out", out], { cwd: ROOT, encoding: "utf8" });
  assert.is(r.status, 1, r.stderr);
  assert.ok(r.stderr.includes(`error: invalid configuration ${file} (2 problems):`), r.stderr);
  assert.ok(r.stderr.includes(`  - loss.alpha: got 3; expected a number ≤ 1`), r.stderr);
  assert.ok(r.stderr.includes(`  - optimizer.learningRate: got "fast"; expected a number`), r.stderr);
  const u = spawnSync("npx", ["tsx", "scripts/run-experiment.ts", file, "--checkpoint-every", "0"], { cwd: ROOT, encoding: "utf8" });
  assert.is(u.status, 2);
  assert.match(u.stderr, /--checkpoint-every must be a positive integer; got "0"/);
});

// ---------------------------------------------------------------- checkpoints

test("checkpoint: corrupt, truncated, missing file, other configuration, other architecture — refused with a clear message", async () => {
  const base = path.join(tmp, "ck-base");
  await runExperiment(small, { resultsPath: out, checkpointDir: base });
  const copy = (name: string) => {
    const d = path.join(tmp, name);
    fs.cpSync(base, d, { recursive: true });
    return { root: d, seed: path.join(d, "seed-0") };
  };
  const bin = (dir: string, prefix: string) => path.join(dir, fs.readdirSync(dir).find((f) => f.startsWith(prefix))!);

  const flipped = copy("ck-flip");
  const w = bin(flipped.seed, "weights-");
  const buf = fs.readFileSync(w);
  buf[10] ^= 0x01;
  fs.writeFileSync(w, buf);
  assert.match(await failure(small, { checkpointDir: flipped.root }), /checkpoint .*ck-flip\/seed-0: checksum mismatch in weights-e0004\.bin: sha256 [0-9a-f]{16}…, manifest\.json says [0-9a-f]{16}…/);

  const truncated = copy("ck-trunc");
  const man = path.join(truncated.seed, "manifest.json");
  fs.writeFileSync(man, fs.readFileSync(man, "utf8").slice(0, 200));
  assert.match(await failure(small, { checkpointDir: truncated.root }), /checkpoint .*ck-trunc\/seed-0: manifest\.json is corrupt: not valid JSON \(.*\); the file may be truncated/);

  const short = copy("ck-short");
  const ow = bin(short.seed, "optimizer-");
  fs.writeFileSync(ow, fs.readFileSync(ow).subarray(0, 100));
  const shortMsg = await failure(small, { checkpointDir: short.root });
  assert.match(shortMsg, /ck-short\/seed-0: optimizer-e0004\.bin has 100 bytes, manifest\.json says 4880 \(truncated or replaced\)/);

  const missing = copy("ck-missing");
  fs.rmSync(bin(missing.seed, "weights-"));
  assert.match(await failure(small, { checkpointDir: missing.root }), /ck-missing\/seed-0: file weights-e0004\.bin listed in manifest\.json is missing/);

  const edited = copy("ck-schema");
  const m = JSON.parse(fs.readFileSync(path.join(edited.seed, "manifest.json"), "utf8"));
  m.state.epoch = -1;
  delete m.files.optimizer;
  fs.writeFileSync(path.join(edited.seed, "manifest.json"), JSON.stringify(m));
  const schemaMsg = await failure(small, { checkpointDir: edited.root });
  assert.match(schemaMsg, /manifest\.json is corrupt or of another format: .*state\.epoch: got -1, expected a number ≥ 0/);
  assert.match(schemaMsg, /files\.optimizer: got missing, expected a value \(required field\): object/);

  const other = copy("ck-other");
  const otherMsg = await failure({ ...small, optimizer: { ...small.optimizer, learningRate: 0.02 } }, { checkpointDir: other.root });
  assert.match(otherMsg, /checkpoint .*ck-other\/seed-0: saved for another configuration \(fingerprint [0-9a-f]{12}… ≠ [0-9a-f]{12}…\); differs in optimizer\.learningRate: 0\.01 vs 0\.02 \(checkpoint vs now\)\. Delete it or choose another checkpoint directory/);

  const teacherMsg = await failure({ ...small, teacher: { ...small.teacher, hidden: [33] } }, { checkpointDir: copy("ck-teacher").root });
  assert.match(teacherMsg, /ck-teacher\/teacher: the saved teacher was trained for another configuration \(differs in teacher\.hidden\[0\]: 32 vs 33, saved vs now\)/);

  // Another architecture with the same fingerprint (e.g. a hand-copied checkpoint): the shapes are compared.
  const wide = buildMlp({ inputDim: 64, hidden: [12], outputDim: 10, seed: 0 });
  const manifest = JSON.parse(fs.readFileSync(path.join(base, "seed-0", "manifest.json"), "utf8"));
  const identity = { fingerprint: manifest.fingerprint, config: manifest.config, describe: "64-12-10" };
  assert.throws(
    () => loadCheckpoint(path.join(base, "seed-0"), wide, identity),
    (e: Error) => /seed-0: holds weights for architecture 64-8-10 but the model is 64-12-10; weight 0 \(dense_0\/kernel\) has shape \[64,8\] in the checkpoint, \[64,12\] in the model/.test(e.message),
  );
  wide.dispose();
});

// ---------------------------------------------------------------- model files

test("model files: missing model.json or weights, bad JSON, weights of the wrong size, shape mismatch with the data", async () => {
  const m = buildMlp({ inputDim: 64, hidden: [8], outputDim: 10, seed: 0 });
  const good = path.join(tmp, "model-good");
  await saveModel(m, good);
  m.dispose();
  const copy = (name: string) => {
    const d = path.join(tmp, name);
    fs.cpSync(good, d, { recursive: true });
    return d;
  };
  const msg = (p: Promise<unknown>) => p.then(() => "", (e) => String((e as Error).message));

  const noJson = copy("model-nojson");
  fs.rmSync(path.join(noJson, "model.json"));
  assert.match(await msg(loadModel(noJson)), /model-nojson\/model\.json not found: a TF\.js layers model directory holds model\.json and its weight files/);
  assert.match(await msg(loadModel(path.join(tmp, "nowhere"))), /model directory not found: .*nowhere/);

  const badJson = copy("model-badjson");
  fs.writeFileSync(path.join(badJson, "model.json"), '{"modelTopology": {');
  assert.match(await msg(loadModel(badJson)), /model-badjson\/model\.json is not valid JSON \(/);

  const noTopo = copy("model-notopo");
  fs.writeFileSync(path.join(noTopo, "model.json"), '{"weightsManifest": []}');
  assert.match(await msg(loadModel(noTopo)), /model-notopo\/model\.json: "modelTopology" is missing or not an object/);

  const noBin = copy("model-nobin");
  fs.rmSync(path.join(noBin, "weights.bin"));
  assert.match(await msg(loadModel(noBin)), /weight file .*model-nobin\/weights\.bin not found \(listed in .*model\.json\)/);

  const shortBin = copy("model-short");
  fs.writeFileSync(path.join(shortBin, "weights.bin"), Buffer.alloc(100));
  const sm = await msg(loadModel(shortBin));
  assert.match(sm, /weight file .*model-short\/weights\.bin has 100 bytes, but .*model\.json lists 4 weights \(dense_0\/kernel \[64,8\], dense_0\/bias \[8\], logits\/kernel \[8,10\], logits\/bias \[10\]\) needing 2440 bytes/);

  // Topology and weightsManifest disagree on a shape (bytes still add up): tfjs' own message, with the file named.
  const skew = copy("model-skew");
  const j = JSON.parse(fs.readFileSync(path.join(skew, "model.json"), "utf8"));
  j.weightsManifest[0].weights[0].shape = [8, 64];
  fs.writeFileSync(path.join(skew, "model.json"), JSON.stringify(j));
  assert.match(await msg(loadModel(skew)), /cannot load the model in .*model-skew\/model\.json: .*[Ss]hape/);

  // A teacher that does not fit the data, given by path in the configuration.
  const t = buildMlp({ inputDim: 10, hidden: [4], outputDim: 3, seed: 0 });
  await saveModel(t, path.join(tmp, "teacher-10-3"));
  t.dispose();
  const fit = await failure({ ...small, teacher: { path: path.join(tmp, "teacher-10-3") } });
  assert.match(fit, /teacher model .*teacher-10-3\/model\.json does not fit the data: it takes inputs of shape \[null,10\] but the data has 64 features per row \(digits\), i\.e\. \[null,64\]; it outputs shape \[null,3\] but the data has 10 classes/);
});

// ---------------------------------------------------------------- numbers

test("numbers: a diverging run stops with the step, the loss part and the value", async () => {
  // Poisoned input: huge raw values (no scaling) overflow the teacher's logits.
  const rows = ["a,b,c,label", ...Array.from({ length: 40 }, (_, i) => (i % 2 ? `0.1,0.2,0.3,${i % 3}` : `3e38,3e38,3e38,${i % 3}`))];
  const poisoned = csv("poison.csv", rows.join("\n") + "\n");
  assert.match(await failure(csvConfig(poisoned, { scaling: "none" })), /^teacher: training diverged at step 0 \(epoch 1\): loss part "loss" is (NaN|Infinity)$/);
  // A loss term that blows up: the student stops at its first step.
  assert.match(await failure({ ...small, loss: { extra: { l2: 1e38 } } }), /^student \(seed 0\): training diverged at step 0 \(epoch 1\): loss part "loss" is Infinity$/);
});

test("numbers: extreme logits (±1e4) at T = 0.5 give finite losses, gradients and training steps", async () => {
  const big = tf.tensor2d([[1e4, -1e4, 0], [-1e4, 1e4, 5e3], [0, 0, -1e4]]);
  const teacher = tf.tensor2d([[-1e4, 1e4, 0], [1e4, -1e4, -1e4], [1e4, 0, 0]]);
  const labels = tf.tensor1d([2, 0, 1], "int32");
  const kd = kdLoss(big, teacher, 0.5);
  assert.ok(Number.isFinite(kd.dataSync()[0]) && kd.dataSync()[0] > 0, `kd = ${kd.dataSync()[0]}`);
  const parts = distillationLoss({ studentLogits: big, teacherLogits: teacher, labels, temperature: 0.5, alpha: 0.5 });
  for (const [k, v] of Object.entries(parts)) assert.ok(Number.isFinite((v as tf.Scalar).dataSync()[0]), `${k} is ${(v as tf.Scalar).dataSync()[0]}`);
  const g = tf.grad((z: tf.Tensor) => distillationLoss({ studentLogits: z as tf.Tensor2D, teacherLogits: teacher, labels, temperature: 0.5, alpha: 0.5 }).total)(big);
  assert.ok(Array.from(g.dataSync()).every(Number.isFinite), "finite gradients");
  tf.dispose([big, teacher, labels, kd, parts.total, parts.ce, parts.kd, g]);

  // A training epoch against a teacher whose logits are ±1e4, at T = 0.5: no divergence.
  const p = loadDigits({ seed: 0 });
  const trainT = p.train.toTensors();
  const testT = p.test.toTensors();
  const extreme = (n: number) => tf.tidy(() => tf.mul(tf.sub(tf.mul(tf.oneHot(tf.randomUniform([n], 0, 10, "int32", 3), 10), 2), 1), 1e4)) as tf.Tensor2D;
  const tTrain = extreme(trainT.x.shape[0]);
  const tTest = extreme(testT.x.shape[0]);
  const model = buildMlp({ inputDim: 64, hidden: [8], outputDim: 10, seed: 0 });
  const h = await train(model, { train: trainT, test: testT, teacherTrain: tTrain, teacherTest: tTest }, { epochs: 1, batchSize: 64, learningRate: 1e-2, seed: 0, temperature: 0.5, alpha: 0.5 });
  assert.ok(Number.isFinite(h[0].loss) && Number.isFinite(h[0].kd), `loss ${h[0].loss}, kd ${h[0].kd}`);
  assert.ok(model.getWeights().every((w) => Array.from(w.dataSync()).every(Number.isFinite)), "finite weights");
  model.dispose();
  tf.dispose([trainT.x, trainT.y, testT.x, testT.y, tTrain, tTest]);
});

test.run();

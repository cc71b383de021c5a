import * as assert from "uvu/assert";
import { test } from "uvu";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../src/backend";
import { Dataset } from "../src/data/dataset";
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, encodeIdx } from "../src/data/idx";
import { FASHION_FILES, findFashionMnist, loadFashionMnist } from "../src/data/fashion-mnist";
import { buildConvNet } from "../src/models/conv";
import { loadModel, saveModel } from "../src/models/io";
import { getTeacher } from "../src/experiment/teacher-cache";
import { budgetFromEnv, loadExperiment } from "../src/experiment/schema/experiment-file";
import type { FashionMnistExperiment } from "../src/experiment/schema/fashion-mnist";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "fashion-test-"));

test.before(async () => {
  await initBackend();
});

/** Writes a fake Fashion-MNIST folder: `nTrain` / `nTest` 28×28 images, labels cycling 0..9. */
function fakeFashion(dir: string, nTrain: number, nTest: number): void {
  fs.mkdirSync(dir, { recursive: true });
  const put = (imgName: string, labName: string, count: number) => {
    const px = Uint8Array.from({ length: count * 784 }, (_, i) => (i * 13) % 256);
    const lab = Uint8Array.from({ length: count }, (_, i) => i % 10);
    fs.writeFileSync(path.join(dir, imgName), zlib.gzipSync(encodeIdx(IDX_IMAGES_MAGIC, [count, 28, 28], px)));
    fs.writeFileSync(path.join(dir, labName), zlib.gzipSync(encodeIdx(IDX_LABELS_MAGIC, [count], lab)));
  };
  put(FASHION_FILES.trainImages, FASHION_FILES.trainLabels, nTrain);
  put(FASHION_FILES.testImages, FASHION_FILES.testLabels, nTest);
}

test("missing data: the error says where it looked and how to get it", () => {
  const empty = path.join(tmp, "empty");
  fs.mkdirSync(empty);
  try {
    findFashionMnist(empty);
    assert.unreachable();
  } catch (e) {
    const msg = (e as Error).message;
    for (const s of [empty, "apt-get install dataset-fashion-mnist", "zalandoresearch/fashion-mnist", "data/fashion/", "FASHION_MNIST_DIR", "train-images-idx3-ubyte.gz"]) assert.ok(msg.includes(s), `${msg} should mention ${s}`);
  }
});

test("a file set with the wrong counts is refused (the real files hold 60,000 + 10,000)", async () => {
  const dir = path.join(tmp, "small");
  fakeFashion(dir, 20, 10);
  try {
    await loadFashionMnist({ dir });
    assert.unreachable();
  } catch (e) {
    assert.ok((e as Error).message.includes("expected 60000 labels, found 20"), (e as Error).message);
  }
});

test("budget setting: DISTILL_BUDGET, or the older FASHION_BUDGET; the experiment file's two budgets", () => {
  assert.is(budgetFromEnv({ FASHION_BUDGET: "ci" }), "ci");
  assert.is(budgetFromEnv({ DISTILL_BUDGET: "full", FASHION_BUDGET: "ci" }), "full");
  assert.throws(() => budgetFromEnv({ FASHION_BUDGET: "huge" }), /DISTILL_BUDGET must be/);
  const config = (budget: "ci" | "full") => loadExperiment<FashionMnistExperiment>("07-fashion-mnist-distillation", { budget }).config;
  assert.is(config("ci").trainSize, 3000);
  assert.is(config("full").trainSize, undefined);
});

const realDir = process.env.FASHION_MNIST_DIR ?? "/usr/share/datasets/fashion-mnist";
if (fs.existsSync(path.join(realDir, FASHION_FILES.trainImages))) {
  test("real Fashion-MNIST: stratified subset in [0, 1]", async () => {
    const fm = await loadFashionMnist({ trainSize: 1000, testSize: 500 });
    assert.is(fm.fullTrain, 60000);
    assert.is(fm.fullTest, 10000);
    assert.is(fm.train.numSamples, 1000);
    assert.equal(fm.train.classCounts(), new Array(10).fill(100));
    assert.is(fm.train.numFeatures, 784);
    let lo = Infinity, hi = -Infinity;
    for (const v of fm.train.x) { if (v < lo) lo = v; if (v > hi) hi = v; }
    assert.ok(lo >= 0 && hi <= 1 && hi > 0.9, `range [${lo}, ${hi}]`);
  });
}

test("conv net: patch layers equal standard conv2d + max-pool, save and reload", async () => {
  const a = buildConvNet({ side: 28, filters: [4, 6], dense: 8, numClasses: 10, seed: 3 });
  const b = buildConvNet({ side: 28, filters: [4, 6], dense: 8, numClasses: 10, seed: 3, impl: "conv2d" });
  b.setWeights(a.getWeights());
  const x = tf.randomUniform([5, 784], -1, 1, "float32", 7);
  const ya = (a.predict(x) as tf.Tensor).arraySync() as number[][];
  const yb = (b.predict(x) as tf.Tensor).arraySync() as number[][];
  ya.flat().forEach((v, i) => assert.ok(Math.abs(v - yb.flat()[i]) < 1e-4, `logit ${i}: ${v} vs ${yb.flat()[i]}`));
  // gradients agree too
  const loss = (m: tf.LayersModel) => () => tf.sum(tf.square(m.apply(x) as tf.Tensor)) as tf.Scalar;
  const ga = tf.variableGrads(loss(a)).grads, gb = tf.variableGrads(loss(b)).grads;
  const na = Object.values(ga), nb = Object.values(gb);
  assert.is(na.length, nb.length);
  na.forEach((g, i) => assert.ok(tf.max(tf.abs(tf.sub(g, nb[i]))).dataSync()[0] < 1e-3, `gradient ${i}`));
  const dir = path.join(tmp, "conv-model");
  await saveModel(a, dir);
  const c = await loadModel(dir);
  const yc = (c.predict(x) as tf.Tensor).arraySync() as number[][];
  assert.equal(yc, ya);
});

function tinyData() {
  const n = 60, d = 784;
  const x = Float32Array.from({ length: n * d }, (_, i) => ((i * 2654435761) % 1000) / 1000);
  const y = Int32Array.from({ length: n }, (_, i) => i % 10);
  const names = Array.from({ length: d }, (_, i) => `p${i}`);
  const train = new Dataset(x, y, names, 10, "tiny");
  const test = train.subset(Array.from({ length: 20 }, (_, i) => i));
  return { train, test, trainT: train.toTensors(), testT: test.toTensors() };
}

test("teacher logits cache: saved beside the teacher, read back bit for bit, recomputed when corrupt, truncated, of another backend or model", async () => {
  const data = tinyData();
  const dir = path.join(tmp, "teachers-logits");
  const lines: string[] = [];
  const req = {
    key: "tiny", dir, arch: "tiny-cnn", data, log: (l: string) => lines.push(l),
    config: { conv: { filters: [2, 2], dense: 4 }, train: { epochs: 1, batchSize: 20, learningRate: 1e-2, seed: 0 } },
    build: () => buildConvNet({ side: 28, filters: [2, 2], dense: 4, numClasses: 10, seed: 0 }),
  };
  const t1 = await getTeacher(req);
  const fresh = { train: Array.from(t1.outputs.train.dataSync()), test: Array.from(t1.outputs.test.dataSync()) };
  assert.match(lines[lines.length - 1], /logits computed and saved \(no saved logits yet/);
  t1.dispose();
  const logitsDir = path.join(dir, "tiny", "logits");
  assert.ok(["train.f32", "test.f32", "logits.json"].every((f) => fs.existsSync(path.join(logitsDir, f))));
  const again = async (re: RegExp) => {
    const t = await getTeacher(req);
    assert.is(t.source, "cache", "the teacher itself is reloaded");
    assert.match(lines[lines.length - 1], re);
    assert.equal(Array.from(t.outputs.train.dataSync()), fresh.train, "train logits equal the fresh ones");
    assert.equal(Array.from(t.outputs.test.dataSync()), fresh.test, "test logits equal the fresh ones");
    t.dispose();
  };
  await again(/read from/);
  const f = path.join(logitsDir, "train.f32");
  const b = fs.readFileSync(f);
  b[5] ^= 0xff;
  fs.writeFileSync(f, b);
  await again(/computed and saved \(.*train\.f32 changed since it was saved/);
  await again(/read from/);
  fs.writeFileSync(f, fs.readFileSync(f).subarray(0, 100));
  await again(/computed and saved \(.*train\.f32 has 100 bytes, expected 2400/);
  const metaFile = path.join(logitsDir, "logits.json");
  const meta = JSON.parse(fs.readFileSync(metaFile, "utf8"));
  fs.writeFileSync(metaFile, JSON.stringify({ ...meta, backend: "webgpu" }));
  await again(/computed and saved \(saved for another backend/);
  fs.writeFileSync(metaFile, JSON.stringify({ ...meta, modelSha256: "0".repeat(64) }));
  await again(/computed and saved \(saved for another model/);
  fs.writeFileSync(metaFile, "{ nope");
  await again(/computed and saved \(.*not valid JSON/);
  await again(/read from/);
});

test("teacher cache: trains once, reloads, retrains when stale or corrupt", async () => {
  const data = tinyData();
  const dir = path.join(tmp, "teachers");
  const lines: string[] = [];
  const req = (epochs: number, d = data) => ({
    key: "tiny",
    dir,
    config: { conv: { filters: [2, 2], dense: 4 }, train: { epochs, batchSize: 20, learningRate: 1e-2, seed: 0 } },
    arch: "tiny-cnn",
    build: () => buildConvNet({ side: 28, filters: [2, 2], dense: 4, numClasses: 10, seed: 0 }),
    data: d,
    log: (l: string) => lines.push(l),
  });
  const t1 = await getTeacher(req(1));
  assert.is(t1.source, "trained");
  assert.ok(fs.existsSync(path.join(dir, "tiny", "model", "model.json")));
  assert.ok(fs.existsSync(path.join(dir, "tiny", "teacher.json")));
  const logits1 = t1.outputs.test.arraySync();
  t1.dispose();

  const t2 = await getTeacher(req(1));
  assert.is(t2.source, "cache");
  assert.is(t2.reason, null);
  assert.equal(t2.outputs.test.arraySync(), logits1);
  assert.ok(lines[lines.length - 2].includes("reloaded"));
  assert.match(lines[lines.length - 1], /logits on 60 \+ 20 rows read from/);
  t2.dispose();

  const t3 = await getTeacher(req(2)); // config changed
  assert.is(t3.source, "trained");
  assert.match(t3.reason!, /stale: the teacher config changed/);
  assert.ok(lines.some((l) => l.includes("training (stale: the teacher config changed")));
  t3.dispose();

  const other = { ...data, test: data.train.subset([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) };
  other.testT = other.test.toTensors();
  const t4 = await getTeacher(req(2, other)); // data changed
  assert.is(t4.source, "trained");
  assert.match(t4.reason!, /stale: the data changed/);
  t4.dispose();
  const t4b = await getTeacher(req(2, other));
  assert.is(t4b.source, "cache");
  t4b.dispose();

  // corrupt: flip bytes in the weights (same size)
  const wfile = path.join(dir, "tiny", "model", "weights.bin");
  const w = fs.readFileSync(wfile);
  w[0] ^= 0xff; w[1] ^= 0xff;
  fs.writeFileSync(wfile, w);
  const t5 = await getTeacher(req(2, other));
  assert.is(t5.source, "trained");
  assert.match(t5.reason!, /corrupt: the model files .* changed/);
  t5.dispose();

  // corrupt: truncated weights, then unreadable metadata
  fs.writeFileSync(wfile, w.subarray(0, 10));
  fs.writeFileSync(path.join(dir, "tiny", "teacher.json"), fs.readFileSync(path.join(dir, "tiny", "teacher.json")));
  const t6 = await getTeacher(req(2, other));
  assert.is(t6.source, "trained");
  assert.match(t6.reason!, /corrupt: .*weight file/);
  t6.dispose();
  fs.writeFileSync(path.join(dir, "tiny", "teacher.json"), "{ not json");
  const t7 = await getTeacher(req(2, other));
  assert.match(t7.reason!, /corrupt: .*teacher.json is not valid JSON/);
  t7.dispose();
  const t8 = await getTeacher(req(2, other));
  assert.is(t8.source, "cache");
  t8.dispose();
});

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
test.run();

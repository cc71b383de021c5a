import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { initBackend, tf } from "../src/backend";
import { loadConfigFile } from "../src/experiment/config";
import { ExperimentResults, runExperiment } from "../src/experiment/experiment";
import { fileSystemHandler, loadModel, loadTeacherModel, saveModel } from "../src/models/io";
import { buildMlp } from "../src/models/mlp";

const CONFIG = path.join(__dirname, "fixtures", "experiments", "tiny.json");
let tmp: string;

test.before(async () => {
  await initBackend({ log: false });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "export-test-"));
});
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const values = (t: tf.Tensor) => Array.from(t.dataSync());

test("a student saved in TF.js layers format loads back with tf.loadLayersModel and predicts the same", async () => {
  const model = buildMlp({ inputDim: 64, hidden: [16, 8], outputDim: 10, dropout: 0.2, seed: 3 });
  const dir = path.join(tmp, "student");
  await model.save(fileSystemHandler(dir));
  assert.equal(fs.readdirSync(dir).sort(), ["model.json", "weights.bin"]);
  const json = JSON.parse(fs.readFileSync(path.join(dir, "model.json"), "utf8"));
  assert.is(json.format, "layers-model");
  assert.equal(json.weightsManifest[0].paths, ["weights.bin"]);
  assert.is(fs.statSync(path.join(dir, "weights.bin")).size, model.countParams() * 4);
  const back = await tf.loadLayersModel(fileSystemHandler(dir));
  const x = tf.randomUniform([32, 64], 0, 1, "float32", 5);
  assert.equal(values(back.predict(x) as tf.Tensor), values(model.predict(x) as tf.Tensor), "identical predictions");
  assert.equal(back.layers.map((l) => l.getClassName()), model.layers.map((l) => l.getClassName()), "SeededDropout survives serialisation");
  // Saving over it is atomic: the new model replaces the old, no temp folders stay.
  const other = buildMlp({ inputDim: 64, hidden: [16, 8], outputDim: 10, seed: 4 });
  await saveModel(other, dir);
  const again = await loadModel(dir);
  assert.equal(values(again.predict(x) as tf.Tensor), values(other.predict(x) as tf.Tensor));
  assert.equal(fs.readdirSync(tmp).filter((f) => f.startsWith(".")), [], "no temp folders left");
  tf.dispose(x);
  [model, back, other, again].forEach((m) => m.dispose());
});

test("saving refuses to replace a folder that is not a saved model", async () => {
  const dir = path.join(tmp, "notes");
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, "README.txt"), "mine");
  const m = buildMlp({ inputDim: 4, hidden: [], outputDim: 2, seed: 0 });
  let msg = "";
  await saveModel(m, dir).catch((e) => (msg = String(e)));
  assert.match(msg, /refusing to replace .*notes: it holds files that are not a saved model \(README\.txt\)/);
  assert.ok(fs.existsSync(path.join(dir, "README.txt")));
  m.dispose();
});

test("the runner exports each seed's student; a teacher brought as a layers model gives the same students", async () => {
  const ck = path.join(tmp, "ck");
  const exp = path.join(tmp, "students");
  const first = await runExperiment(loadConfigFile(CONFIG), { resultsPath: path.join(tmp, "a.json"), checkpointDir: ck, exportDir: exp });
  assert.equal(fs.readdirSync(exp).sort(), ["seed-0", "seed-1"]);
  assert.is(first.runs[0].exportedTo, path.join(exp, "seed-0"));
  const student = await loadModel(path.join(exp, "seed-0"));
  assert.equal(student.inputs[0].shape, [null, 64]);
  student.dispose();

  // The teacher the first run trained, saved in layers format, brought back by path.
  const raw = JSON.parse(fs.readFileSync(CONFIG, "utf8"));
  const second = await runExperiment({ ...raw, teacher: { path: path.join(ck, "teacher", "model") } }, { resultsPath: path.join(tmp, "b.json") });
  assert.is(second.teacher.source, "loaded");
  assert.match(second.teacher.sha256!, /^[0-9a-f]{64}$/);
  assert.is(second.teacher.testAcc, first.teacher.testAcc);
  const strip = (r: ExperimentResults) => r.runs.map(({ ms: _m, exportedTo: _e, history, ...rest }) => ({ ...rest, history: history.map(({ ms: _ms, ...h }) => h) }));
  assert.equal(strip(second), strip(first), "same teacher logits → same students");
});

test("a loaded teacher must fit the data: input features, classes, logits", async () => {
  const save = async (name: string, m: tf.LayersModel) => {
    await saveModel(m, path.join(tmp, name));
    m.dispose();
    return path.join(tmp, name);
  };
  const wrongIn = await save("t-in", buildMlp({ inputDim: 32, hidden: [8], outputDim: 10, seed: 0 }));
  const msg = async (p: Promise<unknown>) => p.then(() => "", (e) => String(e));
  assert.match(await msg(loadTeacherModel(wrongIn, { inputDim: 64, numClasses: 10, data: "digits" })), /teacher model .*t-in\/model\.json does not fit the data: it takes inputs of shape \[null,32\] but the data has 64 features per row \(digits\)/);
  const wrongOut = await save("t-out", buildMlp({ inputDim: 64, hidden: [8], outputDim: 3, seed: 0 }));
  assert.match(await msg(loadTeacherModel(wrongOut, { inputDim: 64, numClasses: 10 })), /it outputs shape \[null,3\] but the data has 10 classes/);
  const soft = tf.sequential({ layers: [tf.layers.dense({ units: 10, inputShape: [64], activation: "softmax", name: "probs" })] });
  const softDir = await save("t-soft", soft);
  assert.match(await msg(loadTeacherModel(softDir, { inputDim: 64, numClasses: 10 })), /its last layer "probs" applies softmax; distillation needs logits/);
});

test.run();

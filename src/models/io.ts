/**
 * Models on disk in the standard TensorFlow.js layers format: a directory with
 * model.json (topology + weightsManifest) and weights.bin. Pure @tensorflow/tfjs
 * has no file:// handler in Node (tfjs-node has one, but it is not installed
 * here), so fileSystemHandler() is a tf.io.IOHandler on the filesystem:
 * `model.save(fileSystemHandler(dir))`, `tf.loadLayersModel(fileSystemHandler(dir))`.
 * Saving is atomic: the files go to a temporary folder renamed into place.
 * Loading checks model.json and the weight files (present, valid JSON, the
 * right number of bytes) and names the file and what is wrong.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import "./seeded-dropout"; // registers SeededDropout for deserialisation
import "./ngram-bag"; // registers NgramBag likewise

const MODEL_JSON = "model.json";
const WEIGHTS_BIN = "weights.bin";

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };

function toBuffer(data: tf.io.WeightData | undefined): Buffer {
  if (!data) return Buffer.alloc(0);
  return Buffer.from(tf.io.CompositeArrayBuffer.join(data));
}

/** Writes `files` (name → content) as the directory `dir`, atomically: temp folder, then rename. Replaces an existing model directory. */
export function writeDirAtomic(dir: string, files: Record<string, string | Uint8Array>, canReplace: (names: string[]) => boolean = () => true): void {
  const target = path.resolve(dir);
  const parent = path.dirname(target);
  fs.mkdirSync(parent, { recursive: true });
  if (fs.existsSync(target)) {
    if (!fs.statSync(target).isDirectory()) throw new Error(`cannot save a model to ${target}: it exists and is not a directory`);
    const names = fs.readdirSync(target);
    if (!canReplace(names)) throw new Error(`refusing to replace ${target}: it holds files that are not a saved model (${names.slice(0, 5).join(", ")})`);
  }
  const tag = `${process.pid}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  const tmp = path.join(parent, `.${path.basename(target)}.tmp-${tag}`);
  const old = path.join(parent, `.${path.basename(target)}.old-${tag}`);
  try {
    fs.mkdirSync(tmp);
    for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(tmp, name), content);
    if (fs.existsSync(target)) {
      fs.renameSync(target, old);
      try {
        fs.renameSync(tmp, target);
      } catch (e) {
        fs.renameSync(old, target); // put the previous model back
        throw e;
      }
      fs.rmSync(old, { recursive: true, force: true });
    } else {
      fs.renameSync(tmp, target);
    }
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

const isModelDir = (names: string[]) => names.every((n) => n === MODEL_JSON || n.endsWith(".bin"));

/** Bytes the weights listed in a manifest take. */
export function weightBytes(specs: tf.io.WeightsManifestEntry[], where: string): number {
  let total = 0;
  for (const s of specs) {
    const dtype = s.quantization?.dtype ?? s.dtype;
    const per = DTYPE_BYTES[dtype];
    if (per === undefined) throw new Error(`${where}: weight "${s.name}" has unsupported dtype "${dtype}"`);
    if (!Array.isArray(s.shape) || s.shape.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new Error(`${where}: weight "${s.name}" has an invalid shape ${JSON.stringify(s.shape)}`);
    }
    total += s.shape.reduce((a, b) => a * b, 1) * per;
  }
  return total;
}

/** Reads and checks a layers-format directory into ModelArtifacts. */
export function readModelArtifacts(dir: string): tf.io.ModelArtifacts {
  const root = path.resolve(dir);
  const jsonPath = path.join(root, MODEL_JSON);
  if (!fs.existsSync(root)) throw new Error(`model directory not found: ${root}`);
  if (!fs.existsSync(jsonPath)) throw new Error(`${jsonPath} not found: a TF.js layers model directory holds model.json and its weight files`);
  let json: tf.io.ModelJSON;
  try {
    json = JSON.parse(fs.readFileSync(jsonPath, "utf8"));
  } catch (err) {
    throw new Error(`${jsonPath} is not valid JSON (${(err as Error).message})`);
  }
  if (!json || typeof json !== "object") throw new Error(`${jsonPath}: expected a JSON object; got ${JSON.stringify(json)}`);
  if (!json.modelTopology || typeof json.modelTopology !== "object") throw new Error(`${jsonPath}: "modelTopology" is missing or not an object`);
  if (!Array.isArray(json.weightsManifest)) throw new Error(`${jsonPath}: "weightsManifest" is missing or not an array`);
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Buffer[] = [];
  const files: string[] = [];
  json.weightsManifest.forEach((group, g) => {
    if (!group || !Array.isArray(group.paths) || !Array.isArray(group.weights)) throw new Error(`${jsonPath}: weightsManifest[${g}] needs "paths" and "weights" arrays`);
    const groupBufs = group.paths.map((p) => {
      const file = path.resolve(root, p);
      if (path.relative(root, file).startsWith("..")) throw new Error(`${jsonPath}: weight path "${p}" points outside the model directory`);
      if (!fs.existsSync(file)) throw new Error(`weight file ${file} not found (listed in ${jsonPath})`);
      files.push(file);
      return fs.readFileSync(file);
    });
    const got = groupBufs.reduce((a, b) => a + b.length, 0);
    const expected = weightBytes(group.weights, jsonPath);
    if (got !== expected) {
      throw new Error(
        `weight file ${group.paths.map((p) => path.resolve(root, p)).join(" + ")} has ${got} bytes, but ${jsonPath} lists ${group.weights.length} weights ` +
          `(${group.weights.map((w) => `${w.name} [${w.shape}]`).join(", ")}) needing ${expected} bytes`,
      );
    }
    specs.push(...group.weights);
    buffers.push(...groupBufs);
  });
  const all = Buffer.concat(buffers);
  return {
    modelTopology: json.modelTopology,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
    trainingConfig: json.trainingConfig,
    userDefinedMetadata: json.userDefinedMetadata,
    weightSpecs: specs,
    weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer,
  };
}

/** sha256 over a model directory's model.json and its weight bytes (identifies a teacher brought from elsewhere). */
export function modelSha256(dir: string): string {
  const a = readModelArtifacts(dir);
  const h = crypto.createHash("sha256");
  h.update(fs.readFileSync(path.join(path.resolve(dir), MODEL_JSON)));
  if (a.weightData) h.update(new Uint8Array(tf.io.CompositeArrayBuffer.join(a.weightData)));
  return h.digest("hex");
}

/** A tf.io.IOHandler that saves to / loads from a directory (model.json + weights.bin). */
export function fileSystemHandler(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) throw new Error("fileSystemHandler saves layers models (JSON topology) only");
      const weights = toBuffer(artifacts.weightData);
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as {},
        format: artifacts.format ?? "layers-model",
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      };
      writeDirAtomic(dir, { [WEIGHTS_BIN]: weights, [MODEL_JSON]: JSON.stringify(modelJson) }, isModelDir);
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      return readModelArtifacts(dir);
    },
  };
}

/** Saves a layers model to `dir` (model.json + weights.bin), atomically. */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<void> {
  await model.save(fileSystemHandler(dir));
}

/** Loads a layers model saved by saveModel (or by any TF.js tool in layers format). */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  const handler = fileSystemHandler(dir);
  readModelArtifacts(dir); // file-level errors first, with the file named
  try {
    return await tf.loadLayersModel(handler);
  } catch (err) {
    throw new Error(`cannot load the model in ${path.join(path.resolve(dir), MODEL_JSON)}: ${(err as Error).message}`);
  }
}

/**
 * Loads a teacher and checks it against the data: one input of `inputDim`
 * features, one output of `numClasses` logits (not probabilities).
 */
export async function loadTeacherModel(dir: string, expect: { inputDim: number; numClasses: number; data?: string }): Promise<tf.LayersModel> {
  const model = await loadModel(dir);
  const where = `teacher model ${path.join(path.resolve(dir), MODEL_JSON)}`;
  const data = expect.data ? ` (${expect.data})` : "";
  const problems: string[] = [];
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    problems.push(`it has ${model.inputs.length} input(s) and ${model.outputs.length} output(s); a teacher needs exactly one of each`);
  } else {
    const inShape = model.inputs[0].shape;
    const outShape = model.outputs[0].shape;
    if (inShape.length !== 2 || inShape[1] !== expect.inputDim) {
      problems.push(`it takes inputs of shape [${inShape.map((d) => d ?? "null")}] but the data has ${expect.inputDim} features per row${data}, i.e. [null,${expect.inputDim}]`);
    }
    if (outShape.length !== 2 || outShape[1] !== expect.numClasses) {
      problems.push(`it outputs shape [${outShape.map((d) => d ?? "null")}] but the data has ${expect.numClasses} classes${data}, i.e. [null,${expect.numClasses}]`);
    }
    const last = model.layers[model.layers.length - 1];
    const act = (last.getConfig() as { activation?: string }).activation;
    if (act === "softmax" || act === "sigmoid") {
      problems.push(`its last layer "${last.name}" applies ${act}; distillation needs logits (save the teacher without the final activation)`);
    }
  }
  if (problems.length) {
    model.dispose();
    throw new Error(`${where} does not fit the data: ${problems.join("; ")}`);
  }
  return model;
}

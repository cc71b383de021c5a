/**
 * The experiment runner: one validated configuration (config.ts) in, one
 * results JSON out. Loads the data, trains (or loads) the teacher, distils a
 * student per seed, checkpoints every N epochs and resumes from a checkpoint
 * exactly, exports the students, and writes the results atomically with the
 * full resolved configuration, the environment and every number.
 */
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { writeJsonAtomic } from "../atomic";
import { initBackend } from "../backend";
import { loadCsv } from "../data/csv";
import { Tensors } from "../data/dataset";
import { loadDigits } from "../data/digits";
import { Prepared, prepare } from "../data/prepare";
import { ScheduleSpec, makeSchedule, withTMax } from "../distill/schedules";
import { accuracy, cacheTeacherOutputs, TeacherOutputs } from "../distill/teachers";
import { loadModel, loadTeacherModel, modelSha256, saveModel } from "../models/io";
import { buildMlp, describeMlp } from "../models/mlp";
import { CheckpointIdentity, loadCheckpoint, readTeacherRecord, saveCheckpoint, writeTeacherRecord } from "../train/checkpoint";
import { EpochRecord, LossTerm, TemperatureFn, train } from "../train/trainer";
import { buildLossTerms } from "../distill/registry";
import { ResolvedConfig, canonicalJson, numericConfig, resolveConfig, sha256 } from "./config";
import { runInfo } from "./results";
import { trainTeacher } from "./runs";
import { deriveSeed } from "../core/seed";
import { Summary, summarize } from "../analysis/stats";

export type ProgressEvent =
  | { kind: "data"; source: string; trainRows: number; testRows: number; features: number; classes: number }
  | { kind: "teacher"; status: "trained" | "loaded" | "restored"; testAcc: number; arch: string }
  | { kind: "teacher-epoch"; epoch: number; epochs: number; loss: number; testAcc: number }
  | { kind: "resume"; seed: number; epoch: number; dir: string }
  | { kind: "epoch"; seed: number; epoch: number; epochs: number; loss: number; testAcc: number }
  | { kind: "checkpoint"; seed: number; epoch: number; dir: string }
  | { kind: "seed-done"; seed: number; testAcc: number; teacherAgreement: number | null }
  | { kind: "results"; path: string };

export interface RunExperimentOptions {
  /** Where to write the results JSON (atomically). */
  resultsPath: string;
  /** Checkpoint folder; overrides the configuration's checkpoint.directory. */
  checkpointDir?: string;
  /** Overrides checkpoint.every (default 1 when only checkpointDir is given). */
  checkpointEvery?: number;
  /** Folder for the distilled students; overrides the configuration's export.directory. */
  exportDir?: string;
  /** Relative paths in a plain-object configuration are taken from here. */
  baseDir?: string;
  onProgress?: (e: ProgressEvent) => void;
}

export interface SeedRun {
  seed: number;
  arch: string;
  params: number;
  testAcc: number;
  teacherAgreement: number | null;
  /** null for an uninterrupted run; else the epoch of the checkpoint it continued from. */
  resumedFromEpoch: number | null;
  exportedTo: string | null;
  history: EpochRecord[];
  ms: number;
}

export interface ExperimentResults {
  name: string;
  description?: string;
  createdAt: string;
  durationMs: number;
  environment: Record<string, unknown>;
  /** The full resolved configuration (defaults filled, schedule lengths fixed). */
  config: ResolvedConfig;
  fingerprint: string;
  data: { source: string; sha256: string | null; features: number; classes: number; trainRows: number; testRows: number };
  teacher: { source: "trained" | "loaded"; path: string | null; sha256: string | null; arch: string; params: number; testAcc: number; history: EpochRecord[] | null };
  runs: SeedRun[];
  summary: { testAcc: Summary; teacherAgreement: Summary };
}

/** The extra loss terms a configuration can weight (config.loss.extra). */
export function extraTerm(name: string, weight: number): LossTerm {
  const registryName: Record<string, string> = { l2: "l2", confidencePenalty: "confidence-penalty" };
  if (!registryName[name]) throw new Error(`loss.extra.${name}: unknown loss term`);
  const env = { student: { name: "student", features: {}, attentions: [] }, hasTeacherOutputs: false, seed: 0, inputs: {} };
  return buildLossTerms([{ loss: registryName[name], weight, name }], env, "loss.extra")[0];
}

function loadData(c: ResolvedConfig): { p: Prepared; source: string; sha256: string | null } {
  const d = c.data;
  if (d.kind === "digits") return { p: loadDigits({ seed: d.seed, testFraction: d.testFraction }), source: "digits", sha256: null };
  const ds = loadCsv(d.path, { labelColumn: d.labelColumn, header: d.header, numClasses: d.numClasses ?? undefined });
  return { p: prepare(ds, { testFraction: d.testFraction, seed: d.seed, scaling: d.scaling }), source: d.path, sha256: sha256(fs.readFileSync(d.path)) };
}

const stepsPerEpoch = (rows: number, batch: number) => Math.ceil(rows / batch);

function fail(where: string, err: unknown): never {
  const e = err as Error;
  throw new Error(`${where}: ${e && e.message ? e.message : String(err)}`);
}

/**
 * Runs an experiment end to end and writes `opts.resultsPath`. `config` may be
 * raw (validated here) or already resolved. With a checkpoint directory, each
 * seed's state is saved every N epochs (and after its last epoch) and a rerun
 * continues from there with the same numbers as an uninterrupted run.
 */
export async function runExperiment(config: unknown, opts: RunExperimentOptions): Promise<ExperimentResults> {
  const t0 = Date.now();
  const c: ResolvedConfig = JSON.parse(JSON.stringify(resolveConfig(config, { baseDir: opts.baseDir })));
  const emit = opts.onProgress ?? (() => undefined);
  await initBackend({ log: false });

  const { p, source, sha256: dataSha } = loadData(c);
  const inputDim = p.train.numFeatures;
  const numClasses = p.train.numClasses;
  emit({ kind: "data", source, trainRows: p.train.numSamples, testRows: p.test.numSamples, features: inputDim, classes: numClasses });

  // Fix open schedule lengths to the student's budget, so the stored configuration says exactly what ran.
  const totalSteps = c.optimizer.epochs * stepsPerEpoch(p.train.numSamples, c.optimizer.batchSize);
  if (typeof c.loss.temperature === "object") c.loss.temperature = withTMax(c.loss.temperature, totalSteps);
  const temperature: number | TemperatureFn = typeof c.loss.temperature === "number" ? c.loss.temperature : makeSchedule(c.loss.temperature as ScheduleSpec, "loss.temperature");

  const ckptRoot = opts.checkpointDir ?? c.checkpoint?.directory ?? null;
  const every = opts.checkpointEvery ?? c.checkpoint?.every ?? 1;
  const exportRoot = opts.exportDir ?? c.export?.directory ?? null;
  if (!(Number.isInteger(every) && every > 0)) throw new Error(`checkpointEvery must be a positive integer; got ${every}`);
  // The stored configuration says what was in effect (options override the file).
  c.checkpoint = ckptRoot ? { every, directory: path.resolve(ckptRoot) } : null;
  c.export = exportRoot ? { directory: path.resolve(exportRoot) } : null;

  const trainT: Tensors = p.train.toTensors();
  const testT: Tensors = p.test.toTensors();
  let teacherModel: tf.LayersModel | null = null;
  let outputs: TeacherOutputs | null = null;
  try {
    // ---- teacher
    let teacherInfo: ExperimentResults["teacher"];
    let teacherSha: string | null = null;
    if (c.teacher.kind === "load") {
      const dir = c.teacher.path;
      teacherModel = await loadTeacherModel(dir, { inputDim, numClasses, data: source });
      teacherSha = modelSha256(dir);
      outputs = cacheTeacherOutputs(teacherModel, trainT.x, testT.x);
      const testAcc = accuracy(outputs.test, testT.y);
      teacherInfo = { source: "loaded", path: dir, sha256: teacherSha, arch: describeLoaded(teacherModel), params: teacherModel.countParams(), testAcc, history: null };
      emit({ kind: "teacher", status: "loaded", testAcc, arch: teacherInfo.arch });
    } else {
      const t = c.teacher;
      const arch = describeMlp({ inputDim, hidden: t.hidden, outputDim: numClasses });
      const tIdentity: CheckpointIdentity = { fingerprint: sha256(canonicalJson({ data: c.data, dataSha, teacher: t })), config: { data: c.data, dataSha, teacher: t }, describe: arch };
      const tDir = ckptRoot ? path.join(ckptRoot, "teacher") : null;
      const rec = tDir ? readTeacherRecord(tDir, tIdentity) : null;
      if (rec && tDir) {
        teacherModel = await loadModel(path.join(tDir, "model"));
        outputs = cacheTeacherOutputs(teacherModel, trainT.x, testT.x);
        teacherInfo = { source: "trained", path: null, sha256: null, arch, params: teacherModel.countParams(), testAcc: rec.testAcc, history: rec.history };
        emit({ kind: "teacher", status: "restored", testAcc: rec.testAcc, arch });
      } else {
        const trained = await trainTeacher(
          { train: p.train, test: p.test, trainT, testT },
          { hidden: t.hidden, activation: t.activation, dropout: t.dropout, ...t.training },
          t.seed,
          { onEpoch: (r) => emit({ kind: "teacher-epoch", epoch: r.epoch, epochs: t.training.epochs, loss: r.loss, testAcc: r.testAcc }) },
        ).catch((err) => fail("teacher", err));
        teacherModel = trained.model;
        outputs = trained.outputs;
        teacherInfo = { source: "trained", path: null, sha256: null, arch, params: trained.params, testAcc: trained.testAcc, history: trained.history };
        if (tDir) {
          await saveModel(teacherModel, path.join(tDir, "model"));
          writeTeacherRecord(tDir, { fingerprint: tIdentity.fingerprint, config: tIdentity.config, testAcc: trained.testAcc, history: trained.history });
        }
        emit({ kind: "teacher", status: "trained", testAcc: trained.testAcc, arch });
      }
    }

    // ---- students
    const fingerprintBase = { ...numericConfig(c), dataSha, teacherSha };
    const fingerprint = sha256(canonicalJson({ ...fingerprintBase, seeds: c.seeds }));
    const terms = Object.entries(c.loss.extra as Record<string, number | undefined>)
      .filter(([, w]) => w !== undefined)
      .map(([name, w]) => extraTerm(name, w as number));
    const runs: SeedRun[] = [];
    for (const seed of c.seeds) {
      runs.push(await runSeed(seed));
    }

    async function runSeed(seed: number): Promise<SeedRun> {
      const s0 = Date.now();
      const spec = c.student;
      const arch = describeMlp({ inputDim, hidden: spec.hidden, outputDim: numClasses });
      const model = buildMlp({ inputDim, hidden: spec.hidden, outputDim: numClasses, activation: spec.activation, dropout: spec.dropout, seed: deriveSeed(seed, "student-init") });
      const optimizer = tf.train.adam(c.optimizer.learningRate);
      const identity: CheckpointIdentity = { fingerprint: sha256(canonicalJson({ ...fingerprintBase, seed })), config: { ...fingerprintBase, seed }, describe: arch };
      const dir = ckptRoot ? path.join(ckptRoot, `seed-${seed}`) : null;
      try {
        let resumedFromEpoch: number | null = null;
        let resume;
        if (dir) {
          const ck = loadCheckpoint(dir, model, identity);
          if (ck) {
            await ck.apply(model, optimizer);
            resume = ck.state;
            resumedFromEpoch = ck.state.epoch;
            emit({ kind: "resume", seed, epoch: ck.state.epoch, dir });
          }
        }
        const epochs = c.optimizer.epochs;
        const history = await train(
          model,
          { train: trainT, test: testT, teacherTrain: outputs!.train, teacherTest: outputs!.test },
          {
            epochs,
            batchSize: c.optimizer.batchSize,
            learningRate: c.optimizer.learningRate,
            seed: deriveSeed(seed, "student-train"),
            temperature,
            alpha: c.loss.alpha,
            extraTerms: terms,
            optimizer,
            resume,
          },
          {
            onEpoch: async (r, state) => {
              emit({ kind: "epoch", seed, epoch: r.epoch, epochs, loss: r.loss, testAcc: r.testAcc });
              if (dir && (r.epoch % every === 0 || r.epoch === epochs)) {
                await saveCheckpoint(dir, { model, optimizer, state, identity });
                emit({ kind: "checkpoint", seed, epoch: r.epoch, dir });
              }
            },
          },
        ).catch((err) => fail(`student (seed ${seed})`, err));
        let exportedTo: string | null = null;
        if (exportRoot) {
          exportedTo = path.join(exportRoot, `seed-${seed}`);
          await saveModel(model, exportedTo);
        }
        const last = history[history.length - 1];
        emit({ kind: "seed-done", seed, testAcc: last.testAcc, teacherAgreement: last.teacherAgreement });
        return { seed, arch, params: model.countParams(), testAcc: last.testAcc, teacherAgreement: last.teacherAgreement, resumedFromEpoch, exportedTo, history, ms: Date.now() - s0 };
      } finally {
        optimizer.dispose();
        model.dispose();
      }
    }

    const results: ExperimentResults = {
      name: c.name,
      ...(c.description !== undefined ? { description: c.description } : {}),
      createdAt: new Date().toISOString(),
      durationMs: Date.now() - t0,
      environment: runInfo(),
      config: c,
      fingerprint,
      data: { source, sha256: dataSha, features: inputDim, classes: numClasses, trainRows: p.train.numSamples, testRows: p.test.numSamples },
      teacher: teacherInfo,
      runs,
      summary: { testAcc: summarize(runs.map((r) => r.testAcc)), teacherAgreement: summarize(runs.map((r) => r.teacherAgreement ?? NaN)) },
    };
    writeJsonAtomic(opts.resultsPath, results);
    emit({ kind: "results", path: opts.resultsPath });
    return results;
  } finally {
    outputs?.dispose();
    teacherModel?.dispose();
    tf.dispose([trainT.x, trainT.y, testT.x, testT.y]);
  }
}

function describeLoaded(m: tf.LayersModel): string {
  const dims = [m.inputs[0].shape[1], ...m.layers.filter((l) => l.getClassName() === "Dense").map((l) => (l.getConfig() as { units: number }).units)];
  return dims.join("-");
}

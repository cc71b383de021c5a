/**
 * Golden-value cases: small, fixed configurations of every kind of training the
 * library does, run for a few epochs. `scripts/record-golden.ts` writes their
 * numbers to test/golden/<backend>.json; test/golden.test.ts reproduces them.
 * They were recorded before the single-trainer refactor and must not change
 * unless a commit says which number changed and why.
 */
import * as tf from "@tensorflow/tfjs";
import { loadDigits } from "../../src/data/digits";
import { Tensors } from "../../src/data/dataset";
import { buildMlp } from "../../src/models/mlp";
import { buildTransformer } from "../../src/models/transformer";
import { predictLogits } from "../../src/distill/teachers";
import { makeSchedule } from "../../src/distill/schedules";
import { fusedTargetFn, stackTeacherLogits } from "../../src/distill/multi-teacher";
import { pseudoLabelTerm } from "../../src/distill/semi-supervised";
import { consistencyTerm } from "../../src/distill/perturb";
import { softTargets } from "../../src/distill/temperature";
import { fit, train, EpochRecord } from "../../src/train/trainer";
import { trainStages } from "../../src/train/stages";

/** The numbers a case is judged by: every epoch's loss parts and accuracies (times left out). */
export type GoldenEpoch = Record<string, number | null>;
export type GoldenCase = GoldenEpoch[];

const ROWS = 240;
const TEST_ROWS = 120;

function smallDigits(): { train: Tensors; test: Tensors } {
  const p = loadDigits({ seed: 0 });
  const cut = (t: Tensors, n: number): Tensors => tf.tidy(() => ({ x: t.x.slice([0, 0], [n, t.x.shape[1]]), y: t.y.slice([0], [n]) }));
  const train = p.train.toTensors();
  const test = p.test.toTensors();
  const out = { train: cut(train, ROWS), test: cut(test, TEST_ROWS) };
  [train.x, train.y, test.x, test.y].forEach((t) => t.dispose());
  return out;
}

function record(h: EpochRecord[]): GoldenCase {
  return h.map((r) => {
    const out: GoldenEpoch = { epoch: r.epoch, loss: r.loss, trainAcc: r.trainAcc, testAcc: r.testAcc, teacherAgreement: r.teacherAgreement, temperature: r.temperature };
    out["part ce"] = r.ce;
    out["part kd"] = r.kd;
    for (const [k, v] of Object.entries(r.extra ?? {})) out[`part ${k}`] = v;
    return out;
  });
}

function recordFeatures(h: EpochRecord[]): GoldenCase {
  return h.map((r) => {
    const out: GoldenEpoch = { epoch: r.epoch, loss: r.loss, trainAcc: r.trainAcc, testAcc: r.testAcc };
    for (const [k, v] of Object.entries(r.parts)) out[`part ${k}`] = v;
    out.attentionSimilarity = r.attentionSimilarity;
    return out;
  });
}

const mlp = (hidden: number[], seed: number) => buildMlp({ inputDim: 64, hidden, outputDim: 10, seed });

/** Runs every case on the current backend and returns its numbers by case name. */
export async function runGoldenCases(): Promise<Record<string, GoldenCase>> {
  const d = smallDigits();
  const out: Record<string, GoldenCase> = {};
  const base = { epochs: 3, batchSize: 32, learningRate: 3e-3 };

  const teacherModel = mlp([64], 11);
  await train(teacherModel, { train: d.train, test: d.test }, { ...base, epochs: 6, seed: 11 });
  const tTrain = predictLogits(teacherModel, d.train.x);
  const tTest = predictLogits(teacherModel, d.test.x);
  const teacher2 = mlp([8], 12);
  await train(teacher2, { train: d.train, test: d.test }, { ...base, epochs: 2, seed: 12 });
  const t2Train = predictLogits(teacher2, d.train.x);

  const student = async (name: string, run: (m: tf.LayersModel) => Promise<EpochRecord[]>) => {
    const m = mlp([16], 7);
    try {
      out[name] = record(await run(m));
    } finally {
      m.dispose();
    }
  };

  await student("hard labels", (m) => train(m, { train: d.train, test: d.test }, { ...base, seed: 1 }));
  await student("kd T=4", (m) => train(m, { train: d.train, test: d.test, teacherTrain: tTrain, teacherTest: tTest }, { ...base, seed: 1, temperature: 4, alpha: 0.5 }));
  await student("linear schedule 4→1", (m) =>
    train(m, { train: d.train, test: d.test, teacherTrain: tTrain, teacherTest: tTest }, { ...base, seed: 1, alpha: 0.3, temperature: makeSchedule({ kind: "linear", base: 4, alpha: 0.75, min: 1, tMax: 24 }) }),
  );

  const stack = stackTeacherLogits([tTrain, t2Train], 10);
  await student("multi-teacher per-epoch weights", (m) => {
    const fused = fusedTargetFn(stack, { kind: "per-epoch", weightsAt: (e) => (e === 1 ? [0.5, 0.5] : [0.8, 0.2]) });
    return train(m, { train: d.train, test: d.test, teacherTargets: fused.targets, teacherTest: tTest }, { ...base, seed: 2, temperature: 2, alpha: 0.4 });
  });

  // A third of the rows labelled; the teacher's soft labels on the rest, kept above a confidence, plus consistency.
  const maskValues = Array.from({ length: ROWS }, (_, i) => (i % 3 === 0 ? 1 : 0));
  const mask = tf.tensor1d(maskValues, "float32");
  const pseudoTargets = softTargets(tTrain, 2);
  const keep = tf.tidy(() => tf.mul(tf.sub(1, mask), tf.cast(tf.greater(tf.max(pseudoTargets, 1), 0.5), "float32")) as tf.Tensor1D);
  await student("pseudo-labels + consistency", (m) =>
    train(m, { train: d.train, test: d.test, labelMask: mask }, {
      ...base,
      seed: 3,
      extraTerms: [
        pseudoLabelTerm({ targets: pseudoTargets, mask: keep, temperature: 2, weight: 1 }),
        consistencyTerm({ weight: 0.5, perturb: { noiseStd: 0.1, shiftProb: 0.5, imageSide: 8 }, seed: 5 }),
      ],
    }),
  );

  await student("three stages", async (m) => {
    const data = { train: d.train, test: d.test, teacherTrain: tTrain, teacherTest: tTest };
    const r = await trainStages(m, [
      { name: "T=4", data, temperature: 4, alpha: 0.5, epochs: 2, batchSize: 32, learningRate: 3e-3 },
      { name: "T=2", data, temperature: 2, alpha: 0.5, epochs: 1, batchSize: 32, learningRate: 3e-3 },
      { name: "T=1", data, temperature: 1, alpha: 0.5, epochs: 1, batchSize: 16, learningRate: 1e-3 },
    ], { seed: 4 });
    return r.history;
  });

  // Transformer teacher → smaller Transformer student: KD + hint (adapter) + attention + relational terms.
  const tSpec = { seqLen: 8, tokenDim: 8, dModel: 16, heads: 2, layers: 2, ffDim: 32, numClasses: 10 };
  const tModel = buildTransformer({ ...tSpec, seed: 21 });
  const sModel = buildTransformer({ ...tSpec, dModel: 8, layers: 1, ffDim: 16, seed: 22 });
  try {
    await fit(tModel, { train: d.train, test: d.test }, { ...base, epochs: 2, seed: 23, losses: [{ loss: "ce", weight: 1 }] });
    const h = await fit(sModel, { train: d.train, test: d.test, teacherModel: tModel }, {
      ...base,
      seed: 24,
      losses: [
        { loss: "ce", weight: 1 },
        { loss: "kd", weight: 1, temperature: 4 },
        { loss: "hint", weight: 0.5, student: "pooled", teacher: "pooled", adapter: "dense" },
        { loss: "attention", weight: 0.5, studentLayer: 0, teacherLayer: -1 },
        { loss: "rkd-distance", weight: 0.2, student: "pooled", teacher: "pooled" },
        { loss: "sp", weight: 0.2, student: "pooled", teacher: "pooled" },
      ],
      probe: { studentLayer: 0, teacherLayer: -1 },
    });
    out["features: kd + hint + attention + relational"] = recordFeatures(h);
  } finally {
    tModel.dispose();
    sModel.dispose();
  }

  [tTrain, tTest, t2Train, stack, mask, pseudoTargets, keep, d.train.x, d.train.y, d.test.x, d.test.y].forEach((t) => t.dispose());
  teacherModel.dispose();
  teacher2.dispose();
  return out;
}

/**
 * The black-box teacher (fastText lid.176) wrapper, the n-gram student and its
 * export, notebook 09's trial (never reading the true labels unless it is the
 * true-label reference), and its configuration checks.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { initBackend, tf } from "../src/backend";
import { encodeTexts, ngramSlots } from "../src/data/char-ngrams";
import { LanguageIdTeacher, argmaxRows } from "../src/models/fasttext-teacher";
import { loadModel, saveModel } from "../src/models/io";
import { buildNgramBag, hashingOf } from "../src/models/ngram-bag";
import { TextShared, epochsFor, queryOrder, textSetup, textTrial } from "../src/experiment/pretrained-teacher-trial";
import { loadExperiment, resolveExperiment } from "../src/experiment/schema/experiment-file";
import { loadRecordedRun } from "../src/experiment/recorded-run";
import { PretrainedTeacherExperiment, pretrainedTeacherKind } from "../src/experiment/schema/pretrained-teacher";

const LANGS = ["en", "de", "es", "it"];
let teacher: LanguageIdTeacher;

test.before(async () => {
  await initBackend({ log: false });
  teacher = await LanguageIdTeacher.load(LANGS);
});

test("teacher: probabilities over the label set sum to 1 per text; the mass outside it is reported; queries counted", () => {
  const texts = ["The quick brown fox jumps over the lazy dog.", "Der schnelle braune Fuchs springt über den faulen Hund.", "El rápido zorro marrón salta sobre el perro perezoso.", "La volpe veloce salta sopra il cane pigro.", "Bon dia, com estàs? Molt bé, gràcies."];
  const a = teacher.answer(texts);
  assert.is(a.probs.length, texts.length * 4);
  for (let r = 0; r < texts.length; r++) {
    const row = Array.from(a.probs.slice(r * 4, r * 4 + 4));
    assert.ok(Math.abs(row.reduce((s, v) => s + v, 0) - 1) < 1e-5, `row ${r} sums to 1: ${row}`);
    assert.ok(row.every((p) => p >= 0));
  }
  assert.equal(Array.from(argmaxRows(a.probs, 4).slice(0, 4)), [0, 1, 2, 3]);
  assert.is(a.top[4], "ca", "fastText's own top-1 for Catalan lies outside the set");
  assert.ok(a.outside[4] > 0.5 && a.outside[0] < 0.5, `outside mass: ${a.outside[4]}, ${a.outside[0]}`);
  assert.is(teacher.queryCount >= 5, true);
});

test("teacher: a text with no letters gets fastText's prior, renormalised; an empty text is an error naming it; unknown labels refused", async () => {
  const a = teacher.answer(["12345 !!! ???"]);
  assert.ok(Math.abs(Array.from(a.probs).reduce((s, v) => s + v, 0) - 1) < 1e-5);
  assert.is(a.uniform, 0);
  assert.throws(() => teacher.answer(["fine", "   "]), /text 1 is empty/);
  try {
    await LanguageIdTeacher.load(["en", "klingon"]);
    assert.unreachable("accepted an unknown label");
  } catch (err) {
    assert.match((err as Error).message, /no label "klingon"/);
  }
});

const hashing = { buckets: 512, orders: [1, 2, 3], maxChars: 40, lowercase: true };
const WORDS = {
  en: ["the house is old and the garden is green", "we went to the market on a sunny day", "this is what happens when nobody listens", "she said that the answer was simple", "books and letters were on the table", "a cold wind blew over the hills tonight"],
  de: ["das haus ist alt und der garten ist grün", "wir gingen an einem sonnigen tag zum markt", "das passiert wenn niemand zuhört", "sie sagte dass die antwort einfach war", "bücher und briefe lagen auf dem tisch", "ein kalter wind wehte heute über die hügel"],
};

/** A small two-language task; the teacher's "answers" are given (wrong on text 0 on purpose). */
function shared(poolTrueY: Int32Array): TextShared {
  const texts = [...WORDS.en, ...WORDS.de, ...WORDS.en.map((t) => t + " again"), ...WORDS.de.map((t) => t + " wieder")];
  const y = texts.map((_, i) => (Math.floor(i / 6) % 2));
  const pool = Int32Array.from({ length: 12 }, (_, i) => i);
  const test = Int32Array.from({ length: 12 }, (_, i) => 12 + i);
  const top1 = Int32Array.from(y, (v, i) => (i === 0 ? 1 - v : v));
  const logp = Float32Array.from({ length: texts.length * 2 }, (_, k) => Math.log(top1[k >> 1] === (k & 1) ? 0.9 : 0.1));
  const config = resolveExperiment<PretrainedTeacherExperiment>(
    {
      experiment: "pretrained-teacher",
      name: "t",
      config: {
        data: { languages: ["en", "de"] },
        hashing,
        student: { dim: 4 },
        training: { batchSize: 4, learningRate: 0.05, epochs: 2, minSteps: 6 },
        queryBudgets: [8],
        variants: [{ name: "true", target: "true-labels" }, { name: "top1", target: "teacher-top1" }, { name: "soft", target: "teacher-probs", temperature: 2 }],
        seeds: [0],
        reference: "top1",
        exportVariant: "soft",
      },
    },
    { file: "inline", budget: "full", kinds: pretrainedTeacherKind },
  ).config;
  return { config, classes: 2, slots: ngramSlots(hashing), x: encodeTexts(texts, hashing), pool, test, monitor: test.slice(0, 4), poolTrueY, testY: Int32Array.from(test, (r) => y[r]), monitorY: Int32Array.from(test.slice(0, 4), (r) => y[r]), teacherLogp: logp, teacherTop1: top1 };
}

/** Labels that throw when read: a training path that touches them fails. */
function untouchable(n: number): Int32Array {
  return new Proxy(new Int32Array(n), {
    get(target, key) {
      if (typeof key === "string" && /^\d+$/.test(key)) throw new Error(`the true label of pool row ${key} was read`);
      const v = Reflect.get(target, key);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

test("black-box students never read the true labels; the true-label reference does; results reproducible and leak-free", async () => {
  const real = Int32Array.from({ length: 12 }, (_, i) => Math.floor(i / 6));
  const blind = shared(untouchable(12));
  const ctx = (s: TextShared) => ({ shared: s, setup: textSetup(s), index: 0, worker: 0 });
  const c1 = ctx(blind);
  const before = tf.memory().numTensors;
  const soft = await textTrial({ point: { budget: 8, variant: "soft" }, seed: 0 }, c1);
  const top1 = await textTrial({ point: { budget: 8, variant: "top1" }, seed: 0 }, c1);
  assert.is(tf.memory().numTensors, before, "no tensor left behind by a trial");
  try {
    await textTrial({ point: { budget: 8, variant: "true" }, seed: 0 }, c1);
    assert.unreachable("the true-label variant ran without reading the labels");
  } catch (err) {
    assert.match((err as Error).message, /true label of pool row \d+ was read/);
  }
  const c2 = ctx(shared(real));
  const again = await textTrial({ point: { budget: 8, variant: "soft" }, seed: 0 }, c2);
  const noTime = ({ trainMs: _t, ...r }: typeof soft) => r;
  assert.equal(noTime(again), noTime(soft), "the labels' values change nothing for a black-box student, and the run repeats exactly");
  const truth = await textTrial({ point: { budget: 8, variant: "true" }, seed: 0 }, c2);
  assert.is(truth.epochs, epochsFor(8, c2.shared.config.training));
  assert.is(soft.steps, 3 * 2);
  assert.ok(top1.testAcc >= 0 && top1.testAcc <= 1 && soft.agreement >= 0);
  c1.setup.dispose();
  c2.setup.dispose();
  assert.equal(queryOrder(new Int32Array(5), 3), queryOrder(new Int32Array(5), 3));
  assert.not.equal(queryOrder(new Int32Array(50), 3), queryOrder(new Int32Array(50), 4));
});

test("the student saves in the TF.js layers format with its n-gram hashing, and loads back with the same answers", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ngram-student-"));
  try {
    const model = buildNgramBag({ hashing, dim: 8, hidden: [6], numClasses: 4, seed: 1, classNames: LANGS });
    const x = tf.tensor2d(encodeTexts(["hello there", "guten tag"], hashing), [2, ngramSlots(hashing)]);
    const before = await (model.predict(x) as tf.Tensor).data();
    await saveModel(model, path.join(dir, "m"));
    const json = JSON.parse(fs.readFileSync(path.join(dir, "m", "model.json"), "utf8"));
    assert.equal(json.userDefinedMetadata.ngramHashing, hashing);
    const loaded = await loadModel(path.join(dir, "m"));
    assert.equal(hashingOf(loaded), { hashing, classNames: LANGS });
    assert.equal(Array.from(await (loaded.predict(x) as tf.Tensor).data()), Array.from(before));
    assert.is(model.countParams(), 513 * 8 + 8 * 6 + 6 + 6 * 4 + 4);
    const plain = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
    assert.throws(() => hashingOf(plain), /has no "ngramHashing"/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("configuration errors name the field: temperature ≤ 0, a reference that is not a variant, budgets repeated", () => {
  const base = {
    hashing,
    student: { dim: 4 },
    training: { batchSize: 4, learningRate: 0.05, epochs: 2, minSteps: 6 },
    queryBudgets: [8, "all"],
    variants: [{ name: "soft", target: "teacher-probs", temperature: 2 }],
    seeds: [0],
    reference: "soft",
    exportVariant: "soft",
  };
  const bad = (over: Record<string, unknown>) => () => resolveExperiment({ experiment: "pretrained-teacher", name: "t", config: { ...base, ...over } }, { file: "inline", budget: "full", kinds: pretrainedTeacherKind });
  assert.not.throws(bad({}));
  assert.throws(bad({ variants: [{ name: "soft", target: "teacher-probs", temperature: 0 }] }), /config\.variants\[0\]\.temperature: got 0; expected a number > 0/);
  assert.throws(bad({ reference: "nope" }), /config\.reference.*"nope" is not a variant/s);
  assert.throws(bad({ queryBudgets: [8, 8] }), /config\.queryBudgets.*distinct budgets/s);
  assert.throws(bad({ data: { languages: ["en", "fr"] } }), /config\.data\.languages\[1\]/);
});

test("the recorded full-budget run is of the experiment file's full configuration, complete, and its student reloads exactly", () => {
  const recorded = loadRecordedRun<{ summary: { budget: number; seeds: number }[]; runs: unknown[]; student: { reloadMismatches: number } }>("09-pretrained-teacher");
  assert.ok(recorded, "results/09-pretrained-teacher.full.json is committed");
  const exp = loadExperiment<PretrainedTeacherExperiment>("09-pretrained-teacher", { budget: "full", kinds: pretrainedTeacherKind });
  assert.is(recorded!.fingerprint, exp.fingerprint, "same configuration as experiments/09-pretrained-teacher.json at its full budget");
  const c = exp.config;
  assert.is(recorded!.results.runs.length, c.queryBudgets.length * c.variants.length * c.seeds.length);
  assert.ok(recorded!.results.summary.every((s) => s.seeds === c.seeds.length));
  assert.is(recorded!.results.student.reloadMismatches, 0);
});

test.run();

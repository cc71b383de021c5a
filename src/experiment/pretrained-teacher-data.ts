/**
 * Notebook 09's data: Debian's fortunes in several languages, a fixed
 * stratified train/test split, every text's hashed n-grams, and the pretrained
 * teacher's answers. The teacher answers every text once here — the test
 * texts to measure it, the training texts so that a trial can take the first
 * `budget` of them (each seed's query order) as its queries. The language of
 * a training text (`poolTrueY`) is kept apart: only the true-label reference
 * reads it.
 */
import { NgramHashing, encodeTexts, ngramSlots } from "../data/char-ngrams";
import { FortuneStats, loadFortunes } from "../data/fortunes";
import { stratifiedPick, stratifiedSplit } from "../data/split";
import { LanguageIdTeacher, argmaxRows } from "../models/fasttext-teacher";
import type { PretrainedTeacherExperiment } from "./schema/pretrained-teacher";

export interface TeacherMeasures {
  /** Accuracy against the package language, on the test texts and on all texts. */
  testAcc: number;
  allAcc: number;
  perLanguage: { language: string; texts: number; accuracy: number; meanOutside: number }[];
  /** Mean probability mass fastText put outside the label set. */
  meanOutside: number;
  /** Mean, over the test texts, of the largest renormalised probability; fraction of them above 0.99. */
  meanTop1: number;
  confident: number;
  /** Texts whose fastText top-1 is not one of the languages. */
  topOutside: number;
  uniform: number;
  /** Milliseconds per text, answering all texts in one call. */
  msPerText: number;
  sizeBytes: number;
}

export interface TextTaskData {
  languages: string[];
  stats: FortuneStats;
  texts: string[];
  slots: number;
  /** [texts × slots] n-gram ids of every text. */
  x: Float32Array;
  /** Training pool and test rows (indices into texts); monitor ⊂ test. */
  pool: Int32Array;
  test: Int32Array;
  monitor: Int32Array;
  /** True languages of the pool rows (same order as pool) — the reference only. */
  poolTrueY: Int32Array;
  /** True languages of the test rows, and of the monitor rows. */
  testY: Int32Array;
  monitorY: Int32Array;
  /** Teacher: log of its renormalised probabilities [texts × languages], its top-1, its raw answers. */
  teacherLogp: Float32Array;
  teacherTop1: Int32Array;
  teacherOutside: Float32Array;
  teacher: TeacherMeasures;
  /** The loaded teacher itself (for timing it later; not shared with trials). */
  teacherModel: LanguageIdTeacher;
  msEncode: number;
}


function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return xs.length ? s / xs.length : 0;
}

export async function prepareTextTask(c: PretrainedTeacherExperiment, log: (line: string) => void = console.log): Promise<TextTaskData> {
  const corpus = loadFortunes({ languages: c.data.languages, minLetters: c.data.minLetters });
  const languages = corpus.languages;
  const texts = corpus.texts.map((t) => t.text);
  const y = Int32Array.from(corpus.texts, (t) => languages.indexOf(t.language));
  log(`fortunes: ${texts.length} texts (${languages.map((l) => `${l} ${corpus.stats.perLanguage[l]}`).join(", ")}) from ${corpus.stats.files} files under ${corpus.dir}`);

  const split = stratifiedSplit(y, c.data.testFraction, c.data.splitSeed);
  const [monitor] = stratifiedPick(y, split.test, Math.min(1, c.data.monitorRows / split.test.length), c.data.splitSeed + 1);
  const hashing: NgramHashing = c.hashing;
  const t0 = performance.now();
  const x = encodeTexts(texts, hashing);
  const msEncode = performance.now() - t0;

  const teacherModel = await LanguageIdTeacher.load(languages);
  const answers = teacherModel.answer(texts);
  const L = languages.length;
  const teacherLogp = Float32Array.from(answers.probs, (p) => Math.log(Math.max(p, c.teacher.probFloor)));
  const teacherTop1 = argmaxRows(answers.probs, L);
  const hit = (r: number) => (teacherTop1[r] === y[r] ? 1 : 0);
  const perLanguage = languages.map((language, k) => {
    const rows = split.test.filter((r) => y[r] === k);
    return { language, texts: rows.length, accuracy: mean(rows.map(hit)), meanOutside: mean(rows.map((r) => answers.outside[r])) };
  });
  const topProb = split.test.map((r) => answers.probs[r * L + teacherTop1[r]]);
  const teacher: TeacherMeasures = {
    testAcc: mean(split.test.map(hit)),
    meanTop1: mean(topProb),
    confident: mean(topProb.map((p) => (p > 0.99 ? 1 : 0))),
    allAcc: mean(Array.from(y, (_, r) => hit(r))),
    perLanguage,
    meanOutside: mean(answers.outside),
    topOutside: answers.top.filter((l) => !languages.includes(l)).length,
    uniform: answers.uniform,
    msPerText: answers.ms / texts.length,
    sizeBytes: teacherModel.sizeBytes,
  };
  log(`teacher (fastText lid.176): test accuracy ${(100 * teacher.testAcc).toFixed(2)} %, ${answers.ms.toFixed(0)} ms for ${texts.length} texts; n-grams encoded in ${msEncode.toFixed(0)} ms`);
  const pick = (rows: number[]) => Int32Array.from(rows, (r) => y[r]);
  return {
    languages,
    stats: corpus.stats,
    texts,
    slots: ngramSlots(hashing),
    x,
    pool: Int32Array.from(split.train),
    test: Int32Array.from(split.test),
    monitor: Int32Array.from(monitor),
    poolTrueY: pick(split.train),
    testY: pick(split.test),
    monitorY: pick(monitor),
    teacherLogp,
    teacherTop1,
    teacherOutside: answers.outside,
    teacher,
    teacherModel,
    msEncode,
  };
}

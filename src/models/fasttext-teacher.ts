/**
 * A teacher known only by its outputs: fastText's pretrained language
 * identifier (lid.176.ftz, 176 languages, 938 KB, CC BY-SA 3.0) from the npm
 * package fasttext.wasm.js. Nothing of it is trained or read here but its
 * answers: for each text, fastText's probabilities over its 176 labels.
 *
 * The student's label set is the data's languages, so each answer is cut to
 * them and renormalised: p(l | text, l ∈ set) = p(l) / Σ_{set} p. The mass
 * outside the set is reported (`outside`), not spread: a text fastText calls
 * Catalan counts, in the set, as whatever Spanish/Italian share it gave. When
 * fastText puts no mass at all in the set, the answer is uniform over it
 * (counted in `uniform`). fastText reads one line, so line breaks become
 * spaces before it sees a text. Only the texts given are answered: each call
 * counts as that many queries.
 */
import * as fs from "fs";
import * as path from "path";

/** The pieces of fasttext.wasm.js used here (its typings are loose about embind vectors). */
interface EmbindVector {
  size(): number;
  get(i: number): [number, string];
  delete(): void;
}
interface FastTextLike {
  predict(text: string, k: number, threshold: number): EmbindVector;
}

export interface TeacherAnswers {
  /** [texts × labels] row-major: probabilities over the label set, each row summing to 1. */
  probs: Float32Array;
  /** Per text, fastText's probability mass outside the label set. */
  outside: Float32Array;
  /** Per text, fastText's own top-1 label (may lie outside the set). */
  top: string[];
  /** Texts whose whole mass was outside the set (answered uniformly). */
  uniform: number;
  /** Wall-clock milliseconds spent answering. */
  ms: number;
}

export const TEACHER_LICENCE = "lid.176.ftz: fastText language identification, Facebook AI Research, CC BY-SA 3.0 (https://fasttext.cc/docs/en/language-identification.html)";

/** The model file shipped by fasttext.wasm.js. */
export function teacherModelFile(): string {
  return path.join(path.dirname(require.resolve("fasttext.wasm.js/package.json")), "dist", "models", "language-identification", "assets", "lid.176.ftz");
}

export class LanguageIdTeacher {
  readonly labels: string[];
  readonly sizeBytes: number;
  private queries = 0;

  private constructor(private readonly model: FastTextLike, labels: string[], sizeBytes: number) {
    this.labels = labels;
    this.sizeBytes = sizeBytes;
  }

  /** Loads fastText's model; `labels` are its language codes (e.g. en, de, es, it) in the student's class order. */
  static async load(labels: string[]): Promise<LanguageIdTeacher> {
    if (labels.length < 2) throw new Error(`a language-identification teacher needs at least two labels; got ${JSON.stringify(labels)}`);
    if (new Set(labels).size !== labels.length) throw new Error(`labels must not repeat; got ${JSON.stringify(labels)}`);
    let lid: { load(): Promise<unknown> };
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const pkg = require("fasttext.wasm.js") as { getLIDModel(): Promise<{ load(): Promise<unknown> }> };
      lid = await pkg.getLIDModel();
    } catch (err) {
      throw new Error(`cannot load the npm package fasttext.wasm.js (fastText's pretrained language identifier): ${(err as Error).message}; run npm ci`);
    }
    const model = (await lid.load()) as FastTextLike;
    const known = LanguageIdTeacher.knownLabels(model);
    const unknown = labels.filter((l) => !known.has(l));
    if (unknown.length) throw new Error(`fastText's lid.176 has no label ${unknown.map((l) => `"${l}"`).join(", ")} (it uses Wikipedia codes such as en, de, es, it)`);
    return new LanguageIdTeacher(model, labels, fs.statSync(teacherModelFile()).size);
  }

  private static knownLabels(model: FastTextLike): Set<string> {
    const v = model.predict("", -1, 0); // no features: the prior over every label
    try {
      return new Set(Array.from({ length: v.size() }, (_, i) => v.get(i)[1].replace("__label__", "")));
    } finally {
      v.delete();
    }
  }

  /** How many texts the teacher has answered so far (its query count). */
  get queryCount(): number {
    return this.queries;
  }

  /** The teacher's answers for `texts`; an empty text is an error naming its index. */
  answer(texts: string[]): TeacherAnswers {
    const L = this.labels.length;
    const index = new Map(this.labels.map((l, i) => [`__label__${l}`, i]));
    const probs = new Float32Array(texts.length * L);
    const outside = new Float32Array(texts.length);
    const top: string[] = [];
    let uniform = 0;
    const t0 = performance.now();
    texts.forEach((raw, r) => {
      if (typeof raw !== "string" || raw.trim() === "") throw new Error(`text ${r} is empty: the teacher needs at least one character that is not a space`);
      const v = this.model.predict(raw.replace(/\s+/g, " ").trim(), -1, 0);
      let total = 0;
      let inSet = 0;
      try {
        for (let i = 0; i < v.size(); i++) {
          const [p, label] = v.get(i);
          if (i === 0) top.push(label.replace("__label__", ""));
          total += p;
          const j = index.get(label);
          if (j !== undefined) {
            probs[r * L + j] = p;
            inSet += p;
          }
        }
      } finally {
        v.delete();
      }
      if (top.length === r) top.push("");
      outside[r] = total > 0 ? Math.max(0, 1 - inSet / total) : 1;
      if (inSet > 0) for (let j = 0; j < L; j++) probs[r * L + j] /= inSet;
      else {
        uniform++;
        probs.fill(1 / L, r * L, (r + 1) * L);
      }
    });
    this.queries += texts.length;
    return { probs, outside, top, uniform, ms: performance.now() - t0 };
  }
}

/** Index of the largest probability in each row of a [rows × classes] matrix. */
export function argmaxRows(probs: Float32Array, classes: number): Int32Array {
  const out = new Int32Array(probs.length / classes);
  for (let r = 0; r < out.length; r++) {
    let best = 0;
    for (let j = 1; j < classes; j++) if (probs[r * classes + j] > probs[r * classes + best]) best = j;
    out[r] = best;
  }
  return out;
}

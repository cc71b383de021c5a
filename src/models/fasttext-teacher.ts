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

import { FastTextLike, TeacherAnswers, answerTexts, knownLabels } from "./lid-answers";
export { argmaxRows } from "./lid-answers";
export type { TeacherAnswers } from "./lid-answers";

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
    const known = knownLabels(model);
    const unknown = labels.filter((l) => !known.has(l));
    if (unknown.length) throw new Error(`fastText's lid.176 has no label ${unknown.map((l) => `"${l}"`).join(", ")} (it uses Wikipedia codes such as en, de, es, it)`);
    return new LanguageIdTeacher(model, labels, fs.statSync(teacherModelFile()).size);
  }

  /** How many texts the teacher has answered so far (its query count). */
  get queryCount(): number {
    return this.queries;
  }

  /** The teacher's answers for `texts`; an empty text is an error naming its index. */
  answer(texts: string[]): TeacherAnswers {
    const a = answerTexts(this.model, this.labels, texts);
    this.queries += texts.length;
    return a;
  }
}

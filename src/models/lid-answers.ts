/**
 * fastText language-identification answers cut to a label set — the part of
 * the black-box teacher that runs anywhere (Node, and the deployment page in a
 * browser): no file system, only the model's predict(). See fasttext-teacher.ts
 * for what is done with the probability mass outside the set.
 */

/** The pieces of fasttext.wasm.js used here (its typings are loose about embind vectors). */
export interface EmbindVector {
  size(): number;
  get(i: number): [number, string];
  delete(): void;
}
export interface FastTextLike {
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

/** Every label the model knows (its answer to a text without features lists them all). */
export function knownLabels(model: FastTextLike): Set<string> {
  const v = model.predict("", -1, 0);
  try {
    return new Set(Array.from({ length: v.size() }, (_, i) => v.get(i)[1].replace("__label__", "")));
  } finally {
    v.delete();
  }
}

/** The model's answers for `texts` over `labels`, renormalised; an empty text is an error naming its index. */
export function answerTexts(model: FastTextLike, labels: string[], texts: string[]): TeacherAnswers {
  const L = labels.length;
  const index = new Map(labels.map((l, i) => [`__label__${l}`, i]));
  const probs = new Float32Array(texts.length * L);
  const outside = new Float32Array(texts.length);
  const top: string[] = [];
  let uniform = 0;
  const t0 = performance.now();
  texts.forEach((raw, r) => {
    if (typeof raw !== "string" || raw.trim() === "") throw new Error(`text ${r} is empty: the teacher needs at least one character that is not a space`);
    // fastText reads one line: a line break would end the text.
    const v = model.predict(raw.replace(/\s+/g, " ").trim(), -1, 0);
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
  return { probs, outside, top, uniform, ms: performance.now() - t0 };
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

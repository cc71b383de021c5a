/** The text half of the deployment page (browser only): a text box, the n-gram student and fastText's teacher. */
import * as tf from "@tensorflow/tfjs";
import { getLIDModel } from "fasttext.wasm.js/common";
import { encodeTexts } from "../../data/char-ngrams";
import { answerTexts, FastTextLike } from "../../models/lid-answers";
import { hashingOf } from "../../models/ngram-bag";
import type { TextManifest } from "./manifest";
import { $, Models, probsOf, showAnswers, state } from "./page-common";

export async function setupText(m: TextManifest): Promise<Models> {
  const model = await tf.loadLayersModel("student/model.json");
  const { hashing } = hashingOf(model);
  if (JSON.stringify(hashing) !== JSON.stringify(m.hashing)) throw new Error(`the student's n-gram hashing ${JSON.stringify(hashing)} differs from the site's ${JSON.stringify(m.hashing)}: rebuild the site`);
  let teacher: FastTextLike | null = null;
  if (m.teacher) {
    const lid = await getLIDModel({ wasmPath: new URL("fastText/fastText.common.wasm", location.href).href, modelPath: new URL("fastText/models/lid.176.ftz", location.href).href });
    teacher = (await lid.load()) as unknown as FastTextLike;
  }
  const student = async (texts: string[]) => probsOf(model, encodeTexts(texts, m.hashing), texts.length);
  const teach = (texts: string[]) => {
    const a = answerTexts(teacher!, m.classNames, texts);
    return texts.map((_, r) => Array.from(a.probs.slice(r * m.classNames.length, (r + 1) * m.classNames.length)));
  };
  const texts = m.fixed.map((f) => f.text);
  const sp = await student(texts);
  const tp = teacher ? teach(texts) : null;
  state.fixed = texts.map((text, i) => ({ text, student: sp[i], teacher: tp ? tp[i] : null }));

  $("text-input").hidden = false;
  const box = $("text") as HTMLTextAreaElement;
  const answer = async () => {
    if (box.value.trim() === "") {
      $("answers").innerHTML = "<p>Type a text first.</p>";
      return;
    }
    const [s] = await student([box.value]);
    showAnswers(m.classNames, s, teacher ? teach([box.value])[0] : null, "teacher (fastText lid.176)");
  };
  box.addEventListener("input", () => void answer());
  const sample = (i: number) => texts[i % texts.length];
  return {
    student: (i) => student([sample(i)]),
    teacher: teacher ? (i) => teach([sample(i)]) : null,
    teacherBackend: "fastText wasm",
    unit: "text",
    showFirst: async () => {
      box.value = texts[0];
      await answer();
    },
  };
}

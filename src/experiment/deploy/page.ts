/**
 * The deployment page's script (bundled by esbuild into app.js; runs in the
 * browser only). It loads the site's manifest.json, the student (TF.js layers
 * format, n-gram hashing in its metadata) and, when the site has one, the
 * teacher (fastText's lid.176 on its own WebAssembly runtime); answers the
 * manifest's fixed texts (compared with Node's answers by the browser test);
 * times both models per text on every tfjs backend the browser has; then
 * answers whatever is typed into the text box. Everything it measured is in
 * window.__deploy for the test.
 */
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import "@tensorflow/tfjs-backend-webgpu";
import { getLIDModel } from "fasttext.wasm.js/common";
import { encodeTexts } from "../../data/char-ngrams";
import { answerTexts, FastTextLike } from "../../models/lid-answers";
import { hashingOf } from "../../models/ngram-bag";
import type { SiteManifest } from "./manifest";

interface LatencyRow {
  model: "student" | "teacher";
  backend: string;
  msPerText: number | null;
  note?: string;
}
interface PageState {
  ready: boolean;
  error: string | null;
  fixed: { text: string; student: number[]; teacher: number[] | null }[];
  latency: LatencyRow[];
}
const state: PageState = { ready: false, error: null, fixed: [], latency: [] };
(window as unknown as { __deploy: PageState }).__deploy = state;

const $ = (id: string) => document.getElementById(id)!;

function fail(message: string): void {
  state.error = message;
  $("status").textContent = message;
  $("status").className = "error";
}

async function fetchJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} — the site is incomplete; rebuild it with npm run deploy`);
  return (await res.json()) as T;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function studentProbs(model: tf.LayersModel, m: SiteManifest, texts: string[]): Promise<number[][]> {
  const ids = encodeTexts(texts, m.hashing);
  const p = tf.tidy(() => tf.softmax(model.predict(tf.tensor2d(ids, [texts.length, ids.length / texts.length])) as tf.Tensor2D));
  const values = (await p.array()) as number[][];
  p.dispose();
  return values;
}

function teacherProbs(teacher: FastTextLike, m: SiteManifest, texts: string[]): number[][] {
  const a = answerTexts(teacher, m.classNames, texts);
  return texts.map((_, r) => Array.from(a.probs.slice(r * m.classNames.length, (r + 1) * m.classNames.length)));
}

/** Horizontal bars, one per class, as inline SVG. */
function bars(title: string, names: string[], probs: number[]): string {
  const best = probs.indexOf(Math.max(...probs));
  const rows = names
    .map((n, i) => `<text x="0" y="${18 + i * 20}" font-size="12">${n}</text><rect x="40" y="${6 + i * 20}" width="${(200 * probs[i]).toFixed(1)}" height="14" fill="${i === best ? "#4c78a8" : "#9ecae9"}"/><text x="${46 + 200 * probs[i]}" y="${18 + i * 20}" font-size="11">${probs[i].toFixed(3)}</text>`)
    .join("");
  return `<figure><figcaption>${title}: <b>${names[best]}</b></figcaption><svg width="300" height="${10 + names.length * 20}" role="img">${rows}</svg></figure>`;
}

/**
 * Median over blocks of BLOCK one-text calls of the time per call: browsers
 * round performance.now() to 0.1 ms without cross-origin isolation, too coarse
 * to time one call of a model this small.
 */
const BLOCK = 5;
async function timePerText(texts: string[], one: (t: string) => unknown): Promise<number> {
  for (const t of texts.slice(0, 3)) await one(t); // warm-up (kernels compiled on first use)
  const ms: number[] = [];
  for (let b = 0; b + BLOCK <= texts.length; b += BLOCK) {
    const t0 = performance.now();
    for (const t of texts.slice(b, b + BLOCK)) await one(t);
    ms.push((performance.now() - t0) / BLOCK);
  }
  return median(ms);
}

async function main(): Promise<void> {
  if (location.protocol === "file:") {
    fail("This page was opened from file://, where the browser refuses to fetch the model files. Serve the folder instead: npm run deploy -- NAME --serve, then open the http:// address it prints.");
    return;
  }
  const m = await fetchJson<SiteManifest>("manifest.json");
  $("title").textContent = m.title;
  setWasmPaths(new URL("tfjs/", location.href).href);
  if (!(await tf.setBackend("wasm"))) throw new Error("the tfjs wasm backend did not start");
  const model = await tf.loadLayersModel("student/model.json");
  const { hashing } = hashingOf(model);
  if (JSON.stringify(hashing) !== JSON.stringify(m.hashing)) throw new Error(`the student's n-gram hashing ${JSON.stringify(hashing)} differs from the site's ${JSON.stringify(m.hashing)}: rebuild the site`);
  let teacher: FastTextLike | null = null;
  if (m.teacher) {
    const lid = await getLIDModel({ wasmPath: new URL("fastText/fastText.common.wasm", location.href).href, modelPath: new URL("fastText/models/lid.176.ftz", location.href).href });
    teacher = (await lid.load()) as unknown as FastTextLike;
  }
  const fixedTexts = m.fixed.map((f) => f.text);
  const sp = await studentProbs(model, m, fixedTexts);
  const tp = teacher ? teacherProbs(teacher, m, fixedTexts) : null;
  state.fixed = fixedTexts.map((text, i) => ({ text, student: sp[i], teacher: tp ? tp[i] : null }));

  $("status").textContent = "measuring latency…";
  const sample = Array.from({ length: 60 }, (_, i) => fixedTexts[i % fixedTexts.length]);
  for (const backend of ["wasm", "webgl", "webgpu"]) {
    let ok = false;
    try {
      ok = await tf.setBackend(backend);
    } catch {
      ok = false;
    }
    if (!ok) {
      state.latency.push({ model: "student", backend, msPerText: null, note: "not available in this browser" });
      continue;
    }
    state.latency.push({ model: "student", backend, msPerText: await timePerText(sample, (t) => studentProbs(model, m, [t])) });
  }
  await tf.setBackend("wasm");
  if (teacher) state.latency.push({ model: "teacher", backend: "fastText wasm", msPerText: await timePerText(sample, (t) => teacherProbs(teacher!, m, [t])) });
  $("latency").innerHTML =
    "<tr><th>model</th><th>backend</th><th>median ms per text</th></tr>" +
    state.latency.map((l) => `<tr><td>${l.model}</td><td>${l.backend}</td><td>${l.msPerText === null ? l.note : l.msPerText.toFixed(3)}</td></tr>`).join("");

  const answer = async () => {
    const text = ($("text") as HTMLTextAreaElement).value;
    if (text.trim() === "") {
      $("answers").innerHTML = "<p>Type a text first.</p>";
      return;
    }
    const [s] = await studentProbs(model, m, [text]);
    const t = teacher ? teacherProbs(teacher, m, [text])[0] : null;
    $("answers").innerHTML = bars("student", m.classNames, s) + (t ? bars("teacher (fastText lid.176)", m.classNames, t) : "");
  };
  $("text").addEventListener("input", () => void answer());
  ($("text") as HTMLTextAreaElement).value = fixedTexts[0];
  await answer();
  $("status").textContent = `ready — backend for the answers: ${tf.getBackend()}`;
  state.ready = true;
}

main().catch((err) => fail(`error: ${(err as Error).message}`));

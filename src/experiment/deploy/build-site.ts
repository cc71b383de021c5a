/**
 * Builds a static deployment site for a student and its teacher:
 *
 *   index.html, app.js   the page (page.ts bundled by esbuild with @tensorflow/tfjs)
 *   manifest.json        class names, preprocessing, fixed inputs with Node's probabilities
 *   student/, teacher/   the models in the TF.js layers format
 *   tfjs/                tfjs' wasm binaries
 *   fastText/            a text site's teacher: fastText's runtime and lid.176.ftz
 *
 * A text student carries its n-gram hashing in model.json (notebook 09); an
 * image student its image preprocessing (models/image-input.ts; notebook 05),
 * and its teacher is the folder beside it (NAME.teacher). Nothing is fetched
 * from the internet at run time. The site is written to a staging folder and
 * moved into place, so a failed build leaves nothing half-written.
 */
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { encodeTexts } from "../../data/char-ngrams";
import { LanguageIdTeacher, TEACHER_LICENCE } from "../../models/fasttext-teacher";
import { loadModel } from "../../models/io";
import { hashingOf } from "../../models/ngram-bag";
import { imageInputOf } from "../../models/image-input";
import { projectRoot } from "../../paths";
import type { ImageManifest, SiteManifest, TextManifest } from "./manifest";
import { probsOf } from "./probs";

/** Texts whose answers the page must reproduce (one per language of notebook 09, and harder ones). */
export const FIXED_TEXTS = [
  "The early bird catches the worm, but the second mouse gets the cheese.",
  "Wer anderen eine Grube gräbt, fällt selbst hinein.",
  "No hay mal que por bien no venga.",
  "Chi va piano va sano e va lontano.",
  "Computers are like air conditioners: they stop working when you open Windows.",
  "Ein Mann, ein Wort; eine Frau, ein Wörterbuch.",
  "El que mucho abarca, poco aprieta.",
  "Tra il dire e il fare c'è di mezzo il mare.",
];

export interface BuildSiteOptions {
  /** The student's folder (model.json + weights). */
  modelDir: string;
  /** An image student's teacher (default: the folder beside it named *.teacher, when there is one). */
  teacherDir?: string;
  /** The site's folder (replaced if it is a site built before). */
  outDir: string;
  title?: string;
  /** Ship fastText's lid.176 as the teacher (default: when the class names are fastText labels). */
  teacher?: boolean;
  fixedTexts?: string[];
}

function pkgDir(name: string): string {
  return path.dirname(require.resolve(`${name}/package.json`));
}

async function bundlePage(outFile: string): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const esbuild = require("esbuild") as typeof import("esbuild");
  await esbuild.build({
    entryPoints: [path.join(__dirname, "page.ts")],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2020",
    minify: true,
    outfile: outFile,
    logLevel: "silent",
    // The wasm glue code mentions Node built-ins on paths a browser never takes.
    external: ["fs", "fs/promises", "path", "http", "https", "worker_threads", "perf_hooks", "os", "crypto", "module", "url"],
  });
}

export const FILE_MESSAGE =
  "This page was opened from file://, where the browser refuses to run its script and fetch the model files. Serve the folder instead: npm run deploy -- NAME --serve (or any static web server), then open the http:// address it prints.";

function html(title: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>${title}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:52rem}textarea{width:100%;height:5rem;font-size:1rem}
.error{color:#b00020;font-weight:bold}.example{margin:2px;cursor:pointer;border:1px solid #ccc}figure{display:inline-block;margin:0 2rem 1rem 0}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .6rem;text-align:left}</style>
</head><body>
<h1 id="title">${title}</h1>
<p id="status">loading…</p>
<noscript><p class="error">This page needs JavaScript.</p></noscript>
<section id="text-input" hidden><textarea id="text" aria-label="text to identify"></textarea></section>
<section id="image-input" hidden>
<p>Test images (click one), or draw in the box:</p><div id="examples"></div>
<canvas id="draw" style="border:1px solid #888;touch-action:none"></canvas> <button id="clear">clear</button>
</section>
<div id="answers"></div>
<h2>Latency in this browser</h2>
<table id="latency"></table>
<script>
// Browsers do not run module scripts (nor fetch) from file://: say so before anything fails silently.
if (location.protocol === "file:") {
  var msg = ${JSON.stringify(FILE_MESSAGE)};
  document.getElementById("status").textContent = msg;
  document.getElementById("status").className = "error";
  window.__deploy = { ready: false, error: msg, fixed: [], latency: [] };
}
</script>
<script type="module" src="app.js"></script>
</body></html>
`;
}

function relative(dir: string): string {
  const rel = path.relative(projectRoot(), dir);
  return rel.startsWith("..") ? dir : rel;
}

async function textManifest(model: tf.LayersModel, modelDir: string, o: BuildSiteOptions): Promise<TextManifest> {
  const { hashing, classNames } = hashingOf(model);
  const classes = (model.outputs[0].shape as number[])[1];
  const names = classNames ?? Array.from({ length: classes }, (_, i) => `class ${i}`);
  if (names.length !== classes) throw new Error(`${modelDir}: ${names.length} class names for ${classes} outputs`);
  const fixedTexts = o.fixedTexts ?? FIXED_TEXTS;
  const student = await probsOf(model, encodeTexts(fixedTexts, hashing), fixedTexts.length);
  const withTeacher = o.teacher ?? names.every((n) => /^[a-z]{2,3}$/.test(n));
  let teacherProbs: number[][] | null = null;
  if (withTeacher) {
    const a = (await LanguageIdTeacher.load(names)).answer(fixedTexts);
    teacherProbs = fixedTexts.map((_, r) => Array.from(a.probs.slice(r * names.length, (r + 1) * names.length)));
  }
  return {
    kind: "text",
    title: o.title ?? `Language identification: distilled student${withTeacher ? " vs fastText lid.176" : ""}`,
    source: relative(modelDir),
    classNames: names,
    hashing,
    teacher: withTeacher ? { name: "fastText lid.176.ftz", licence: TEACHER_LICENCE } : null,
    fixed: fixedTexts.map((text, i) => ({ text, student: student[i], teacher: teacherProbs ? teacherProbs[i] : null })),
    builtAt: new Date().toISOString(),
  };
}

async function imageManifest(model: tf.LayersModel, modelDir: string, teacherDir: string | null, o: BuildSiteOptions): Promise<ImageManifest> {
  const meta = imageInputOf(model)!;
  const xs = meta.examples.map((e) => e.x);
  const student = await probsOf(model, xs.flat(), xs.length);
  let teacherProbs: number[][] | null = null;
  if (teacherDir) {
    const teacher = await loadModel(teacherDir);
    try {
      const got = teacher.inputs[0].shape[1];
      if (got !== meta.width * meta.height) throw new Error(`teacher ${teacherDir} takes ${got} inputs but the student's images are ${meta.width}×${meta.height} = ${meta.width * meta.height}`);
      teacherProbs = await probsOf(teacher, xs.flat(), xs.length);
    } finally {
      teacher.dispose();
    }
  }
  const { examples, ...image } = meta;
  return {
    kind: "image",
    title: o.title ?? `Image classification: distilled student${teacherDir ? " vs its teacher" : ""} (${meta.width}×${meta.height})`,
    source: relative(modelDir),
    classNames: meta.classNames,
    image,
    teacher: teacherDir ? { name: relative(teacherDir) } : null,
    fixed: examples.map((e, i) => ({ x: e.x, label: e.label, student: student[i], teacher: teacherProbs ? teacherProbs[i] : null })),
    builtAt: new Date().toISOString(),
  };
}

/** Builds the site; returns its manifest. */
export async function buildSite(o: BuildSiteOptions): Promise<SiteManifest> {
  const modelDir = path.resolve(o.modelDir);
  if (!fs.existsSync(modelDir)) throw new Error(`no model at ${modelDir}: give a student's folder (e.g. reports/09-pretrained-teacher.student or reports/05-progressive-stages.student, written by those notebooks)`);
  const model = await loadModel(modelDir);
  let manifest: SiteManifest;
  let teacherDir: string | null = null;
  try {
    let isText = true;
    try {
      hashingOf(model);
    } catch {
      isText = false;
    }
    if (isText) manifest = await textManifest(model, modelDir, o);
    else if (imageInputOf(model)) {
      const beside = modelDir.replace(/\.student$/, ".teacher");
      teacherDir = o.teacherDir ? path.resolve(o.teacherDir) : beside !== modelDir && fs.existsSync(path.join(beside, "model.json")) ? beside : null;
      manifest = await imageManifest(model, modelDir, teacherDir, o);
    } else {
      throw new Error(`${modelDir} has neither an n-gram hashing (a text student) nor an image preprocessing (an image student) in its model.json: export it from notebook 09 or 05`);
    }
  } finally {
    model.dispose();
  }
  const withFastText = manifest.kind === "text" && manifest.teacher !== null;
  const files: Record<string, string | Uint8Array> = { "index.html": html(manifest.title), "manifest.json": JSON.stringify(manifest, null, 1) };
  for (const f of fs.readdirSync(modelDir)) files[`student/${f}`] = fs.readFileSync(path.join(modelDir, f));
  if (teacherDir) for (const f of fs.readdirSync(teacherDir)) files[`teacher/${f}`] = fs.readFileSync(path.join(teacherDir, f));
  const wasmDir = path.join(pkgDir("@tensorflow/tfjs-backend-wasm"), "dist");
  for (const f of fs.readdirSync(wasmDir).filter((f) => f.endsWith(".wasm"))) files[`tfjs/${f}`] = fs.readFileSync(path.join(wasmDir, f));
  if (withFastText) {
    const ft = path.join(pkgDir("fasttext.wasm.js"), "dist", "fastText");
    files["fastText/fastText.common.wasm"] = fs.readFileSync(path.join(ft, "fastText.common.wasm"));
    files["fastText/models/lid.176.ftz"] = fs.readFileSync(path.join(ft, "models", "lid.176.ftz"));
  }
  const tmpBundle = path.join(path.dirname(path.resolve(o.outDir)), `.app-${process.pid}-${Date.now()}.js`);
  fs.mkdirSync(path.dirname(tmpBundle), { recursive: true });
  try {
    await bundlePage(tmpBundle);
    files["app.js"] = fs.readFileSync(tmpBundle);
  } finally {
    fs.rmSync(tmpBundle, { force: true });
  }
  writeSite(path.resolve(o.outDir), files);
  return manifest;
}

/** Writes the files into a staging folder beside `dir`, then puts it in place of a site built before. */
function writeSite(dir: string, files: Record<string, string | Uint8Array>): void {
  const staging = `${dir}.staging-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  try {
    for (const [name, content] of Object.entries(files)) {
      const f = path.join(staging, name);
      fs.mkdirSync(path.dirname(f), { recursive: true });
      fs.writeFileSync(f, content);
    }
    if (fs.existsSync(dir)) {
      if (!fs.existsSync(path.join(dir, "manifest.json"))) throw new Error(`refusing to replace ${dir}: it is not a site built by npm run deploy`);
      fs.rmSync(dir, { recursive: true, force: true });
    }
    fs.renameSync(staging, dir);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

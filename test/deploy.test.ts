/**
 * The deployment site (npm run deploy) in a real browser: Debian's chromium,
 * headless, driven by playwright-core, the site served on a loopback port.
 * The page must load without console errors, answer the fixed texts exactly as
 * Node did (student and teacher), and report latencies; opened from file:// it
 * must say why it cannot work. Bad models are refused with the reason.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { initBackend, tf } from "../src/backend";
import { buildSite } from "../src/experiment/deploy/build-site";
import type { SiteManifest } from "../src/experiment/deploy/manifest";
import { checkSiteInBrowser, chromiumPath, fileUrlMessage } from "../src/experiment/deploy/browser-check";
import { saveModel } from "../src/models/io";
import { buildNgramBag } from "../src/models/ngram-bag";
import { ImageInput, setImageInput } from "../src/models/image-input";
import { buildMlp } from "../src/models/mlp";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-"));
const site = path.join(tmp, "site");
let manifest: SiteManifest;

test.before(async () => {
  await initBackend({ log: false });
  const model = buildNgramBag({ hashing: { buckets: 512, orders: [1, 2, 3], maxChars: 80, lowercase: true }, dim: 8, hidden: [], numClasses: 4, seed: 3, classNames: ["en", "de", "es", "it"] });
  await saveModel(model, path.join(tmp, "student"));
  model.dispose();
  manifest = await buildSite({ modelDir: path.join(tmp, "student"), outDir: site });
});

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test("the site holds the page, the bundle, the student, tfjs' wasm and the teacher — nothing to fetch from elsewhere", () => {
  for (const f of ["index.html", "app.js", "manifest.json", "student/model.json", "student/weights.bin", "tfjs/tfjs-backend-wasm-simd.wasm", "fastText/fastText.common.wasm", "fastText/models/lid.176.ftz"]) {
    assert.ok(fs.existsSync(path.join(site, f)), `${f} in the site`);
  }
  const page = fs.readFileSync(path.join(site, "index.html"), "utf8");
  assert.not.match(page, /(src|href)="https?:/, "no external script, style or link in the page");
  assert.is(manifest.fixed.length, 8);
  assert.ok((manifest.fixed as { teacher: number[] | null }[]).every((f) => f.teacher && Math.abs(f.teacher.reduce((a, b) => a + b, 0) - 1) < 1e-5));
});

test("bad input: a missing folder, a corrupt model.json, a model without n-gram hashing — each refused with the reason", async () => {
  const e = async (dir: string) => {
    try {
      await buildSite({ modelDir: dir, outDir: path.join(tmp, "bad-site") });
    } catch (err) {
      return (err as Error).message;
    }
    return "built";
  };
  assert.match(await e(path.join(tmp, "nope")), /no model at .*nope/);
  fs.mkdirSync(path.join(tmp, "corrupt"));
  fs.writeFileSync(path.join(tmp, "corrupt", "model.json"), "{ not json");
  assert.match(await e(path.join(tmp, "corrupt")), /model\.json/);
  const plain = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
  await saveModel(plain, path.join(tmp, "plain"));
  assert.match(await e(path.join(tmp, "plain")), /neither an n-gram hashing \(a text student\) nor an image preprocessing/);
  assert.not.ok(fs.existsSync(path.join(tmp, "bad-site")), "nothing half-written");
});

test("in Debian's Chromium: loads without console errors, matches Node on the fixed texts, reports latencies; file:// explains itself", async () => {
  if (!chromiumPath()) {
    console.log("  SKIPPED: no Chromium found (apt-get install chromium, or set CHROMIUM_PATH); the browser half of the deployment is untested here");
    return;
  }
  const shot = path.join(site, "screenshot.png");
  const r = await checkSiteInBrowser(site, { screenshot: shot });
  assert.is(r.error, null);
  assert.equal(r.consoleErrors, [], "no console errors");
  assert.ok(r.maxDiffStudent < 1e-5, `student: browser vs Node differ by ${r.maxDiffStudent}`);
  assert.ok(r.maxDiffTeacher !== null && r.maxDiffTeacher < 1e-6, `teacher: browser vs Node differ by ${r.maxDiffTeacher}`);
  const wasm = r.latency.find((l) => l.model === "student" && l.backend === "wasm");
  const teacher = r.latency.find((l) => l.model === "teacher");
  assert.ok(wasm && wasm.msPerText !== null && wasm.msPerText > 0, "student latency on wasm");
  assert.ok(teacher && teacher.msPerText !== null && teacher.msPerText > 0, "teacher latency");
  assert.ok(fs.statSync(shot).size > 1000, "a screenshot");
  console.log(`  in ${r.browser}: ${r.latency.map((l) => `${l.model}/${l.backend} ${l.msPerText === null ? "n/a" : l.msPerText.toFixed(3) + " ms"}`).join(", ")}`);
  assert.match(await fileUrlMessage(site), /opened from file:\/\/.*npm run deploy -- NAME --serve/);
});

test("an image student and its teacher (8×8 digits preprocessing): built, refused when the shapes disagree, and served in Chromium with clicks and drawing", async () => {
  const meta: ImageInput = {
    width: 8, height: 8, rawMax: 16,
    scaler: { offset: new Array(64).fill(0), scale: new Array(64).fill(16) },
    classNames: Array.from({ length: 10 }, (_, i) => String(i)),
    examples: Array.from({ length: 6 }, (_, k) => ({ x: Array.from({ length: 64 }, (_, j) => ((j * (k + 3)) % 17) / 16), label: k })),
  };
  const student = buildMlp({ inputDim: 64, hidden: [16], outputDim: 10, seed: 1 });
  const teacher = buildMlp({ inputDim: 64, hidden: [32, 32], outputDim: 10, seed: 2 });
  setImageInput(student, meta);
  await saveModel(student, path.join(tmp, "img.student"));
  await saveModel(teacher, path.join(tmp, "img.teacher"));
  assert.throws(() => setImageInput(buildMlp({ inputDim: 49, hidden: [4], outputDim: 10, seed: 1 }), meta), /8×8 = 64 pixels but the model takes 49 inputs/);
  const wrongTeacher = buildMlp({ inputDim: 49, hidden: [4], outputDim: 10, seed: 1 });
  await saveModel(wrongTeacher, path.join(tmp, "bad.teacher"));
  try {
    await buildSite({ modelDir: path.join(tmp, "img.student"), teacherDir: path.join(tmp, "bad.teacher"), outDir: path.join(tmp, "bad-image-site") });
    assert.unreachable("built with a teacher of another input shape");
  } catch (err) {
    assert.match((err as Error).message, /takes 49 inputs but the student's images are 8×8 = 64/);
  }
  const imageSite = path.join(tmp, "image-site");
  const m = await buildSite({ modelDir: path.join(tmp, "img.student"), outDir: imageSite });
  assert.is(m.kind, "image");
  assert.ok(m.teacher, "the teacher beside the student is found");
  assert.ok(fs.existsSync(path.join(imageSite, "teacher", "model.json")) && !fs.existsSync(path.join(imageSite, "fastText")));
  if (!chromiumPath()) {
    console.log("  SKIPPED: no Chromium found (apt-get install chromium, or set CHROMIUM_PATH)");
    return;
  }
  const r = await checkSiteInBrowser(imageSite, { screenshot: path.join(os.tmpdir(), "deploy-image-test.png") });
  assert.is(r.error, null);
  assert.equal(r.consoleErrors, []);
  assert.ok(r.maxDiffStudent < 1e-5 && r.maxDiffTeacher !== null && r.maxDiffTeacher < 1e-5, `browser vs Node: ${r.maxDiffStudent}, ${r.maxDiffTeacher}`);
  assert.ok(r.latency.some((l) => l.model === "teacher" && l.backend === "wasm" && l.msPerText !== null), "teacher timed on wasm");
  assert.ok(r.interaction?.clickMatches, "clicking a test image shows its answer");
  assert.ok(r.interaction?.drawn && Math.abs(r.interaction.drawn.reduce((a, b) => a + b, 0) - 1) < 1e-4, "a drawing gets an answer");
});

test.run();

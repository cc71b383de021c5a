/**
 * The deployment page's script (bundled by esbuild into app.js; runs in the
 * browser only). It loads manifest.json, the student and the teacher, answers
 * the manifest's fixed inputs (compared with Node's answers by the browser
 * test), times both models per input on every tfjs backend the browser has,
 * then answers what the user gives: typed text (page-text.ts) or a drawn or
 * clicked image (page-image.ts). Everything it measured is in window.__deploy.
 */
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import "@tensorflow/tfjs-backend-webgpu";
import type { SiteManifest } from "./manifest";
import { setupImage } from "./page-image";
import { setupText } from "./page-text";
import { $, LatencyRow, Models, median, state } from "./page-common";

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

/**
 * Median over blocks of BLOCK calls of the time per call: browsers round
 * performance.now() to 0.1 ms without cross-origin isolation, too coarse to
 * time one call of a model this small.
 */
const BLOCK = 5;
async function timePerCall(n: number, one: (i: number) => unknown): Promise<number> {
  for (let i = 0; i < 3; i++) await one(i); // warm-up (kernels compiled on first use)
  const ms: number[] = [];
  for (let b = 0; b + BLOCK <= n; b += BLOCK) {
    const t0 = performance.now();
    for (let i = b; i < b + BLOCK; i++) await one(i);
    ms.push((performance.now() - t0) / BLOCK);
  }
  return median(ms);
}

async function measureLatency(models: Models, calls = 60): Promise<void> {
  for (const backend of ["wasm", "webgl", "webgpu"]) {
    let ok = false;
    try {
      ok = await tf.setBackend(backend);
    } catch {
      ok = false;
    }
    // A teacher on its own runtime (fastText) is timed once, during the wasm pass; a tfjs teacher on every backend.
    const jobs: { who: "student" | "teacher"; run: (i: number) => unknown; label: string }[] = [{ who: "student", run: models.student, label: backend }];
    if (models.teacher && (!models.teacherBackend || backend === "wasm")) jobs.push({ who: "teacher", run: models.teacher, label: models.teacherBackend ?? backend });
    if (!ok) {
      jobs.forEach((j) => state.latency.push({ model: j.who, backend: j.label, msPerText: null, note: "not available in this browser" }));
      continue;
    }
    // Two rounds, the models alternating; the second round is kept (the first warms up the JIT and the kernels).
    const ms = new Map<string, number>();
    for (let round = 0; round < 2; round++) for (const j of jobs) ms.set(j.who, await timePerCall(calls, j.run));
    jobs.forEach((j) => state.latency.push({ model: j.who, backend: j.label, msPerText: ms.get(j.who)! }));
  }
  await tf.setBackend("wasm");
  const unit = models.unit;
  $("latency").innerHTML =
    `<tr><th>model</th><th>backend</th><th>median ms per ${unit}</th></tr>` +
    state.latency.map((l: LatencyRow) => `<tr><td>${l.model}</td><td>${l.backend}</td><td>${l.msPerText === null ? l.note : l.msPerText.toFixed(3)}</td></tr>`).join("");
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
  const models = m.kind === "text" ? await setupText(m) : await setupImage(m);
  $("status").textContent = "measuring latency…";
  await measureLatency(models);
  await models.showFirst();
  $("status").textContent = `ready — backend for the answers: ${tf.getBackend()}`;
  state.ready = true;
}

main().catch((err) => fail(`error: ${(err as Error).message}`));

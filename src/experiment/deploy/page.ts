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
    // Two rounds, student and teacher alternating; the second round is kept (the first warms up the JIT and the kernels).
    const timed = new Map<string, number>();
    for (let round = 0; round < 2; round++) {
      for (const who of ["student", "teacher"] as const) {
        const run = who === "student" ? models.student : models.teacher;
        if (!run || !ok) continue;
        if (who === "teacher" && models.teacherBackend && state.latency.some((l) => l.model === "teacher")) continue;
        timed.set(who, await timePerCall(calls, run));
      }
    }
    for (const who of ["student", "teacher"] as const) {
      const run = who === "student" ? models.student : models.teacher;
      if (!run || (who === "teacher" && models.teacherBackend && (!ok || state.latency.some((l) => l.model === "teacher")))) continue;
      if (!ok) state.latency.push({ model: who, backend, msPerText: null, note: "not available in this browser" });
      else state.latency.push({ model: who, backend: who === "teacher" && models.teacherBackend ? models.teacherBackend : backend, msPerText: timed.get(who)! });
    }
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

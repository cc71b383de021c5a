/**
 * Opens a deployment site in Debian's Chromium (headless, driven by
 * playwright-core; no browser download), served on a loopback port, and
 * reports what the page measured: its answers to the fixed texts against
 * Node's, the latencies per backend, console errors; a screenshot is saved.
 */
import * as fs from "fs";
import * as path from "path";
import type { SiteManifest } from "./manifest";
import { serveStatic } from "./static-server";

export interface BrowserLatency {
  model: string;
  backend: string;
  msPerText: number | null;
  note?: string;
}

export interface BrowserCheck {
  browser: string;
  error: string | null;
  consoleErrors: string[];
  /** Largest |browser − Node| over the fixed texts' probabilities. */
  maxDiffStudent: number;
  maxDiffTeacher: number | null;
  latency: BrowserLatency[];
  /** Image sites: a stroke drawn on the canvas got an answer; clicking test image 1 showed its fixed answer. */
  interaction: { drawn: number[] | null; clickMatches: boolean } | null;
  screenshot: string | null;
}

/** The system's Chromium (CHROMIUM_PATH, else Debian's), or null. */
export function chromiumPath(): string | null {
  const c = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].filter((p): p is string => !!p);
  return c.find((p) => fs.existsSync(p)) ?? null;
}

interface PageState {
  ready: boolean;
  error: string | null;
  fixed: { text?: string; student: number[]; teacher: number[] | null }[];
  latency: BrowserLatency[];
  shown: { student: number[]; teacher: number[] | null } | null;
}

export async function checkSiteInBrowser(siteDir: string, opts: { screenshot?: string; timeoutMs?: number } = {}): Promise<BrowserCheck> {
  const exe = chromiumPath();
  if (!exe) throw new Error("no Chromium found: apt-get install chromium (Debian's package), or set CHROMIUM_PATH to a Chromium binary");
  const manifest = JSON.parse(fs.readFileSync(path.join(siteDir, "manifest.json"), "utf8")) as SiteManifest;
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { chromium } = require("playwright-core") as typeof import("playwright-core");
  const server = await serveStatic(siteDir);
  // SwiftShader gives headless Chromium a WebGL without a GPU.
  const browser = await chromium.launch({ executablePath: exe, headless: true, args: ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"] });
  try {
    const page = await browser.newPage();
    const consoleErrors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    page.on("pageerror", (err) => consoleErrors.push(err.message));
    await page.goto(server.url);
    await page.waitForFunction(() => {
      const d = (globalThis as unknown as { __deploy?: { ready: boolean; error: string | null } }).__deploy;
      return !!d && (d.ready || d.error !== null);
    }, undefined, { timeout: opts.timeoutMs ?? 120_000 });
    const state = (await page.evaluate(() => (globalThis as unknown as { __deploy: unknown }).__deploy)) as PageState;
    let maxDiffStudent = 0;
    let maxDiffTeacher: number | null = manifest.teacher ? 0 : null;
    state.fixed.forEach((f, i) => {
      const node = manifest.fixed[i];
      if (!node) throw new Error(`the page answered fixed input ${i}, the manifest has only ${manifest.fixed.length}`);
      f.student.forEach((p, j) => (maxDiffStudent = Math.max(maxDiffStudent, Math.abs(p - node.student[j]))));
      if (f.teacher && node.teacher) f.teacher.forEach((p, j) => (maxDiffTeacher = Math.max(maxDiffTeacher ?? 0, Math.abs(p - node.teacher![j]))));
    });
    if (state.error === null && state.fixed.length !== manifest.fixed.length) throw new Error(`the page answered ${state.fixed.length} of the ${manifest.fixed.length} fixed texts`);
    let interaction: BrowserCheck["interaction"] = null;
    if (manifest.kind === "image" && state.ready) {
      const shown = async () => ((await page.evaluate(() => (globalThis as unknown as { __deploy: PageState }).__deploy.shown)) as PageState["shown"]);
      await page.locator("canvas.example").nth(1).click();
      await page.waitForFunction(() => (globalThis as unknown as { __deploy: PageState }).__deploy.shown !== null);
      const clicked = await shown();
      const clickMatches = !!clicked && clicked.student.every((p, j) => Math.abs(p - state.fixed[1].student[j]) < 1e-6);
      const box = (await page.locator("#draw").boundingBox())!;
      await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.15);
      await page.mouse.down();
      for (let k = 1; k <= 10; k++) await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * (0.15 + 0.07 * k));
      await page.mouse.up();
      await page.waitForTimeout(300);
      const drawn = await shown();
      interaction = { drawn: drawn && drawn !== clicked && JSON.stringify(drawn.student) !== JSON.stringify(clicked?.student) ? drawn.student : null, clickMatches };
    }
    if (opts.screenshot) await page.screenshot({ path: opts.screenshot, fullPage: true });
    return { browser: `${path.basename(exe)} ${browser.version()}`, error: state.error, consoleErrors, maxDiffStudent, maxDiffTeacher, latency: state.latency, interaction, screenshot: opts.screenshot ?? null };
  } finally {
    await browser.close();
    await server.close();
  }
}

/** Opens the site's index.html from file:// and returns what the page says (it must explain that it needs a server). */
export async function fileUrlMessage(siteDir: string): Promise<string> {
  const exe = chromiumPath();
  if (!exe) throw new Error("no Chromium found: apt-get install chromium, or set CHROMIUM_PATH");
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { chromium } = require("playwright-core") as typeof import("playwright-core");
  const browser = await chromium.launch({ executablePath: exe, headless: true, args: ["--no-sandbox"] });
  try {
    const page = await browser.newPage();
    await page.goto("file://" + path.join(path.resolve(siteDir), "index.html"));
    await page.waitForFunction(() => (globalThis as unknown as { __deploy?: { error: string | null } }).__deploy?.error != null, undefined, { timeout: 30_000 });
    return (await page.textContent("#status")) ?? "";
  } finally {
    await browser.close();
  }
}

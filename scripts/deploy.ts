/**
 * npm run deploy -- NAME [--out DIR] [--serve] [--check] [--no-teacher]
 *
 * Builds a static site that serves a distilled student in the browser, under
 * reports/deploy/NAME/. NAME is a notebook's student (reports/NAME.student,
 * e.g. 09-pretrained-teacher) or a path to a model folder. --serve then serves
 * it on a loopback port until Ctrl-C; --check opens it in Debian's Chromium
 * (headless), checks its answers against Node's, and writes the page's
 * latencies to browser-check.json and a screenshot.png in the site.
 */
import * as fs from "fs";
import * as path from "path";
import { initBackend } from "../src/backend";
import { buildSite } from "../src/experiment/deploy/build-site";
import { checkSiteInBrowser } from "../src/experiment/deploy/browser-check";
import { serveStatic } from "../src/experiment/deploy/static-server";
import { writeJsonAtomic } from "../src/atomic";
import { resultPath } from "../src/experiment/results";

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const name = args.find((a) => !a.startsWith("--") && args[args.indexOf(a) - 1] !== "--out");
  if (!name) throw new Error("usage: npm run deploy -- NAME [--out DIR] [--serve] [--no-teacher]   (NAME: e.g. 09-pretrained-teacher, or a model folder)");
  const candidates = [path.resolve(name), resultPath(`${name}.student`), resultPath(name)];
  const modelDir = candidates.find((c) => fs.existsSync(path.join(c, "model.json")));
  if (!modelDir) throw new Error(`no student model for "${name}": looked for model.json in ${candidates.join(", ")} (run its notebook first, e.g. npm run reports -- 09)`);
  const outIdx = args.indexOf("--out");
  const outDir = outIdx >= 0 ? path.resolve(args[outIdx + 1]) : resultPath(path.join("deploy", path.basename(name).replace(/\.student$/, "")));
  await initBackend({ log: false });
  const m = await buildSite({ modelDir, outDir, teacher: args.includes("--no-teacher") ? false : undefined });
  console.log(`${m.kind} site for ${m.source} (classes ${m.classNames.join(", ")}${m.teacher ? "; teacher: " + m.teacher.name : ""}) written to ${outDir}`);
  if (args.includes("--check")) {
    const r = await checkSiteInBrowser(outDir, { screenshot: path.join(outDir, "screenshot.png") });
    writeJsonAtomic(path.join(outDir, "browser-check.json"), r);
    if (r.error || r.consoleErrors.length) throw new Error(`the page failed in ${r.browser}: ${r.error ?? r.consoleErrors.join("; ")}`);
    console.log(`checked in ${r.browser}: answers within ${r.maxDiffStudent.toExponential(1)} (student) / ${r.maxDiffTeacher?.toExponential(1) ?? "–"} (teacher) of Node's; ${r.latency.map((l) => `${l.model}/${l.backend} ${l.msPerText === null ? "n/a" : l.msPerText.toFixed(3) + " ms"}`).join(", ")}`);
  }
  if (!args.includes("--serve")) {
    console.log("serve it over http (the page cannot fetch its model from file://): npm run deploy -- " + name + " --serve");
    return;
  }
  const server = await serveStatic(outDir);
  console.log(`serving on ${server.url} (Ctrl-C to stop)`);
}

main().catch((err) => {
  console.error(`deploy: ${(err as Error).message}`);
  process.exit(1);
});

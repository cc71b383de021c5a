/**
 * End-to-end test of the notebook pipeline (kernel-setup/setup.sh + scripts/run-reports.ts)
 * on the fixture notebooks in test/fixtures/notebooks. Needs Jupyter for /usr/bin/python3
 * (Debian: jupyter-nbconvert python3-nbclient jupyter-client python3-ipykernel) and node_modules.
 * Starts three tslab kernels (~3 s each).
 */
import { spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { suite } from "uvu";
import * as assert from "uvu/assert";

const ROOT = path.resolve(__dirname, "..");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");
const SCRIPT = path.join(ROOT, "scripts", "run-reports.ts");
const FIXTURES = path.join(ROOT, "test", "fixtures", "notebooks");

function runReports(args: string[], env: Record<string, string> = {}): SpawnSyncReturns<string> & { all: string } {
  const r = spawnSync(TSX, [SCRIPT, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", ...env },
    timeout: 180_000,
  });
  return Object.assign(r, { all: `${r.stdout ?? ""}${r.stderr ?? ""}` });
}

const ctx = { dir: "", run: null as (SpawnSyncReturns<string> & { all: string }) | null };
const all = suite("run-reports on fixtures (one passing, one failing notebook)");

all.before(() => {
  ctx.dir = fs.mkdtempSync(path.join(os.tmpdir(), "reports-test-"));
  // A stale complete-looking report from an earlier good run must not survive a failure.
  fs.writeFileSync(path.join(ctx.dir, "b-bad.html"), "<html>stale-complete-report</html>");
  fs.writeFileSync(path.join(ctx.dir, "b-bad.ipynb"), "{}");
  ctx.run = runReports(["--notebooks-dir", FIXTURES, "--reports-dir", ctx.dir]);
});
all.after(() => {
  if (ctx.dir) fs.rmSync(ctx.dir, { recursive: true, force: true });
});

const read = (f: string) => fs.readFileSync(path.join(ctx.dir, f), "utf8");
const exists = (f: string) => fs.existsSync(path.join(ctx.dir, f));

all("exits non-zero and names the failing notebook, cell and error", () => {
  const r = ctx.run!;
  assert.is.not(r.status, 0, r.all);
  assert.ok(r.all.includes("boom-fixture"), r.all);
  assert.ok(r.all.includes('throw new Error("boom-fixture")'), "shows the failing cell's source\n" + r.all);
  assert.ok(/failing cell: code cell 2/.test(r.all), r.all);
  assert.ok(/FAILED\s+b-bad/.test(r.all), r.all);
  assert.ok(r.all.includes("fixture-before-error"), "notebook stdout is echoed");
  assert.not.ok(r.all.includes("fixture-must-not-run"), "cells after the failure do not run");
});

all("passing notebook: .ipynb and .html with its output, kernel in project root", () => {
  assert.ok(exists("a-good.ipynb") && exists("a-good.html"), fs.readdirSync(ctx.dir).join(", "));
  const html = read("a-good.html");
  assert.ok(html.includes("fixture-stdout answer=42 cwd-has-src=true"), "stdout in HTML");
  assert.ok(html.includes("fixture-isTslab=true"), "isTslab() inside the kernel");
  assert.ok(html.includes("<strong>fixture-markdown</strong>"), "showMarkdown rendered");
  const nb = JSON.parse(read("a-good.ipynb")) as { cells: Array<{ cell_type: string; outputs?: Array<{ output_type: string; text?: string[]; data?: Record<string, unknown> }> }> };
  const outputs = nb.cells.flatMap((c) => c.outputs ?? []);
  assert.ok(outputs.some((o) => o.output_type === "stream" && (o.text ?? []).join("").includes("answer=42")));
  const chart = outputs.find((o) => o.output_type === "display_data" && o.data && "image/svg+xml" in o.data);
  assert.ok(chart, "chart display output");
  assert.equal(Object.keys(chart!.data!).sort(), ["application/vnd.vegalite.v5+json", "image/svg+xml", "text/plain"]);
  assert.ok(outputs.some((o) => o.data && "text/html" in o.data && String(o.data["text/html"]).includes("student&lt;b&gt;")), "table output");
});

all("HTML report keeps the chart's SVG marks (clean_html fix) and the svgPath copy exists", () => {
  const html = read("a-good.html");
  const start = html.indexOf('<svg xmlns="http://www.w3.org/2000/svg"');
  assert.ok(start >= 0, "an <svg> in the HTML");
  const svg = html.slice(start, html.indexOf("</svg>", start));
  assert.is((svg.match(/aria-roledescription="bar"/g) ?? []).length, 3, "three bars inside the SVG");
  assert.ok(svg.includes("fixture-chart"), "title text inside the SVG");
  assert.ok(read("a-good.chart.svg").startsWith("<svg"), "showChart svgPath written into REPORTS_DIR");
});

all("failing notebook leaves no complete-looking report, only a marked .failed one", () => {
  assert.not.ok(exists("b-bad.html"), "stale b-bad.html removed");
  assert.not.ok(exists("b-bad.ipynb"), "stale b-bad.ipynb removed");
  assert.ok(exists("b-bad.failed.html") && exists("b-bad.failed.ipynb"));
  const html = read("b-bad.failed.html");
  assert.ok(html.includes("boom-fixture") && html.includes("This report FAILED"));
  assert.is(fs.readdirSync(ctx.dir).filter((f) => f.endsWith(".tmp")).length, 0, "no temporary files left");
});

all("index.html lists both notebooks with their status", () => {
  const index = read("index.html");
  assert.ok(index.includes('href="a-good.html"') && index.includes('href="b-bad.failed.html"'), index);
  assert.ok(index.includes("FAILED"));
  const json = JSON.parse(read("index.json")) as { notebooks: Record<string, { ok: boolean }> };
  assert.equal(Object.keys(json.notebooks), ["a-good", "b-bad"]);
  assert.is(json.notebooks["a-good"].ok, true);
  assert.is(json.notebooks["b-bad"].ok, false);
});

all.run();

const misc = suite("run-reports options and setup");

misc("name filter + NOTEBOOKS_DIR/REPORTS_DIR env: runs only the match, exit 0", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "reports-test-"));
  try {
    const r = runReports(["good"], { NOTEBOOKS_DIR: FIXTURES, REPORTS_DIR: dir });
    assert.is(r.status, 0, r.all);
    assert.ok(fs.existsSync(path.join(dir, "a-good.html")));
    assert.not.ok(r.all.includes("b-bad"), r.all);
    const none = runReports(["no-such-notebook"], { NOTEBOOKS_DIR: FIXTURES, REPORTS_DIR: dir });
    assert.is(none.status, 1, none.all);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

misc("setup.sh --quiet is idempotent and prints one line", () => {
  for (let i = 0; i < 2; i++) {
    const r = spawnSync("bash", [path.join(ROOT, "kernel-setup", "setup.sh"), "--quiet"], { cwd: ROOT, encoding: "utf8" });
    assert.is(r.status, 0, r.stdout + r.stderr);
    assert.is(r.stdout.trim().split("\n").length, 1, r.stdout);
  }
  const spec = JSON.parse(fs.readFileSync(path.join(ROOT, ".jupyter/prefix/share/jupyter/kernels/tslab-workbench/kernel.json"), "utf8")) as { argv: string[] };
  assert.ok(spec.argv.includes(ROOT) && spec.argv.includes("{connection_file}"), JSON.stringify(spec.argv));
});

misc.run();

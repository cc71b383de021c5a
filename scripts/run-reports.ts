/**
 * Executes the notebooks headlessly and writes their reports.
 *
 *   npm run reports                      # all notebooks/*.ipynb, sorted by name
 *   npm run reports -- 01 03             # only those whose file name contains "01" or "03"
 *   tsx scripts/run-reports.ts --notebooks-dir DIR --reports-dir DIR [filters...]
 *
 * For each notebook NAME.ipynb it writes, atomically:
 *   reports/NAME.ipynb + reports/NAME.html                 when every cell ran
 *   reports/NAME.failed.ipynb + reports/NAME.failed.html   when a cell failed
 *     (the other pair is removed, so a stale or partial report never looks complete)
 * and reports/index.html (+ index.json) listing every report with status and time.
 * Exits 1 if any notebook failed (after running all of them), printing the failing
 * cell's first lines and the error.
 *
 * Environment:
 *   NOTEBOOKS_DIR          notebooks folder (default <project>/notebooks)
 *   REPORTS_DIR            reports folder (default <project>/reports); also passed to
 *                          the kernel, where notebooks write their JSON/SVG results
 *   REPORTS_CELL_TIMEOUT   seconds one cell may run (default 1800)
 *   REPORTS_KERNEL         kernel spec name (default tslab-workbench)
 *   JUPYTER_PYTHON         python with nbclient/nbconvert (default /usr/bin/python3)
 *
 * Execution goes through scripts/execute_notebook.py (nbclient): tslab reports a
 * failing cell only as a stderr stream plus a bare `status: error` reply, which
 * `jupyter nbconvert --execute` turns into an empty error message.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const KERNEL = process.env.REPORTS_KERNEL || "tslab-workbench";
const PY = process.env.JUPYTER_PYTHON || "/usr/bin/python3";
const JDIR = path.join(ROOT, ".jupyter");
const KERNEL_JSON = path.join(JDIR, "prefix", "share", "jupyter", "kernels", KERNEL, "kernel.json");
const HELPER = path.join(ROOT, "scripts", "execute_notebook.py");
const NBCONVERT_CONFIG = path.join(ROOT, "kernel-setup", "nbconvert_config.py");

const tty = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: string) => (s: string) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);
const red = paint("31");
const green = paint("32");
const dim = paint("2");
const bold = paint("1");

interface Options {
  notebooksDir: string;
  reportsDir: string;
  filters: string[];
  timeout: number;
}

function usage(): never {
  console.log(
    "usage: tsx scripts/run-reports.ts [--notebooks-dir DIR] [--reports-dir DIR] [--timeout SECONDS] [NAME-SUBSTRING...]\n" +
      "env: DISTILL_BUDGET (ci, the default here, or full), NOTEBOOKS_DIR, REPORTS_DIR, REPORTS_CELL_TIMEOUT, REPORTS_KERNEL, JUPYTER_PYTHON",
  );
  process.exit(0);
}

function parseArgs(argv: string[]): Options {
  const opts: Options = {
    notebooksDir: path.resolve(process.env.NOTEBOOKS_DIR || path.join(ROOT, "notebooks")),
    reportsDir: path.resolve(process.env.REPORTS_DIR || path.join(ROOT, "reports")),
    filters: [],
    timeout: Number(process.env.REPORTS_CELL_TIMEOUT || 1800),
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const eq = a.indexOf("=");
      if (eq >= 0) return a.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "-h" || a === "--help") usage();
    else if (a.startsWith("--notebooks-dir")) opts.notebooksDir = path.resolve(value());
    else if (a.startsWith("--reports-dir")) opts.reportsDir = path.resolve(value());
    else if (a.startsWith("--timeout")) opts.timeout = Number(value());
    else if (a.startsWith("-")) throw new Error(`unknown option ${a} (see --help)`);
    else opts.filters.push(a);
  }
  if (!Number.isFinite(opts.timeout) || opts.timeout <= 0) throw new Error(`bad cell timeout: ${opts.timeout}`);
  return opts;
}

/** The project-local Jupyter environment (same as .jupyter/env.sh): nothing goes to $HOME. */
function jupyterEnv(reportsDir: string): NodeJS.ProcessEnv {
  const jp = path.join(JDIR, "prefix", "share", "jupyter");
  return {
    ...process.env,
    JUPYTER_PATH: process.env.JUPYTER_PATH ? `${jp}${path.delimiter}${process.env.JUPYTER_PATH}` : jp,
    JUPYTER_DATA_DIR: path.join(JDIR, "data"),
    JUPYTER_CONFIG_DIR: path.join(JDIR, "config"),
    JUPYTER_RUNTIME_DIR: path.join(JDIR, "runtime"),
    IPYTHONDIR: path.join(JDIR, "ipython"),
    REPORTS_DIR: reportsDir,
    // The main job checks the pipeline at each experiment's CI budget; DISTILL_BUDGET=full runs the full ones.
    DISTILL_BUDGET: process.env.DISTILL_BUDGET ?? process.env.FASHION_BUDGET ?? "ci",
    PYTHONUNBUFFERED: "1",
    PYDEVD_DISABLE_FILE_VALIDATION: "1",
    // Debian's python may warn about frozen modules (debugpy); irrelevant here.
    PYTHONWARNINGS: process.env.PYTHONWARNINGS ?? "ignore::DeprecationWarning",
  };
}

function ensureKernel(): void {
  if (fs.existsSync(KERNEL_JSON) && fs.readFileSync(KERNEL_JSON, "utf8").includes(ROOT)) return;
  console.log(dim(`kernel spec ${KERNEL} missing; running kernel-setup/setup.sh --quiet`));
  const r = spawnSync("bash", [path.join(ROOT, "kernel-setup", "setup.sh"), "--quiet"], { stdio: "inherit" });
  if (r.status !== 0) {
    console.error(red("kernel setup failed; fix the problem above, then rerun."));
    process.exit(1);
  }
}

interface FailedCell {
  index: number;
  number: number | null;
  source: string;
  stderr: string;
  ename: string;
  evalue: string;
}
interface HelperResult {
  ok: boolean;
  error: string | null;
  failed_cell: FailedCell | null;
  detail?: string;
  cells: number;
  executed_cells: number;
  seconds?: number;
  outputs?: string[];
  html_error?: string;
}
interface RunResult {
  name: string;
  ok: boolean;
  seconds: number;
  error: string | null;
  html: string | null;
  ipynb: string | null;
  finished: string;
  /** The kernel died from tslab's file-watcher bug ("Unexpected pending rebuildTimer"), not from the notebook. */
  watcherCrash?: boolean;
}

// tslab 1.0.22 watches the files its cells imported; a change in a watched folder during a cell can
// kill the kernel with this error (seen when node_modules changed under a running notebook).
const TSLAB_WATCHER_BUG = "Unexpected pending rebuildTimer";

/** Splits a stream into lines and hands each complete line to `onLine`. */
function lineSplitter(onLine: (line: string) => void): { push(chunk: Buffer): void; end(): void } {
  let buf = "";
  return {
    push(chunk) {
      buf += chunk.toString("utf8");
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        onLine(buf.slice(0, nl).replace(/\r$/, ""));
        buf = buf.slice(nl + 1);
      }
    },
    end() {
      if (buf) onLine(buf);
      buf = "";
    },
  };
}

// Lines Debian's python/debugpy prints at kernel-client start that mean nothing here.
const NOISE = [/^0\.\d+s - /, /frozen_modules/, /PYDEVD_DISABLE_FILE_VALIDATION/];

/** Drops tslab/Node-internal frames from a stack printed by the kernel. */
function trimStack(text: string): string {
  return text
    .split("\n")
    .filter((l) => !/node_modules[\\/]tslab[\\/]|\(node:vm:|at sigintHandlersWrap|at Script\.runInThisContext|at Object\.runInThisContext/.test(l))
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trimEnd();
}

function indent(text: string, prefix: string): string {
  return text
    .split("\n")
    .map((l) => prefix + l)
    .join("\n");
}

async function runNotebook(nbPath: string, opts: Options): Promise<RunResult> {
  const name = path.basename(nbPath, ".ipynb");
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), "run-reports-"));
  const resultJson = path.join(tmpDir, "result.json");
  const kernelStderr = path.join(tmpDir, "kernel-stderr.log");
  const started = Date.now();
  console.log(bold(`▶ ${name}`) + dim(`  (${path.relative(process.cwd(), nbPath) || nbPath})`));

  const args = [HELPER, nbPath, opts.reportsDir, resultJson, "--kernel", KERNEL, "--timeout", String(Math.round(opts.timeout)), "--config", NBCONVERT_CONFIG, "--cwd", ROOT];
  const child = spawn(PY, args, {
    cwd: ROOT,
    env: { ...jupyterEnv(opts.reportsDir), TSLAB_KERNEL_STDERR: kernelStderr },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const out = lineSplitter((l) => console.log(dim("  │ ") + l));
  const helperErr: string[] = [];
  const err = lineSplitter((l) => {
    if (NOISE.some((re) => re.test(l))) return;
    helperErr.push(l);
    console.log(dim("  ! " + l));
  });
  child.stdout.on("data", (c: Buffer) => out.push(c));
  child.stderr.on("data", (c: Buffer) => err.push(c));
  const code: number = await new Promise((resolve) => {
    child.on("error", (e) => {
      helperErr.push(String(e));
      resolve(127);
    });
    child.on("close", (c, signal) => resolve(c ?? (signal ? 128 : 1)));
  });
  out.end();
  err.end();
  const seconds = (Date.now() - started) / 1000;

  let res: HelperResult | null = null;
  try {
    res = JSON.parse(fs.readFileSync(resultJson, "utf8")) as HelperResult;
  } catch {
    res = null;
  }
  let kstderr = "";
  try {
    kstderr = fs.readFileSync(kernelStderr, "utf8").trim();
  } catch {
    // no kernel stderr
  }
  fs.rmSync(tmpDir, { recursive: true, force: true });

  const ok = code === 0 && !!res?.ok;
  const rel = (f: string) => path.relative(opts.reportsDir, f);
  const html = res?.outputs?.find((f) => f.endsWith(".html")) ?? null;
  const ipynb = res?.outputs?.find((f) => f.endsWith(".ipynb")) ?? null;
  if (ok) {
    console.log(green(`✔ ${name}`) + `  ${seconds.toFixed(1)} s` + dim(`  → ${path.relative(process.cwd(), html ?? opts.reportsDir)}`));
  } else {
    console.log(red(`✘ ${name}  FAILED after ${seconds.toFixed(1)} s`));
    const fc = res?.failed_cell;
    if (fc) {
      const lines = fc.source.split("\n");
      const shown = lines.slice(0, 12).map((l, i) => `${String(i + 1).padStart(3)} | ${l}`);
      if (lines.length > 12) shown.push(`    | … (${lines.length - 12} more lines)`);
      console.log(red(`  failing cell: code cell ${fc.number ?? "?"} (index ${fc.index} in ${path.basename(nbPath)})`));
      console.log(indent(shown.join("\n"), "    "));
      console.log(red(`  error: ${fc.ename}: ${fc.evalue}`));
      const stack = trimStack(fc.stderr || "");
      if (stack) console.log(indent(stack, "    "));
    } else if (res) {
      console.log(red(`  error: ${res.error ?? "unknown"}`));
      if (res.detail) console.log(indent(res.detail.trim().split("\n").slice(-25).join("\n"), "    "));
    } else {
      console.log(red(`  the executor exited with code ${code} without a result`));
      if (helperErr.length) console.log(indent(helperErr.slice(-25).join("\n"), "    "));
    }
    if (res?.html_error) console.log(indent(res.html_error.trim().split("\n").slice(-10).join("\n"), "    "));
    if (kstderr) {
      console.log(red("  kernel stderr:"));
      console.log(indent(kstderr.split("\n").slice(-40).join("\n"), "    "));
    }
    if (html || ipynb) console.log(dim(`  partial report: ${path.relative(process.cwd(), html ?? ipynb ?? "")}`));
  }
  return {
    name,
    ok,
    seconds: Math.round(seconds * 10) / 10,
    error: ok ? null : (res?.error ?? `executor exited with code ${code}`),
    html: html ? rel(html) : null,
    ipynb: ipynb ? rel(ipynb) : null,
    finished: new Date().toISOString(),
    watcherCrash: !ok && `${res?.error ?? ""}\n${kstderr}`.includes(TSLAB_WATCHER_BUG),
  };
}

function writeAtomic(file: string, content: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Merges this run into reports/index.json and rewrites reports/index.html. */
function writeIndex(opts: Options, allNames: string[], results: RunResult[]): string {
  const indexJson = path.join(opts.reportsDir, "index.json");
  let known: Record<string, RunResult> = {};
  try {
    known = (JSON.parse(fs.readFileSync(indexJson, "utf8")) as { notebooks: Record<string, RunResult> }).notebooks ?? {};
  } catch {
    known = {};
  }
  for (const r of results) known[r.name] = r;
  const entries: Record<string, RunResult> = {};
  for (const n of allNames) if (known[n]) entries[n] = known[n];
  writeAtomic(indexJson, JSON.stringify({ notebooks: entries }, null, 1) + "\n");

  const reportFiles = new Set<string>(["index.html", "index.json"]);
  for (const e of Object.values(entries)) {
    if (e.html) reportFiles.add(e.html);
    if (e.ipynb) reportFiles.add(e.ipynb);
  }
  const others = fs
    .readdirSync(opts.reportsDir)
    .filter((f) => !f.startsWith(".") && !f.endsWith(".tmp") && !reportFiles.has(f) && fs.statSync(path.join(opts.reportsDir, f)).isFile())
    .sort();
  const rows = Object.values(entries)
    .map((e) => {
      const status = e.ok ? '<span class="ok">ok</span>' : `<span class="bad">FAILED</span>`;
      const link = e.html ? `<a href="${esc(encodeURI(e.html))}">${esc(e.name)}</a>` : esc(e.name);
      const nb = e.ipynb ? ` <a class="dim" href="${esc(encodeURI(e.ipynb))}">.ipynb</a>` : "";
      return `<tr><td>${link}${nb}</td><td>${status}</td><td class="num">${e.seconds.toFixed(1)} s</td><td>${esc(e.finished.replace("T", " ").replace(/\.\d+Z$/, " UTC"))}</td><td class="err">${esc(e.error ?? "")}</td></tr>`;
    })
    .join("\n");
  const otherList = others.length ? `<h2>Other files</h2>\n<ul>\n${others.map((f) => `<li><a href="${esc(encodeURI(f))}">${esc(f)}</a></li>`).join("\n")}\n</ul>` : "";
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Notebook reports</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; } th, td { padding: .3em .8em; border-bottom: 1px solid #ddd; text-align: left; vertical-align: top; }
.num { text-align: right; } .ok { color: #080; font-weight: bold; } .bad { color: #c00; font-weight: bold; }
.err { color: #c00; font-family: monospace; max-width: 50em; } .dim { color: #888; font-size: .9em; }
</style></head><body>
<h1>Notebook reports</h1>
<p class="dim">Generated by <code>npm run reports</code> at ${esc(new Date().toISOString())}.</p>
<table><thead><tr><th>notebook</th><th>status</th><th>run time</th><th>finished</th><th>error</th></tr></thead>
<tbody>
${rows}
</tbody></table>
${otherList}
</body></html>
`;
  const indexHtml = path.join(opts.reportsDir, "index.html");
  writeAtomic(indexHtml, html);
  return indexHtml;
}

async function main(): Promise<number> {
  let opts: Options;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(red(String((e as Error).message)));
    return 2;
  }
  if (!fs.existsSync(opts.notebooksDir)) {
    console.error(red(`notebooks folder not found: ${opts.notebooksDir}`));
    return 2;
  }
  const all = fs
    .readdirSync(opts.notebooksDir)
    .filter((f) => f.endsWith(".ipynb") && !f.startsWith("."))
    .sort();
  const selected = opts.filters.length ? all.filter((f) => opts.filters.some((s) => f.includes(s))) : all;
  if (selected.length === 0) {
    if (opts.filters.length) {
      console.error(red(`no notebook in ${opts.notebooksDir} matches: ${opts.filters.join(", ")}`));
      return 1;
    }
    console.log(`no notebooks in ${opts.notebooksDir}; nothing to do.`);
    return 0;
  }
  ensureKernel();
  fs.mkdirSync(opts.reportsDir, { recursive: true });
  console.log(dim(`${selected.length} notebook(s), kernel ${KERNEL}, cell timeout ${opts.timeout} s, reports in ${opts.reportsDir}`));

  const results: RunResult[] = [];
  for (const f of selected) {
    let result = await runNotebook(path.join(opts.notebooksDir, f), opts);
    if (result.watcherCrash) {
      console.log(red(`  the kernel died from tslab's file-watcher bug (${TSLAB_WATCHER_BUG}), not from the notebook: running it once more`));
      result = await runNotebook(path.join(opts.notebooksDir, f), opts);
    }
    results.push(result);
  }

  const index = writeIndex(
    opts,
    all.map((f) => path.basename(f, ".ipynb")),
    results,
  );
  const failed = results.filter((r) => !r.ok);
  const total = results.reduce((s, r) => s + r.seconds, 0);
  console.log("");
  for (const r of results) console.log(`  ${r.ok ? green("ok    ") : red("FAILED")}  ${r.name.padEnd(32)} ${r.seconds.toFixed(1).padStart(7)} s${r.ok ? "" : "  " + red(r.error ?? "")}`);
  console.log(dim(`  index: ${path.relative(process.cwd(), index)}`));
  if (failed.length) {
    console.log(red(`${failed.length} of ${results.length} notebook(s) failed: ${failed.map((r) => r.name).join(", ")}`));
    return 1;
  }
  console.log(green(`all ${results.length} notebook(s) ran (${total.toFixed(1)} s)`));
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(red(`run-reports: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`));
    process.exitCode = 1;
  },
);

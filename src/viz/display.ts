/**
 * Rich display helpers for notebooks (tslab kernel) that degrade to plain text
 * in a terminal or in tests.
 *
 * This file is compiled twice: by the project's tsc (strict) and by tslab's own
 * compiler when a notebook imports it (TypeScript 5.0.4, not strict, ES2022,
 * node10 resolution, lib es2022 without DOM, imports become require). Keep it to
 * syntax and types both accept, and keep heavy imports (danfojs, tfjs) out.
 */
import * as vega from "vega";
import * as vl from "vega-lite";
import type { TopLevelSpec } from "vega-lite";
import { writeFileAtomic } from "../atomic";

export type { TopLevelSpec };

/** The `display_data` payload tslab's `lastWriteDisplayData` accepts. */
interface DisplayData {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  transient: Record<string, unknown>;
}
type WriteDisplayData = (data: DisplayData, update: boolean) => void;

/**
 * tslab's internal module `tslab/dist/jupyter`, found among the modules already
 * loaded (so nothing is loaded, and zeromq is not touched, outside the kernel).
 * Its `lastWriteDisplayData` is set once the kernel has run its first cell.
 */
function tslabWriter(): WriteDisplayData | null {
  if (typeof require === "undefined" || !require.cache) return null;
  const cache = require.cache;
  for (const key of Object.keys(cache)) {
    if (!/[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(key)) continue;
    const exp = cache[key]?.exports as { lastWriteDisplayData?: unknown } | undefined;
    if (exp && typeof exp.lastWriteDisplayData === "function") {
      return exp.lastWriteDisplayData as WriteDisplayData;
    }
  }
  return null;
}

/** True when running inside a tslab Jupyter kernel (rich outputs are available). */
export function isTslab(): boolean {
  return tslabWriter() !== null;
}

/**
 * Sends ONE display output carrying several MIME representations (tslab's public
 * `display.*` API sends one MIME type per output). Returns false outside tslab.
 */
export function displayData(data: Record<string, unknown>, metadata: Record<string, unknown> = {}): boolean {
  const write = tslabWriter();
  if (!write) return false;
  write({ data, metadata, transient: {} }, false);
  return true;
}

// ---------------------------------------------------------------------------
// Charts

/** Compiles a Vega-Lite spec and renders it to an SVG string (headless, no canvas). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  // vega-lite's optimiser prints harmless warnings ("Maximum optimization runs reached"): keep errors only.
  const compiled = vl.compile(spec, { logger: vega.logger(vega.Error) }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none", logger: vega.logger(vega.Error) });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** A one-line description of a chart: its title, else its mark / composition. */
export function describeChart(spec: TopLevelSpec): string {
  const s = spec as unknown as Record<string, unknown>;
  const title = s.title;
  let text = "";
  if (typeof title === "string") text = title;
  else if (Array.isArray(title)) text = title.join(" ");
  else if (title && typeof title === "object") {
    const t = (title as { text?: unknown }).text;
    text = Array.isArray(t) ? t.join(" ") : t != null ? String(t) : "";
  }
  if (!text && typeof s.description === "string") text = s.description;
  if (!text) {
    const mark = s.mark;
    const markType = typeof mark === "string" ? mark : mark && typeof mark === "object" ? (mark as { type?: string }).type : undefined;
    const comp = ["layer", "hconcat", "vconcat", "concat", "facet", "repeat"].find((k) => k in s);
    text = markType ? `${markType} chart` : comp ? `${comp} chart` : "chart";
  }
  return `[chart] ${text.replace(/\s+/g, " ").trim()}`;
}

export interface ShowChartOptions {
  /** Also write the rendered SVG to this file (atomically; folders are created). */
  svgPath?: string;
}

/**
 * Shows a Vega-Lite chart. Inside tslab: one output with the spec
 * (`application/vnd.vegalite.v5+json`, interactive in JupyterLab), the rendered
 * SVG (`image/svg+xml`, used by static HTML reports) and a text line. Elsewhere:
 * prints the text line. With `svgPath`, the SVG is also saved there.
 */
export async function showChart(spec: TopLevelSpec, opts: ShowChartOptions = {}): Promise<void> {
  const text = describeChart(spec);
  const inKernel = isTslab();
  let svg: string | undefined;
  if (inKernel || opts.svgPath) svg = await renderSvg(spec);
  if (opts.svgPath && svg !== undefined) writeFileAtomic(opts.svgPath, svg);
  if (inKernel && svg !== undefined) {
    // JSON round trip: the kernel serialises the message as JSON anyway; this
    // drops undefined/functions and turns typed arrays or dates into plain data.
    const plainSpec = JSON.parse(JSON.stringify(spec)) as unknown;
    displayData({
      "application/vnd.vegalite.v5+json": plainSpec,
      "image/svg+xml": svg,
      "text/plain": text,
    });
    return;
  }
  console.log(opts.svgPath ? `${text} (svg: ${opts.svgPath})` : text);
}

export { writeFileAtomic };

// ---------------------------------------------------------------------------
// Tables

/** The parts of a danfojs(-node) DataFrame this module uses (no danfojs import needed). */
export interface DataFrameLike {
  columns: string[];
  values: unknown[] | unknown[][];
  index?: Array<string | number>;
}
export type TableRow = Record<string, unknown>;

export interface ShowTableOptions {
  /** Caption shown above the table. */
  caption?: string;
  /** At most this many rows are shown (default 50); the rest are counted. */
  maxRows?: number;
  /** Decimal places for non-integer numbers (default 4, trailing zeros trimmed). */
  digits?: number;
  /** Show a DataFrame's index as the first column (default: only if it is not 0..n-1). */
  index?: boolean;
}

function isDataFrameLike(x: unknown): x is DataFrameLike {
  return !!x && typeof x === "object" && !Array.isArray(x) && Array.isArray((x as DataFrameLike).columns) && Array.isArray((x as DataFrameLike).values);
}

function formatCell(v: unknown, digits: number): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") {
    if (Number.isInteger(v) || !Number.isFinite(v)) return String(v);
    const fixed = v.toFixed(digits);
    return fixed.includes(".") ? fixed.replace(/\.?0+$/, "") : fixed;
  }
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "object") {
    try {
      return JSON.stringify(v);
    } catch {
      return String(v);
    }
  }
  return String(v);
}

interface Grid {
  header: string[];
  rows: unknown[][];
  numeric: boolean[];
}

function toGrid(data: TableRow[] | DataFrameLike, opts: ShowTableOptions): Grid {
  let header: string[];
  let rows: unknown[][];
  if (isDataFrameLike(data)) {
    header = data.columns.map(String);
    const vals = data.values as unknown[];
    rows = vals.map((r) => (Array.isArray(r) ? r : [r]));
    const idx = data.index;
    const showIndex = opts.index ?? (!!idx && idx.some((v, i) => v !== i));
    if (showIndex && idx) {
      header = ["", ...header];
      rows = rows.map((r, i) => [idx[i], ...r]);
    }
  } else {
    const cols: string[] = [];
    const seen = new Set<string>();
    for (const row of data) {
      for (const k of Object.keys(row)) {
        if (!seen.has(k)) {
          seen.add(k);
          cols.push(k);
        }
      }
    }
    header = cols;
    rows = data.map((row) => cols.map((c) => row[c]));
  }
  const numeric = header.map((_, j) => rows.length > 0 && rows.every((r) => r[j] == null || typeof r[j] === "number" || typeof r[j] === "bigint"));
  return { header, rows, numeric };
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** Plain-text and HTML renderings of a table (what `showTable` displays). */
export function formatTable(data: TableRow[] | DataFrameLike, opts: ShowTableOptions = {}): { text: string; html: string } {
  const digits = opts.digits ?? 4;
  const maxRows = Math.max(0, opts.maxRows ?? 50);
  const grid = toGrid(data, opts);
  const shown = grid.rows.slice(0, maxRows).map((r) => grid.header.map((_, j) => formatCell(r[j], digits)));
  const hidden = grid.rows.length - shown.length;
  const more = hidden > 0 ? `… ${hidden} more row${hidden === 1 ? "" : "s"} (${grid.rows.length} in all)` : "";

  // text
  const widths = grid.header.map((h, j) => Math.max(h.length, ...shown.map((r) => r[j].length)));
  const pad = (s: string, j: number) => (grid.numeric[j] ? s.padStart(widths[j]) : s.padEnd(widths[j]));
  const lines: string[] = [];
  if (opts.caption) lines.push(opts.caption);
  lines.push(grid.header.map(pad).join("  ").trimEnd());
  lines.push(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of shown) lines.push(r.map(pad).join("  ").trimEnd());
  if (more) lines.push(more);
  if (grid.header.length === 0) lines.push("(empty table)");
  const text = lines.join("\n");

  // html
  const align = (j: number) => (grid.numeric[j] ? ' style="text-align: right"' : ' style="text-align: left"');
  const h: string[] = ['<table class="dataframe">'];
  if (opts.caption) h.push(`<caption>${escapeHtml(opts.caption)}</caption>`);
  h.push("<thead><tr>" + grid.header.map((c, j) => `<th${align(j)}>${escapeHtml(c)}</th>`).join("") + "</tr></thead>");
  h.push("<tbody>");
  for (const r of shown) h.push("<tr>" + r.map((c, j) => `<td${align(j)}>${escapeHtml(c)}</td>`).join("") + "</tr>");
  h.push("</tbody></table>");
  if (more) h.push(`<p><em>${escapeHtml(more)}</em></p>`);
  return { text, html: h.join("\n") };
}

/**
 * Shows a table (array of row objects, or a danfojs DataFrame). Inside tslab:
 * one output with `text/html` and `text/plain`. Elsewhere: prints the text.
 */
export function showTable(data: TableRow[] | DataFrameLike, opts: ShowTableOptions = {}): void {
  const { text, html } = formatTable(data, opts);
  if (!displayData({ "text/html": html, "text/plain": text })) console.log(text);
}

// ---------------------------------------------------------------------------
// Markdown

/** Shows Markdown (rendered in notebooks and HTML reports); prints it elsewhere. */
export function showMarkdown(md: string): void {
  if (!displayData({ "text/markdown": md, "text/plain": md })) console.log(md);
}

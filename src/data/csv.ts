/**
 * Reads a labelled numeric CSV (features, then one label column) into a
 * Dataset, checking every cell. Errors name the file, the line, the column
 * and the value, so a user can find the bad cell.
 */
import * as fs from "fs";
import * as zlib from "zlib";
import Papa from "papaparse";
import { Dataset } from "./dataset";

export interface CsvOptions {
  /** Name or 0-based index of the label column; default: the last column. */
  labelColumn?: string | number;
  /** true: first row is a header; false: none; "auto" (default): header if the first row is not all numbers. */
  header?: boolean | "auto";
  /** When given, every label must lie in [0, numClasses). Otherwise it is max(label) + 1. */
  numClasses?: number;
  /** Name used in error messages (the file path when loading a file). */
  source?: string;
}

const isNumeric = (cell: string): boolean => cell.trim() !== "" && Number.isFinite(Number(cell));

/** Parses CSV text; see CsvOptions. */
export function parseCsv(text: string, opts: CsvOptions = {}): Dataset {
  const source = opts.source ?? "CSV";
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ""), { skipEmptyLines: "greedy" });
  const quoteErr = parsed.errors.find((e) => e.type === "Quotes");
  if (quoteErr) throw new Error(`${source}: malformed CSV at row ${(quoteErr.row ?? 0) + 1}: ${quoteErr.message}`);
  const rows = parsed.data;
  if (rows.length === 0) throw new Error(`${source}: the file is empty (no rows)`);

  const hasHeader = opts.header === "auto" || opts.header === undefined ? !rows[0].every(isNumeric) : opts.header;
  const width = rows[0].length;
  const names = hasHeader ? rows[0].map((c, i) => c.trim() || `col${i}`) : rows[0].map((_, i) => `col${i}`);
  const body = hasHeader ? rows.slice(1) : rows;
  const firstLine = hasHeader ? 2 : 1;
  if (body.length === 0) throw new Error(`${source}: no data rows after the header`);
  if (width < 2) throw new Error(`${source}: needs at least one feature column and a label column; found ${width} column(s)`);

  const labelIdx = resolveLabelColumn(opts.labelColumn, names, source, hasHeader);
  const featureIdx = names.map((_, i) => i).filter((i) => i !== labelIdx);
  if (opts.numClasses !== undefined && !(Number.isInteger(opts.numClasses) && opts.numClasses >= 2)) {
    throw new Error(`numClasses must be an integer ≥ 2; got ${opts.numClasses}`);
  }

  const n = body.length;
  const d = featureIdx.length;
  const x = new Float32Array(n * d);
  const y = new Int32Array(n);
  let maxLabel = 0;
  for (let r = 0; r < n; r++) {
    const row = body[r];
    const line = firstLine + r;
    if (row.length !== width) {
      throw new Error(`${source}: line ${line} has ${row.length} columns, expected ${width}`);
    }
    for (let j = 0; j < d; j++) {
      const c = featureIdx[j];
      const cell = row[c];
      if (cell.trim() === "") throw new Error(`${source}: line ${line}, column "${names[c]}" (#${c + 1}) is empty (missing value)`);
      const v = Number(cell);
      if (!Number.isFinite(v)) throw new Error(`${source}: line ${line}, column "${names[c]}" (#${c + 1}) is not a number: "${cell}"`);
      x[r * d + j] = v;
    }
    const cell = row[labelIdx];
    const label = Number(cell);
    if (cell.trim() === "" || !Number.isInteger(label) || label < 0) {
      throw new Error(`${source}: line ${line}, label column "${names[labelIdx]}" must be an integer class index ≥ 0; got "${cell}"`);
    }
    if (opts.numClasses !== undefined && label >= opts.numClasses) {
      throw new Error(`${source}: line ${line}, label ${label} is out of range [0, ${opts.numClasses - 1}]`);
    }
    y[r] = label;
    maxLabel = Math.max(maxLabel, label);
  }
  const numClasses = opts.numClasses ?? maxLabel + 1;
  if (numClasses < 2) throw new Error(`${source}: labels take a single value; a classifier needs at least 2 classes`);
  return new Dataset(x, y, featureIdx.map((i) => names[i]), numClasses, source);
}

function resolveLabelColumn(col: string | number | undefined, names: string[], source: string, hasHeader: boolean): number {
  if (col === undefined) return names.length - 1;
  if (typeof col === "number") {
    if (!Number.isInteger(col) || col < 0 || col >= names.length) {
      throw new Error(`labelColumn ${col} is out of range: ${source} has columns 0..${names.length - 1}`);
    }
    return col;
  }
  const idx = names.indexOf(col);
  if (idx < 0) {
    const known = hasHeader ? `columns are ${names.slice(0, 8).join(", ")}${names.length > 8 ? ", …" : ""}` : "it has no header row";
    throw new Error(`labelColumn "${col}" not found in ${source}: ${known}`);
  }
  return idx;
}

/** Reads a CSV file (plain or .gz) from disk; see CsvOptions. */
export function loadCsv(path: string, opts: CsvOptions = {}): Dataset {
  if (!fs.existsSync(path)) throw new Error(`CSV file not found: ${path}`);
  let buf = fs.readFileSync(path);
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = zlib.gunzipSync(buf);
    } catch (err) {
      throw new Error(`${path}: corrupt gzip data (${(err as Error).message})`);
    }
  }
  return parseCsv(buf.toString("utf8"), { ...opts, source: opts.source ?? path });
}

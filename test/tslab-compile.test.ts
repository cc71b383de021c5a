/**
 * Every module a notebook imports compiles under the tslab kernel's own
 * compiler settings (tslab 1.0.22: ESNext modules, node10 resolution, ES2022,
 * and NOT strict — so zod's inferred types have every field optional), which
 * ignore tsconfig.json. A type error there fails the notebook's first cell in
 * `npm run reports`; this finds it in seconds instead, in the modules and in
 * the cells themselves.
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { test } from "uvu";
import * as assert from "uvu/assert";

const ROOT = path.resolve(__dirname, "..");

const NOTEBOOKS = path.join(ROOT, "notebooks");
const notebookFiles = () => fs.readdirSync(NOTEBOOKS).filter((f) => f.endsWith(".ipynb")).sort();

function codeCells(nb: string): string[] {
  const cells = JSON.parse(fs.readFileSync(path.join(NOTEBOOKS, nb), "utf8")).cells as { cell_type: string; source: string[] | string }[];
  return cells.filter((c) => c.cell_type === "code").map((c) => (Array.isArray(c.source) ? c.source.join("") : c.source));
}

/** The ./src/… modules the notebooks' code cells import. */
function notebookImports(): string[] {
  const files = new Set<string>();
  for (const nb of notebookFiles()) {
    for (const src of codeCells(nb)) for (const m of src.matchAll(/from\s+"(\.\/src\/[^"]+)"/g)) files.add(path.join(ROOT, `${m[1]}.ts`));
  }
  return [...files].sort();
}

/**
 * A notebook as one TypeScript file, close to how tslab sees it: its import
 * lines first (tslab hoists them), every other line of every code cell, in
 * order, inside one async function (cells use top-level await).
 */
function notebookAsModule(nb: string): string {
  const imports: string[] = [];
  const body: string[] = [];
  let inImport = false;
  for (const src of codeCells(nb)) {
    for (const line of src.split("\n")) {
      if (/^import\s/.test(line) || inImport) {
        imports.push(line);
        inImport = !/;\s*$/.test(line);
      } else body.push(line);
    }
    body.push("");
  }
  return `${imports.join("\n")}\nexport async function notebook(): Promise<void> {\n${body.join("\n")}\n}\n`;
}

test("every notebook that loads an experiment file passes its kind's schema (under tslab the registry of all kinds cannot load)", () => {
  const without = notebookFiles().filter((nb) => codeCells(nb).some((src) => /loadExperiment\s*(<[^>]*>)?\(\s*"[^"]*"\s*\)/.test(src)));
  assert.equal(without, []);
});

test("the notebooks import modules that exist", () => {
  const missing = notebookImports().filter((f) => !fs.existsSync(f));
  assert.equal(missing.map((f) => path.relative(ROOT, f)), []);
});

test("every notebook's cells, and every module they import, type-check under tslab's compiler settings (not strict)", () => {
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    esModuleInterop: true,
    target: ts.ScriptTarget.ES2022,
    lib: ["lib.es2022.d.ts"],
    experimentalDecorators: true,
    resolveJsonModule: true,
    skipLibCheck: true,
    noEmit: true,
    types: ["node"],
  };
  // Each notebook's cells as a virtual module at the project root (where the kernel starts), beside the modules they import.
  const virtual = new Map(notebookFiles().map((nb) => [path.join(ROOT, `__notebook_${nb.replace(/\W/g, "_")}.ts`), notebookAsModule(nb)]));
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (f) => virtual.has(f) || fileExists.call(host, f);
  host.readFile = (f) => virtual.get(f) ?? readFile.call(host, f);
  host.getSourceFile = (f, lang, ...rest) => (virtual.has(f) ? ts.createSourceFile(f, virtual.get(f)!, lang) : getSourceFile.call(host, f, lang, ...rest));
  const program = ts.createProgram([...notebookImports(), ...virtual.keys()], options, host);
  const problems = ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file && !d.file.fileName.includes("node_modules"))
    .map((d) => {
      const { line, character } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
      return `${path.relative(ROOT, d.file!.fileName)}:${line + 1}:${character + 1} ${ts.flattenDiagnosticMessageText(d.messageText, "\n").split("\n")[0]}`;
    });
  assert.ok(problems.length === 0, `${problems.length} type error(s) the tslab kernel would report:\n${problems.slice(0, 30).join("\n")}`);
});

test.run();

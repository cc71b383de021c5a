/**
 * Every module a notebook imports compiles under the tslab kernel's own
 * compiler settings (tslab 1.0.22: ESNext modules, node10 resolution, ES2022,
 * and NOT strict — so zod's inferred types have every field optional), which
 * ignore tsconfig.json. A type error there fails the notebook's first cell in
 * `npm run reports`; this finds it in seconds instead.
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { test } from "uvu";
import * as assert from "uvu/assert";

const ROOT = path.resolve(__dirname, "..");

/** The ./src/… modules the notebooks' code cells import. */
function notebookImports(): string[] {
  const dir = path.join(ROOT, "notebooks");
  const files = new Set<string>();
  for (const nb of fs.readdirSync(dir).filter((f) => f.endsWith(".ipynb"))) {
    const cells = JSON.parse(fs.readFileSync(path.join(dir, nb), "utf8")).cells as { cell_type: string; source: string[] | string }[];
    for (const c of cells.filter((c) => c.cell_type === "code")) {
      const src = Array.isArray(c.source) ? c.source.join("") : c.source;
      for (const m of src.matchAll(/from\s+"(\.\/src\/[^"]+)"/g)) files.add(path.join(ROOT, `${m[1]}.ts`));
    }
  }
  return [...files].sort();
}

test("the notebooks import modules that exist", () => {
  const missing = notebookImports().filter((f) => !fs.existsSync(f));
  assert.equal(missing.map((f) => path.relative(ROOT, f)), []);
});

test("every module the notebooks import type-checks under tslab's compiler settings (not strict)", () => {
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
  const program = ts.createProgram(notebookImports(), options);
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

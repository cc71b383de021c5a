/**
 * The layer check (.dependency-cruiser.cjs, run by `npm test`) can fail and
 * src/ passes it: the project's configuration, run through dependency-cruiser's
 * API, reports every planted violation in test/fixtures/layers/src/ (train/
 * importing experiment/, viz/ importing a type from experiment/, a type-only
 * cycle) and nothing on the fixture's allowed imports, and reports no error on
 * src/ (with no exceptions).
 */
import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";

const root = path.resolve(__dirname, "..");
const fixture = path.join(__dirname, "fixtures", "layers");

interface Violation {
  from: string;
  to: string;
  rule: { name: string; severity: string };
}
interface Cruised {
  output: { summary: { error: number; violations: Violation[] } };
}
type Api = {
  cruise: (files: string[], options: Record<string, unknown>) => Promise<unknown>;
  format: (result: unknown, options: { outputType: string }) => Promise<{ output: unknown; exitCode: number }>;
};

const config = require(path.join(root, ".dependency-cruiser.cjs")) as { forbidden: unknown[]; options: Record<string, unknown> };

/** Cruises baseDir/src with the project's rules; `text` and `exitCode` are what the CLI's "err" reporter (the one `npm test` uses) prints and returns. */
async function cruise(baseDir: string): Promise<{ result: Cruised; text: string; exitCode: number }> {
  // dependency-cruiser is an ES module with no require entry: tsx keeps this a real import().
  const dc = (await import("dependency-cruiser")) as unknown as Api;
  const options = { ...config.options, ruleSet: { forbidden: config.forbidden }, validate: true, baseDir };
  const result = (await dc.cruise(["src"], options)) as Cruised;
  const formatted = await dc.format(result.output, { outputType: "err" });
  return { result, text: String(formatted.output).replace(/\x1b\[[0-9;]*m/g, ""), exitCode: formatted.exitCode };
}

const edges = (vs: Violation[]) => vs.filter((v) => v.rule.severity === "error").map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort();

test("the project's rules report every violation planted in the fixture tree, naming both files", async () => {
  const { result, text, exitCode } = await cruise(fixture);
  assert.equal(edges(result.output.summary.violations), [
    "no-circular: src/experiment/x.ts → src/experiment/y.ts",
    "train-imports-below-experiment: src/train/bad.ts → src/experiment/x.ts",
    "viz-imports-only-core-analysis: src/viz/chart.ts → src/experiment/x.ts",
  ]);
  assert.ok(exitCode > 0, "a violation must give a failing exit code");
  assert.match(text, "train-imports-below-experiment: src/train/bad.ts → src/experiment/x.ts");
  assert.match(text, "viz-imports-only-core-analysis: src/viz/chart.ts → src/experiment/x.ts");
});

test("src/ passes the layer check", async () => {
  const { result, text, exitCode } = await cruise(root);
  assert.equal(edges(result.output.summary.violations), [], text);
  assert.is(result.output.summary.error, 0, text);
  assert.is(exitCode, 0, text);
});

test.run();

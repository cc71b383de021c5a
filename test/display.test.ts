import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { TopLevelSpec } from "vega-lite";
import { describeChart, formatTable, isTslab, renderSvg, showChart, showMarkdown, showTable } from "../src/viz/display";

const bars: TopLevelSpec = {
  title: "Accuracy by model",
  data: { values: [{ model: "teacher", acc: 0.98 }, { model: "student", acc: 0.91 }, { model: "baseline", acc: 0.85 }] },
  mark: "bar",
  encoding: { x: { field: "model", type: "nominal" }, y: { field: "acc", type: "quantitative" } },
};

/** Runs fn with console.log captured. */
async function captureLog(fn: () => unknown): Promise<string[]> {
  const lines: string[] = [];
  const orig = console.log;
  console.log = (...args: unknown[]) => {
    lines.push(args.map(String).join(" "));
  };
  try {
    await fn();
  } finally {
    console.log = orig;
  }
  return lines;
}

test("renderSvg renders a bar chart with its marks and labels", async () => {
  const svg = await renderSvg(bars);
  assert.ok(svg.startsWith("<svg"), svg.slice(0, 80));
  assert.ok(svg.includes("</svg>"));
  const barMarks = svg.match(/aria-roledescription="bar"/g) ?? [];
  assert.is(barMarks.length, 3, "one bar mark per data row");
  for (const label of ["teacher", "student", "baseline", "Accuracy by model"]) assert.ok(svg.includes(label), `label ${label}`);
});

test("isTslab is false outside the kernel", () => {
  assert.is(isTslab(), false);
});

test("describeChart gives one line", () => {
  assert.is(describeChart(bars), "[chart] Accuracy by model");
  assert.is(describeChart({ data: { values: [] }, mark: { type: "line" } } as TopLevelSpec), "[chart] line chart");
  assert.is(describeChart({ title: { text: ["a", "b"] }, data: { values: [] }, mark: "point" } as TopLevelSpec), "[chart] a b");
});

test("showChart outside tslab prints a line and writes svgPath atomically", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "display-test-"));
  try {
    const svgPath = path.join(dir, "nested", "chart.svg");
    const lines = await captureLog(() => showChart(bars, { svgPath }));
    assert.is(lines.length, 1);
    assert.ok(lines[0].startsWith("[chart] Accuracy by model"), lines[0]);
    const svg = fs.readFileSync(svgPath, "utf8");
    assert.ok(svg.startsWith("<svg") && svg.trimEnd().endsWith("</svg>"));
    assert.equal(fs.readdirSync(path.dirname(svgPath)), ["chart.svg"], "no temporary files left");
    // without svgPath: nothing rendered or written, just the line
    const lines2 = await captureLog(() => showChart(bars));
    assert.equal(lines2, ["[chart] Accuracy by model"]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("formatTable: rows -> aligned text and escaped HTML", () => {
  const { text, html } = formatTable([{ name: "a<b>", acc: 0.123456789, n: 10 }, { name: "c&d", acc: 0.5, extra: true }], { caption: "Results" });
  const lines = text.split("\n");
  assert.is(lines[0], "Results");
  assert.ok(lines[1].startsWith("name"), lines[1]);
  assert.ok(text.includes("0.1235"), text);
  assert.ok(text.includes("a<b>"), "text is not escaped");
  assert.ok(html.includes("a&lt;b&gt;") && html.includes("c&amp;d"), html);
  assert.not.ok(html.includes("<b>"), "html is escaped");
  assert.ok(html.includes("<th style=\"text-align: left\">extra</th>"), "union of columns");
  assert.is((html.match(/<tr>/g) ?? []).length, 3);
});

test("formatTable: DataFrame-like input, index and maxRows", () => {
  // The shape of a danfojs-node 1.2 DataFrame (columns, values as rows, index).
  const df = { columns: ["model", "acc"], values: [["teacher", 0.98765], ["student", 0.9], ["tiny", 0.7]], index: [0, 1, 2] };
  const t = formatTable(df, { maxRows: 2 });
  assert.ok(t.text.includes("teacher  0.9877") || /teacher\s+0\.9877/.test(t.text), t.text);
  assert.ok(t.text.includes("1 more row (3 in all)"), t.text);
  assert.not.ok(t.text.includes("tiny"));
  const named = formatTable({ columns: ["a"], values: [[1], [2]], index: ["r1", "r2"] });
  assert.ok(/^r1\s+1$/m.test(named.text), named.text);
});

test("showTable and showMarkdown print text outside tslab", async () => {
  const lines = await captureLog(() => {
    showTable([{ k: "x", v: 1 }]);
    showMarkdown("# Title");
  });
  assert.is(lines.length, 2);
  assert.ok(lines[0].includes("k  v"), lines[0]);
  assert.is(lines[1], "# Title");
});

test.run();

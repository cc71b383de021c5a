/**
 * Golden values: every kind of training reproduces, to the last bit, the numbers
 * recorded in test/golden/<backend>.json (scripts/record-golden.ts) on wasm and cpu.
 * A refactor that changes a number fails here; a deliberate change is re-recorded
 * and named in its commit.
 */
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { initBackend } from "../src/backend";
import { GoldenCase, runGoldenCases } from "./golden/cases";

let before = "";
test.before(async () => {
  await initBackend({ log: false });
  before = tf.getBackend();
});
test.after(async () => {
  await tf.setBackend(before);
});

function differences(got: Record<string, GoldenCase>, want: Record<string, GoldenCase>): string[] {
  const out: string[] = [];
  const names = new Set([...Object.keys(got), ...Object.keys(want)]);
  for (const name of names) {
    const g = got[name];
    const w = want[name];
    if (!g || !w) {
      out.push(`${name}: ${g ? "not recorded" : "not run"}`);
      continue;
    }
    if (g.length !== w.length) out.push(`${name}: ${g.length} epochs, recorded ${w.length}`);
    w.forEach((we, i) => {
      const ge = g[i] ?? {};
      for (const k of new Set([...Object.keys(we), ...Object.keys(ge)])) {
        if (ge[k] !== we[k]) out.push(`${name}, epoch ${i + 1}, ${k}: got ${ge[k]}, recorded ${we[k]}`);
      }
    });
  }
  return out;
}

for (const backend of ["wasm", "cpu"]) {
  test(`golden values on ${backend}: every kind of training gives the recorded numbers exactly`, async () => {
    const file = path.join(__dirname, "golden", `${backend}.json`);
    const want = JSON.parse(fs.readFileSync(file, "utf8")) as { tfjs: string; cases: Record<string, GoldenCase> };
    assert.is(want.tfjs, tf.version_core, "recorded with this tfjs version");
    await tf.setBackend(backend);
    const got = await runGoldenCases();
    const diff = differences(got, want.cases);
    assert.ok(diff.length === 0, `${diff.length} numbers differ from ${path.relative(process.cwd(), file)}:\n${diff.slice(0, 20).join("\n")}`);
    assert.ok(Object.keys(want.cases).length >= 7, "all seven kinds recorded");
  });
}

test("the golden check can fail: a changed number is reported", () => {
  const want = { a: [{ epoch: 1, loss: 1.5 }] };
  const got = { a: [{ epoch: 1, loss: 1.5000001 }] };
  assert.equal(differences(got, want), ["a, epoch 1, loss: got 1.5000001, recorded 1.5"]);
});

test.run();

import * as assert from "uvu/assert";
import { test } from "uvu";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describeRecorded, loadRecordedFashion, recordedDir } from "../src/experiment/recorded";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "recorded-test-"));

function minimal(): Record<string, any> {
  return {
    createdAt: "2026-12-01T09:00:00.000Z",
    environment: { node: "v20", tfjs: "4.22.0", backend: { name: "wasm" }, cpus: 2, cpuModel: "cpu" },
    runSeconds: 600,
    config: {},
    results: {
      budget: "full",
      data: { fitRows: 55000, valRows: 5000, testRows: 10000 },
      teachers: [{ name: "t", arch: "A", params: 10, testAcc: 0.9, trainSeconds: 120, source: "cache", history: [{ epoch: 1, testAcc: 0.9 }], extra: 1 }],
      sweepTeacher: "t",
      summary: [],
      runs: [{ setting: "a", temperature: null, seed: 0, testAcc: 0.8, ms: 1 }],
      comparison: [],
      multiTeacher: [{ setting: "s", summary: [], reading: ["r"], runs: [] }],
      nextToDigits: { fashion: [], digits: [] },
    },
  };
}

test("recorded run: none committed is null; a valid file is read and described", () => {
  assert.is(loadRecordedFashion(path.join(tmp, "nope.json")), null);
  const f = path.join(tmp, "ok.json");
  fs.writeFileSync(f, JSON.stringify(minimal()));
  const r = loadRecordedFashion(f)!;
  assert.is(r.budget, "full");
  assert.equal(r.teachers[0], { name: "t", arch: "A", params: 10, testAcc: 0.9, trainSeconds: 120, source: "cache", history: [{ epoch: 1, testAcc: 0.9 }] });
  assert.equal(r.runs, [{ setting: "a", temperature: null, seed: 0, testAcc: 0.8 }]);
  assert.equal(r.multiTeacher, [{ setting: "s", summary: [], reading: ["r"] }]);
  const line = describeRecorded(r);
  assert.match(line, /budget \*\*full\*\*, recorded 2026-12-01 09:00 UTC, 55000 fit/);
  assert.match(line, /wasm/);
  assert.match(line, /10 min for the notebook \(teachers reloaded from the cache\); .*t 2 min/);
});

test("recorded run: corrupt JSON and missing fields are errors naming the file and the field", () => {
  const f = path.join(tmp, "bad.json");
  fs.writeFileSync(f, "{ \"createdAt\": ");
  assert.throws(() => loadRecordedFashion(f), /bad\.json is not valid JSON/);
  const m = minimal();
  delete m.results.summary;
  fs.writeFileSync(f, JSON.stringify(m));
  assert.throws(() => loadRecordedFashion(f), /field "results\.summary" must be an array; got nothing/);
  const m2 = minimal();
  m2.runSeconds = "long";
  fs.writeFileSync(f, JSON.stringify(m2));
  assert.throws(() => loadRecordedFashion(f), /field "runSeconds" must be a number; got "long"/);
});

const committed = path.join(recordedDir(), "07-fashion-mnist-distillation.full.json");
if (fs.existsSync(committed)) {
  test("the committed full-budget Fashion-MNIST run is complete and really full-budget", () => {
    const r = loadRecordedFashion()!;
    assert.is(r.budget, "full");
    assert.is(r.data.fitRows + r.data.valRows, 60000);
    assert.is(r.data.testRows, 10000);
    assert.ok(r.teachers.length >= 1 && r.teachers.some((t) => t.name === r.sweepTeacher));
    assert.ok(r.summary.length > 0 && r.summary.every((s) => s.seeds >= 2), "every sweep row has several seeds");
    assert.ok(r.gains.length > 0);
  });
}

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
test.run();

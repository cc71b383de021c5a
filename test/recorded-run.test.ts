import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { describeRecordedRun, loadRecordedRun } from "../src/experiment/recorded-run";
import { loadExperiment } from "../src/experiment/schema/experiment-file";

test("notebook 01's recorded full-budget run is complete and of the experiment file's full budget", () => {
  const r = loadRecordedRun<{ runs: unknown[]; summary: unknown[]; reading: string[] }>("01-temperature-sweep");
  assert.ok(r, "results/01-temperature-sweep.full.json is committed");
  const full = loadExperiment("01-temperature-sweep", { budget: "full" });
  assert.equal(r!.config, full.config, "recorded with the file's full configuration");
  assert.is(r!.fingerprint, full.fingerprint);
  assert.is(r!.results.runs.length, 120, "4 settings × 5 seeds × 6 variants");
  assert.ok(r!.results.reading.length > 0);
  assert.match(describeRecordedRun(r!), /recorded 20\d\d-\d\d-\d\d on \d+ × .*wasm backend/);
});

test("a missing recorded run is null; a broken one is an error naming the file and the field", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "recorded-run-"));
  try {
    assert.is(loadRecordedRun("nothing", dir), null);
    fs.writeFileSync(path.join(dir, "x.full.json"), JSON.stringify({ name: "x", createdAt: "2026", budget: "full" }));
    assert.throws(() => loadRecordedRun("x", dir), /x\.full\.json has no field "fingerprint"/);
    fs.writeFileSync(path.join(dir, "y.full.json"), "{ nope");
    assert.throws(() => loadRecordedRun("y", dir), /y\.full\.json is not valid JSON/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();

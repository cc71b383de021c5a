import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { initBackend } from "../src/backend";
import { grid, gridOver, runSweep, setPath } from "../src/experiment/sweep";
import { scoreTrial } from "./fixtures/sweep-trials";

test.before(async () => {
  await initBackend({ log: false });
});

test("grid: the Cartesian product, first axis outermost; an empty axis is an error", () => {
  assert.equal(grid({ a: [1, 2], b: ["x", "yy"] }), [
    { a: 1, b: "x" },
    { a: 1, b: "yy" },
    { a: 2, b: "x" },
    { a: 2, b: "yy" },
  ]);
  assert.throws(() => grid({ a: [1], b: [] }), /axis "b" has no values/);
});

test("gridOver sets fields by dotted path on copies; the base is untouched", () => {
  const base = { student: { hidden: [16], lr: 1 }, loss: { temperature: 4 } };
  const pts = gridOver(base, { "student.hidden": [[8], [32]], "loss.temperature": [2] });
  assert.equal(pts.map((p) => p.config), [
    { student: { hidden: [8], lr: 1 }, loss: { temperature: 2 } },
    { student: { hidden: [32], lr: 1 }, loss: { temperature: 2 } },
  ]);
  assert.equal(pts[0].coords, { "student.hidden": [8], "loss.temperature": 2 });
  assert.equal(base.loss.temperature, 4);
  assert.throws(() => setPath(base, "loss.temperature.x", 1), /"loss.temperature" is not an object/);
});

test("runSweep: results in grid order, the same serially and across worker threads", async () => {
  const points = grid({ a: [1, 2, 3], b: ["x", "yy"] });
  const run = (workers: number) =>
    runSweep({
      label: "test",
      points,
      seeds: [0, 7],
      module: path.join(__dirname, "fixtures", "sweep-trials.ts"),
      fn: "scoreTrial",
      local: { fn: scoreTrial },
      shared: { offset: 1000 },
      describe: (p, s) => `${p.a}${p.b} · seed ${s}`,
      report: (r) => String(r.value),
      workers,
    });
  const serial = await run(1);
  const parallel = await run(2);
  assert.equal(serial.map((r) => r.result.value), parallel.map((r) => r.result.value));
  assert.equal(serial.slice(0, 3).map((r) => [r.point.a, r.point.b, r.seed]), [[1, "x", 0], [1, "x", 7], [1, "yy", 0]]);
  assert.is(serial[1].result.value, 100 + 7 + 1000 + 1);
  assert.ok(new Set(parallel.map((r) => r.result.worker)).size === 2, "both worker threads ran trials");
  assert.ok(parallel.every((r) => r.result.worker > 0) && serial.every((r) => r.result.worker === 0), "threads when parallel, this thread when serial");
});

test("runSweep: no seeds or no points is an error naming the sweep", async () => {
  const base = { label: "empty", module: "", fn: "", local: { fn: scoreTrial }, shared: { offset: 0 }, describe: () => "" };
  await runSweep({ ...base, points: [{ a: 1, b: "" }], seeds: [] }).then(() => assert.unreachable(), (e) => assert.match(e.message, /empty: seeds/));
  await runSweep({ ...base, points: [], seeds: [0] }).then(() => assert.unreachable(), (e) => assert.match(e.message, /empty: the grid has no points/));
});

test.run();

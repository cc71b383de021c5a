import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { initBackend } from "../src/backend";
import { loadDigits } from "../src/data/digits";
import { compactCurves, saveResults } from "../src/experiment/results";
import { trainTeacher } from "../src/experiment/runs";
import { SweepRow, readSweep, summarizeSweep, temperatureSweep } from "../src/experiment/temperature-sweep";

const row = (setting: string, temperature: number | null, seed: number, testAcc: number): SweepRow => ({
  setting, variant: temperature === null ? "hard labels" : `T=${temperature}`, temperature, seed, trainSamples: 10, epochs: 1, testAcc, teacherAgreement: null, ms: 0,
});

test("summarizeSweep: means, spread and paired t by hand", () => {
  const rows = [row("s", null, 0, 0.8), row("s", null, 1, 0.9), row("s", null, 2, 0.7), row("s", 4, 0, 0.85), row("s", 4, 1, 0.93), row("s", 4, 2, 0.76)];
  const [hard, kd] = summarizeSweep(rows);
  assert.is(hard.variant, "hard labels");
  assert.ok(Math.abs(hard.meanAcc - 0.8) < 1e-12);
  assert.ok(Math.abs(hard.stdAcc - 0.1) < 1e-12);
  assert.is(hard.pairedT, null);
  assert.ok(Math.abs(kd.gainOverHard - (0.8466666666666667 - 0.8)) < 1e-12);
  // paired differences 0.05, 0.03, 0.06: mean 0.04667, sd 0.01528, t = mean / (sd / √3) = 5.292
  assert.ok(Math.abs(kd.pairedT! - 5.2915) < 1e-3, `t = ${kd.pairedT}`);
  const reading = readSweep([hard, kd]).join("\n");
  assert.match(reading, /hard labels 80\.0 ± 10\.0 %/);
  assert.match(reading, /[Dd]istillation clearly helps at T=4/, "t = 5.29 > 4.30 (2 degrees of freedom)");
});

test("compactCurves groups per run, epoch = index + 1", () => {
  const pts = [
    { setting: "a", seed: 0, epoch: 1, testAcc: 0.50000001 },
    { setting: "a", seed: 0, epoch: 2, testAcc: 0.75 },
    { setting: "a", seed: 1, epoch: 1, testAcc: 0.25 },
  ];
  assert.equal(compactCurves(pts, (p) => ({ setting: p.setting, seed: p.seed })), [
    { run: { setting: "a", seed: 0 }, testAcc: [0.5, 0.75] },
    { run: { setting: "a", seed: 1 }, testAcc: [0.25] },
  ]);
});

test("readSweep says so when nothing stands out from the spread", () => {
  const rows = [row("s", null, 0, 0.8), row("s", null, 1, 0.9), row("s", 2, 0, 0.82), row("s", 2, 1, 0.89)];
  assert.match(readSweep(summarizeSweep(rows)).join(""), /does not clearly help here/);
});

test("temperatureSweep: every (setting, seed, variant) once, same budget per setting, reproducible; results saved atomically", async () => {
  await initBackend({ log: false });
  const p = loadDigits({ seed: 0 });
  const data = { train: p.train, test: p.test, trainT: p.train.toTensors(), testT: p.test.toTensors() };
  const teacher = await trainTeacher(data, { hidden: [32], epochs: 2, batchSize: 64, learningRate: 1e-2 }, 0);
  const config = {
    student: { hidden: [8], batchSize: 64, learningRate: 1e-2 },
    temperatures: [2],
    alpha: 0.5,
    seeds: [0, 1],
    settings: [{ name: "all", trainFraction: 1, epochs: 2 }, { name: "tenth", trainFraction: 0.1, epochs: 3 }],
  };
  const a = await temperatureSweep(data, teacher, config);
  assert.is(a.rows.length, 2 * 2 * 2);
  assert.equal(a.rows.map((r) => `${r.setting}/${r.seed}/${r.variant}`), ["all/0/hard labels", "all/0/T=2", "all/1/hard labels", "all/1/T=2", "tenth/0/hard labels", "tenth/0/T=2", "tenth/1/hard labels", "tenth/1/T=2"]);
  assert.ok(a.rows.filter((r) => r.setting === "tenth").every((r) => r.trainSamples === 130 && r.epochs === 3));
  assert.is(a.curves.length, 2 * 2 * 2 + 2 * 2 * 3);
  const b = await temperatureSweep(data, teacher, config);
  assert.equal(b.rows.map((r) => r.testAcc), a.rows.map((r) => r.testAcc), "same config and seeds, same numbers");
  await temperatureSweep(data, teacher, { ...config, temperatures: [-1] }).then(
    () => assert.unreachable(),
    (err) => assert.match(String(err), /temperatures\[0\] must be a finite number > 0; got -1/),
  );
  await temperatureSweep(data, teacher, { ...config, settings: [{ name: "x", trainFraction: 0, epochs: 1 }] }).then(
    () => assert.unreachable(),
    (err) => assert.match(String(err), /settings\[0\]\.trainFraction must be in \(0, 1\]; got 0/),
  );

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "res-"));
  process.env.REPORTS_DIR = dir;
  const file = saveResults("sweep-test", { config, results: summarizeSweep(a.rows) });
  delete process.env.REPORTS_DIR;
  const saved = JSON.parse(fs.readFileSync(file, "utf8"));
  assert.equal(saved.config, config);
  assert.is(saved.environment.tfjs, "4.22.0");
  assert.equal(fs.readdirSync(dir), ["sweep-test.json"], "no temporary files left");
  assert.throws(() => saveResults("../escape", { config, results: 1 }), /results name must be a plain file name/);
  fs.rmSync(dir, { recursive: true });
  teacher.dispose();
});

test.run();

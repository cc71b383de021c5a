import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { loadCsv, parseCsv } from "../src/data/csv";
import { fitMinMaxScaler, applyScaler } from "../src/data/dataset";
import { loadDigits, loadDigitsRaw } from "../src/data/digits";
import { prepare } from "../src/data/prepare";
import { labelledFraction, stratifiedSplit } from "../src/data/split";

const good = "a,b,label\n1,2,0\n3,4,1\n5,6,2\n";

test("parseCsv reads features and labels, header detected", () => {
  const ds = parseCsv(good);
  assert.equal(ds.featureNames, ["a", "b"]);
  assert.equal(Array.from(ds.x), [1, 2, 3, 4, 5, 6]);
  assert.equal(Array.from(ds.y), [0, 1, 2]);
  assert.is(ds.numClasses, 3);
  const noHeader = parseCsv("1,2,0\n3,4,1\n");
  assert.is(noHeader.numSamples, 2);
  const byName = parseCsv("label,a\n1,7\n0,8\n", { labelColumn: "label" });
  assert.equal(Array.from(byName.x), [7, 8]);
  assert.equal(Array.from(byName.y), [1, 0]);
});

test("malformed CSV: every error names the line, the column and the value", () => {
  const cases: [string, RegExp, object?][] = [
    ["", /empty/],
    ["a,b,label\n", /no data rows/],
    ["a,b,label\n1,2,0\n3,,1\n", /line 3, column "b" \(#2\) is empty \(missing value\)/],
    ["a,b,label\n1,2,0\n3,x7,1\n", /line 3, column "b" \(#2\) is not a number: "x7"/],
    ["a,b,label\n1,2,0\n3,4\n", /line 3 has 2 columns, expected 3/],
    ["a,b,label\n1,2,0\n3,4,1.5\n", /line 3, label column "label" must be an integer class index ≥ 0; got "1.5"/],
    ["a,b,label\n1,2,0\n3,4,-1\n", /got "-1"/],
    ["a,b,label\n1,2,0\n3,4,10\n", /line 3, label 10 is out of range \[0, 9\]/, { numClasses: 10 }],
    ["a,b,label\n1,2,0\n", /labelColumn "y" not found/, { labelColumn: "y" }],
    ["a,b,label\n1,2,0\n1,2,0\n", /single value/],
    ['a,b,label\n1,"2,0\n', /malformed CSV/],
  ];
  for (const [text, re, opts] of cases) assert.throws(() => parseCsv(text, { source: "my.csv", ...opts }), re, `${JSON.stringify(text)} → ${re}`);
});

test("loadCsv: plain and gzip files; missing file named", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "csv-"));
  fs.writeFileSync(path.join(dir, "a.csv"), good);
  fs.writeFileSync(path.join(dir, "a.csv.gz"), zlib.gzipSync(good));
  assert.equal(Array.from(loadCsv(path.join(dir, "a.csv")).y), [0, 1, 2]);
  assert.equal(Array.from(loadCsv(path.join(dir, "a.csv.gz")).y), [0, 1, 2]);
  assert.throws(() => loadCsv(path.join(dir, "nope.csv")), /CSV file not found: .*nope\.csv/);
  fs.writeFileSync(path.join(dir, "bad.csv"), "a,label\n1,0\n2,zz\n");
  assert.throws(() => loadCsv(path.join(dir, "bad.csv")), /bad\.csv: line 3, label column "label"/);
  fs.rmSync(dir, { recursive: true });
});

test("digits: 1,797 × 64, ten classes, split 1,297 / 500, scaled to [0, 1]", () => {
  const raw = loadDigitsRaw();
  assert.is(raw.numSamples, 1797);
  assert.is(raw.numFeatures, 64);
  assert.is(raw.numClasses, 10);
  const p = loadDigits({ seed: 3 });
  assert.is(p.train.numSamples + p.test.numSamples, 1797);
  assert.ok(Math.abs(p.test.numSamples - 500) <= 5, `test size ${p.test.numSamples}`);
  let lo = Infinity, hi = -Infinity;
  for (const v of p.train.x) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  assert.is(lo, 0);
  assert.is(hi, 1);
  const df = p.test.toDataFrame();
  assert.equal(df.shape, [p.test.numSamples, 65]);
});

test("stratified split keeps class proportions, is disjoint and complete, and is seeded", () => {
  const raw = loadDigitsRaw();
  const s = stratifiedSplit(raw.y, 0.25, 42);
  assert.is(new Set([...s.train, ...s.test]).size, raw.numSamples);
  assert.is(s.train.length + s.test.length, raw.numSamples);
  const counts = raw.classCounts();
  const testCounts = new Array(10).fill(0);
  for (const i of s.test) testCounts[raw.y[i]]++;
  counts.forEach((c, k) => assert.ok(Math.abs(testCounts[k] - 0.25 * c) <= 0.5 + 1e-9, `class ${k}: ${testCounts[k]} of ${c}`));
  assert.equal(stratifiedSplit(raw.y, 0.25, 42), s, "same seed, same split");
  assert.not.equal(stratifiedSplit(raw.y, 0.25, 43).test, s.test, "another seed, another split");
  assert.throws(() => stratifiedSplit(raw.y, 1, 0), /testFraction must be in \(0, 1\); got 1/);
  assert.throws(() => stratifiedSplit(raw.y, 0, 0), /got 0/);
});

test("labelled fraction: 10 % of each class, the rest unlabelled", () => {
  const p = loadDigits({ seed: 0 });
  const all = Array.from({ length: p.train.numSamples }, (_, i) => i);
  const { labelled, unlabelled } = labelledFraction(p.train.y, all, 0.1, 7);
  assert.is(labelled.length + unlabelled.length, all.length);
  const per = new Array(10).fill(0);
  for (const i of labelled) per[p.train.y[i]]++;
  p.train.classCounts().forEach((c, k) => assert.ok(Math.abs(per[k] - 0.1 * c) <= 0.5 + 1e-9, `class ${k}: ${per[k]} of ${c}`));
  assert.throws(() => labelledFraction(p.train.y, all, 1.2, 0), /labelledFraction must be in \(0, 1\]; got 1.2/);
});

test("min-max scaling is fitted on the training rows only", () => {
  const ds = parseCsv("a,label\n0,0\n10,1\n20,0\n30,1\n1000,0\n2000,1\n");
  const s = fitMinMaxScaler(ds.subset([0, 1, 2, 3]));
  assert.equal(Array.from(applyScaler(ds, s).x), [0, 1 / 3, 2 / 3, 1, 1000 / 30, 2000 / 30].map(Math.fround));
  const p = prepare(ds, { testFraction: 0.5, seed: 1, scaling: "minmax" });
  const rawTrain = p.trainIndices.map((i) => ds.x[i]);
  assert.is(p.scaler!.offset[0], Math.min(...rawTrain));
  assert.is(p.scaler!.scale[0], Math.max(...rawTrain) - Math.min(...rawTrain));
});

test.run();

import { test } from "uvu";
import * as assert from "uvu/assert";
import { meanSd, pct, pts, tValue } from "../src/analysis/format";
import { clearAt95, pairedComparison, pairedDiffs, pairedStats, pairedT, summarize, summarizeBy, tCdf, tCrit95, tQuantile } from "../src/analysis/stats";

const close = (a: number | null, b: number, tol: number, what: string) => assert.ok(a !== null && Math.abs(a - b) < tol, `${what}: ${a} vs ${b}`);

test("tQuantile: two-sided 95 % values from printed t tables, to 1e-4", () => {
  const table: [number, number][] = [[1, 12.7062], [2, 4.3027], [3, 3.1824], [5, 2.5706], [10, 2.2281], [11, 2.201], [20, 2.086], [30, 2.0423], [100, 1.984], [1e6, 1.95996]];
  for (const [df, t] of table) close(tQuantile(0.975, df), t, 1e-4, `df ${df}`);
  for (const [df, t] of table) close(tCrit95(df), t, 1e-4, `tCrit95(${df})`);
  close(tQuantile(0.95, 4), 2.1318, 1e-4, "one-sided 95 %, df 4");
  close(tQuantile(0.995, 7), 3.4995, 1e-4, "two-sided 99 %, df 7");
  // df 1 is the Cauchy distribution: quantile tan(π(p − ½)).
  close(tQuantile(0.9, 1), Math.tan(Math.PI * 0.4), 1e-9, "Cauchy");
  // df 2 has a closed form: t = (2p − 1) / sqrt(2p(1 − p)).
  close(tQuantile(0.8, 2), 0.6 / Math.sqrt(2 * 0.8 * 0.2), 1e-9, "df 2 closed form");
});

test("tQuantile: symmetric, the inverse of tCdf, fractional df", () => {
  assert.is(tQuantile(0.5, 3), 0);
  close(tQuantile(0.025, 9), -tQuantile(0.975, 9), 1e-12, "symmetry");
  for (const [p, df] of [[0.6, 2], [0.99, 13], [0.999, 40], [0.7, 2.5]]) close(tCdf(tQuantile(p, df), df), p, 1e-10, `p ${p} df ${df}`);
  close(tCdf(0, 4), 0.5, 1e-15, "median");
});

test("tQuantile / tCrit95: a bad df or p throws naming the value", () => {
  assert.throws(() => tQuantile(0.975, 0), /got 0/);
  assert.throws(() => tQuantile(0.975, 0.5), /≥ 1; got 0\.5/);
  assert.throws(() => tQuantile(0.975, NaN), /got NaN/);
  assert.throws(() => tQuantile(1, 5), /between 0 and 1; got 1/);
  assert.throws(() => tQuantile(-0.2, 5), /got -0\.2/);
  assert.throws(() => tCrit95(0), /tCrit95: .*got 0/);
  assert.throws(() => tCrit95(-3), /got -3/);
});

test("clearAt95: exact thresholds decide borderline cases the 1.96 shortcut got wrong", () => {
  assert.not.ok(clearAt95(2.0, 20), "2.0 < 2.086 at df 20 (was 'clear' against 1.96)");
  assert.ok(clearAt95(2.1, 20));
  assert.ok(clearAt95(-4.4, 2));
  assert.not.ok(clearAt95(null, 5));
  assert.not.ok(clearAt95(100, 0), "one pair: no test");
});

test("summarize / summarizeBy / pairedT by hand", () => {
  const s = summarize([2, 4, 4, 4, 5, 5, 7, 9]);
  assert.is(s.mean, 5);
  close(s.std, Math.sqrt(32 / 7), 1e-12, "sample sd");
  assert.equal([s.min, s.max, s.n], [2, 9, 8]);
  assert.is(summarize([3]).std, 0);
  assert.throws(() => summarize([]), /no values/);
  const by = summarizeBy([{ k: "b", v: 1 }, { k: "a", v: 2 }, { k: "b", v: 3 }], (r) => r.k, (r) => r.v);
  assert.equal([...by.keys()], ["b", "a"]);
  assert.is(by.get("b")!.mean, 2);
  close(pairedT([1, 2, 3]), 2 / (1 / Math.sqrt(3)), 1e-12, "t of 1, 2, 3");
  assert.is(pairedT([1]), null);
  assert.is(pairedT([2, 2]), null);
});

type Row = { variant: string; seed: number; acc: number | null };
const rows: Row[] = [
  ...[80, 85, 78, 90].map((acc, seed) => ({ variant: "a", seed, acc })),
  { variant: "a", seed: 9, acc: 70 }, // no baseline for seed 9
  ...[75, 80, 77, 84].map((acc, seed) => ({ variant: "b", seed, acc })),
  { variant: "b", seed: 7, acc: 60 }, // no candidate for seed 7
  { variant: "c", seed: 0, acc: null },
  { variant: "c", seed: 1, acc: 83 },
];
const BY = { key: (r: Row) => r.seed, value: (r: Row) => r.acc, group: (r: Row) => r.variant };

test("pairedComparison: a hand-computed example (differences 5, 5, 1, 6)", () => {
  const c = pairedComparison(rows, BY, "a", "b");
  const sd = Math.sqrt(14.75 / 3); // squared deviations from 4.25: 0.5625 + 0.5625 + 10.5625 + 3.0625
  assert.is(c.pairs, 4);
  assert.is(c.df, 3);
  assert.is(c.meanDiff, 4.25);
  close(c.stdDiff, sd, 1e-12, "sd of differences");
  close(c.t, 4.25 / (sd / 2), 1e-12, "t"); // 3.8334
  close(c.crit, 3.182446, 1e-6, "crit at df 3");
  close(c.ciLow, 4.25 - (3.182446305 * sd) / 2, 1e-6, "ci low"); // 0.7217
  close(c.ciHigh, 4.25 + (3.182446305 * sd) / 2, 1e-6, "ci high"); // 7.7783
  assert.ok(c.clear, "3.83 > 3.18");
  const flipped = pairedComparison(rows, BY, "b", "a");
  assert.is(flipped.meanDiff, -4.25);
  assert.ok(flipped.clear);
});

test("pairedComparison: predicates, skipped nulls, one pair, no pairs", () => {
  assert.equal(pairedDiffs(rows, BY, (r) => r.variant === "a" && r.seed < 2, "b"), [5, 5]);
  assert.equal(pairedDiffs(rows, BY, "c", "b"), [3], "seed 0 of c has no value");
  const one = pairedComparison(rows, BY, "c", "b");
  assert.equal([one.pairs, one.t, one.crit, one.ciLow, one.ciHigh, one.clear], [1, null, null, null, null, false]);
  assert.throws(() => pairedComparison(rows, BY, "a", "nope"), /no paired seeds between "a" and "nope"/);
  assert.throws(() => pairedComparison(rows, { key: BY.key, value: BY.value }, "a", "b"), /no group function/);
  assert.throws(() => pairedStats([]), /no differences/);
  const flat = pairedStats([0.5, 0.5, 0.5]);
  assert.equal([flat.t, flat.clear, flat.ciLow, flat.ciHigh], [null, false, 0.5, 0.5]);
});

test("format: percent, signed points with a real minus, mean ± sd, t", () => {
  assert.is(pct(0.8123), "81.2 %");
  assert.is(pct(0.3, 0), "30 %");
  assert.is(pts(0.012), "+1.2 pts");
  assert.is(pts(-0.004), "−0.4 pts");
  assert.is(pts(0.01234, 2), "+1.23 pts");
  assert.is(pts(0), "+0.0 pts");
  assert.is(meanSd(0.8612, 0.0123), "86.1 ± 1.2 %");
  assert.is(tValue(3.14159), "3.14");
  assert.is(tValue(null), "n/a");
});

test.run();

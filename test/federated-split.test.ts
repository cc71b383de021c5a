/** The Dirichlet(α) non-IID split of notebook 10: complete and disjoint, seeded, skew falling with α, minimum rows, bad input. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Rng } from "../src/core/seed";
import { classSkew, dirichletSample, dirichletSplit, gammaSample } from "../src/data/dirichlet-split";

const labels = Array.from({ length: 1000 }, (_, i) => i % 10);

test("dirichletSplit: every row exactly once, reproducible by seed, different by seed", () => {
  const a = dirichletSplit(labels, { clients: 5, alpha: 0.5, seed: 7 });
  const all = a.parts.flat().sort((x, y) => x - y);
  assert.equal(all, labels.map((_, i) => i));
  assert.equal(dirichletSplit(labels, { clients: 5, alpha: 0.5, seed: 7 }), a);
  assert.not.equal(dirichletSplit(labels, { clients: 5, alpha: 0.5, seed: 8 }).parts, a.parts);
  a.parts.forEach((part) => assert.equal(part, [...part].sort((x, y) => x - y)));
});

test("dirichletSplit: smaller α gives more class skew (mean over 10 seeds)", () => {
  const skewAt = (alpha: number) => {
    let s = 0;
    for (let seed = 0; seed < 10; seed++) s += classSkew(labels, dirichletSplit(labels, { clients: 5, alpha, seed }).parts, 10);
    return s / 10;
  };
  const [tiny, mid, big] = [skewAt(0.05), skewAt(1), skewAt(100)];
  assert.ok(tiny > mid && mid > big, `skew ${tiny} > ${mid} > ${big}`);
  assert.ok(tiny > 0.5 && big < 0.1, `${tiny}, ${big}`);
  // An even split by hand has no skew; one class per part has skew 1 − 1/10 per part.
  assert.ok(classSkew(labels, [labels.map((_, i) => i).filter((i) => i < 500), labels.map((_, i) => i).filter((i) => i >= 500)], 10) < 1e-12);
  const byClass = Array.from({ length: 10 }, (_, c) => labels.map((_, i) => i).filter((i) => labels[i] === c));
  assert.ok(Math.abs(classSkew(labels, byClass, 10) - 0.9) < 1e-12);
});

test("dirichletSplit: no client under minRows (redrawn), and it says so when it cannot", () => {
  for (let seed = 0; seed < 5; seed++) {
    const s = dirichletSplit(labels, { clients: 10, alpha: 0.05, seed, minRows: 30 });
    assert.ok(s.parts.every((x) => x.length >= 30));
  }
  assert.throws(() => dirichletSplit(labels, { clients: 10, alpha: 0.01, seed: 0, minRows: 95, maxDraws: 3 }), /no draw in 3 \(maxDraws\).*at least 95 rows \(minRows\) at alpha 0\.01/);
});

test("dirichletSplit: bad input names the field and value", () => {
  const bad: [Record<string, number>, RegExp][] = [
    [{ alpha: 0 }, /alpha must be a finite number > 0; got 0/],
    [{ alpha: -1 }, /alpha must be a finite number > 0; got -1/],
    [{ alpha: NaN }, /alpha must be a finite number > 0; got NaN/],
    [{ clients: 1 }, /clients must be an integer ≥ 2; got 1/],
    [{ clients: 2.5 }, /clients must be an integer ≥ 2; got 2\.5/],
    [{ minRows: -1 }, /minRows must be an integer ≥ 0; got -1/],
    [{ minRows: 500 }, /labels has 1000 rows: too few for 5 clients of at least 500 rows \(minRows\)/],
  ];
  for (const [over, msg] of bad) assert.throws(() => dirichletSplit(labels, { clients: 5, alpha: 1, seed: 0, ...over }), msg);
  assert.throws(() => dirichletSplit([0, 1, -2, 1], { clients: 2, alpha: 1, seed: 0 }), /labels\[2\] must be a class index \(integer ≥ 0\); got -2/);
  assert.throws(() => gammaSample(0, new Rng(0)), /gamma shape must be a finite number > 0; got 0/);
});

test("gammaSample has mean and variance = shape; dirichletSample sums to 1", () => {
  for (const shape of [0.3, 1, 4]) {
    const rng = new Rng(11);
    const xs = Array.from({ length: 40000 }, () => gammaSample(shape, rng));
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
    assert.ok(Math.abs(m - shape) < 0.03 * shape + 0.01, `mean ${m} for shape ${shape}`);
    assert.ok(Math.abs(v - shape) < 0.08 * shape + 0.01, `variance ${v} for shape ${shape}`);
  }
  const d = dirichletSample(0.1, 6, new Rng(3));
  assert.ok(Math.abs(d.reduce((a, b) => a + b, 0) - 1) < 1e-12 && d.every((x) => x >= 0));
});

test.run();

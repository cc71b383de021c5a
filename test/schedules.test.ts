import { test } from "uvu";
import * as assert from "uvu/assert";
import { ScheduleSpec, checkSchedule, makeSchedule, sampleSchedule, withTMax } from "../src/distill/schedules";
import { claimVerdict, epochsToReach, readSpeedup, speedup } from "../src/experiment/dynamic-temperature";

const close = (a: number, b: number, msg: string) => assert.ok(Math.abs(a - b) < 1e-12, `${msg}: got ${a}, expected ${b}`);
const throws = (s: unknown, pattern: RegExp) => assert.throws(() => checkSchedule(s as ScheduleSpec), pattern);

test("constant: the same T at every step", () => {
  const f = makeSchedule({ kind: "constant", base: 4 });
  [0, 1, 1000, 1e9].forEach((t) => close(f(t), 4, `step ${t}`));
});

test("linear: T_t = base · (1 − α t / tMax), by hand", () => {
  const f = makeSchedule({ kind: "linear", base: 8, alpha: 0.5, tMax: 100, min: 1 });
  close(f(0), 8, "t = 0");
  close(f(50), 6, "t = 50: 8 · (1 − 0.5 · 0.5)");
  close(f(100), 4, "t = tMax: 8 · 0.5");
  close(f(400), 4, "held after tMax");
});

test("linear: the floor T_min stops the decay", () => {
  const f = makeSchedule({ kind: "linear", base: 8, alpha: 0.9, tMax: 3000, min: 1 });
  close(f(1500), 8 * (1 - 0.45), "t = 1500: 4.4");
  close(f(3000), 1, "8 · 0.1 = 0.8 is floored at 1");
  const g = makeSchedule({ kind: "linear", base: 2, alpha: 1, tMax: 10, min: 0.25 });
  close(g(10), 0.25, "α = 1 would reach 0; the floor keeps it at 0.25");
  assert.ok(sampleSchedule({ kind: "linear", base: 2, alpha: 1, tMax: 10, min: 0.25 }, 20).every((p) => p.temperature >= 0.25), "never below the floor");
});

test("cosine: half-way is the mean of the end points", () => {
  const f = makeSchedule({ kind: "cosine", base: 4, alpha: 0.75, tMax: 200, min: 0.5 });
  close(f(0), 4, "t = 0");
  close(f(100), 4 * (1 - 0.75 / 2), "t = tMax/2: 2.5");
  close(f(200), 1, "t = tMax: 4 · 0.25");
  close(f(50), 4 * (1 - (0.75 * (1 - Math.SQRT1_2)) / 2), "t = tMax/4");
});

test("step: multiply by γ every k steps, floored", () => {
  const f = makeSchedule({ kind: "step", base: 8, gamma: 0.5, every: 10, min: 1.5 });
  close(f(0), 8, "t = 0");
  close(f(9), 8, "t = 9");
  close(f(10), 4, "t = 10");
  close(f(25), 2, "t = 25");
  close(f(30), 1.5, "t = 30: 1 is floored at 1.5");
});

test("withTMax fills an open decay length and leaves others alone", () => {
  assert.equal(withTMax({ kind: "linear", base: 4, alpha: 0.75, min: 1 }, 2100), { kind: "linear", base: 4, alpha: 0.75, min: 1, tMax: 2100 });
  assert.equal(withTMax({ kind: "linear", base: 4, alpha: 0.75, min: 1, tMax: 5 }, 2100), { kind: "linear", base: 4, alpha: 0.75, min: 1, tMax: 5 });
  assert.equal(withTMax({ kind: "constant", base: 2 }, 2100), { kind: "constant", base: 2 });
});

test("bad settings are rejected with the field and the value", () => {
  throws({ kind: "linear", base: 0, alpha: 0.5, tMax: 10, min: 1 }, /schedule\.base must be a finite number > 0; got 0/);
  throws({ kind: "constant", base: -2 }, /schedule\.base .* got -2/);
  throws({ kind: "linear", base: 4, alpha: 1.5, tMax: 10, min: 1 }, /schedule\.alpha must be in \[0, 1\]; got 1\.5/);
  throws({ kind: "cosine", base: 4, alpha: -0.1, tMax: 10, min: 1 }, /schedule\.alpha .* got -0\.1/);
  throws({ kind: "linear", base: 4, alpha: 0.5, tMax: 10, min: 5 }, /schedule\.min must be ≤ schedule\.base \(4\); got 5/);
  throws({ kind: "linear", base: 4, alpha: 0.5, tMax: 0, min: 1 }, /schedule\.tMax must be a finite number > 0; got 0/);
  throws({ kind: "linear", base: 4, alpha: 0.5, tMax: -3, min: 1 }, /schedule\.tMax .* got -3/);
  throws({ kind: "linear", base: 4, alpha: 0.5, tMax: 10, min: 0 }, /schedule\.min must be a finite number > 0; got 0/);
  throws({ kind: "step", base: 4, gamma: 1.2, every: 10, min: 1 }, /schedule\.gamma must be in \(0, 1\]; got 1\.2/);
  throws({ kind: "step", base: 4, gamma: 0.5, every: 0, min: 1 }, /schedule\.every .* got 0/);
  throws({ kind: "exponential", base: 4 }, /schedule\.kind must be one of constant, linear, cosine, step; got "exponential"/);
  assert.throws(() => makeSchedule({ kind: "linear", base: 4, alpha: 2, tMax: 10, min: 1 }, "variants[3].schedule"), /variants\[3\]\.schedule\.alpha/);
  assert.throws(() => makeSchedule({ kind: "linear", base: 4, alpha: 0.5, tMax: 10, min: 1 })(-1), /step must be .* got -1/);
});

test("schedules are plain JSON: a round trip gives the same function", () => {
  const s: ScheduleSpec = { kind: "linear", base: 8, alpha: 0.9, tMax: 3000, min: 1 };
  const f = makeSchedule(s);
  const g = makeSchedule(JSON.parse(JSON.stringify(s)) as ScheduleSpec);
  [0, 7, 1234, 2999, 5000].forEach((t) => close(g(t), f(t), `step ${t}`));
});

test("epochs to reach and the paired speed-up", () => {
  const curve = (accs: number[]) => accs.map((testAcc, i) => ({ epoch: i + 1, testAcc, temperature: 1 }));
  assert.is(epochsToReach(curve([0.5, 0.8, 0.9, 0.95]), 0.9), 3);
  assert.is(epochsToReach(curve([0.5, 0.8]), 0.9), null);
  const r = (variant: string, seed: number, accs: number[]) => ({ variant, seed, finalAcc: accs[accs.length - 1], curve: curve(accs), ms: 0 });
  const results = [
    r("fixed", 0, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95]),
    r("fixed", 1, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95]),
    r("fixed", 2, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.85]),
    r("decay", 0, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.9, 0.9, 0.9, 0.9]),
    r("decay", 1, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.9, 0.9, 0.9]),
    r("decay", 2, [0.1, 0.2, 0.3, 0.4, 0.5, 0.9, 0.9, 0.9, 0.9, 0.9]),
  ];
  const [row] = speedup(results, "decay", "fixed", [0.9]);
  assert.is(row.pairs, 2);
  assert.is(row.onlyCandidate, 1, "seed 2: only the decay reaches 90 %");
  close(row.meanReduction!, (1 - 7 / 9 + (1 - 8 / 9)) / 2, "mean of 1 − 7/9 and 1 − 8/9");
  const text = readSpeedup([row], 0.3).join("\n");
  assert.match(text, /17 % fewer epochs/);
  assert.match(claimVerdict([row], 0.3), /supported at none; ruled out at none; undecided at 1 of 1 thresholds/);
  const all = results.filter((x) => x.seed < 2).map((x) => ({ ...x, seed: x.seed, curve: x.curve }));
  const [equal] = speedup([...all.filter((x) => x.variant === "fixed"), ...all.filter((x) => x.variant === "fixed").map((x) => ({ ...x, variant: "same" }))], "same", "fixed", [0.9]);
  assert.is(equal.meanReduction, 0, "a variant against itself: no reduction");
});

test.run();

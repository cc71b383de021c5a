import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ConfigError, configFingerprint, loadConfigFile, resolveConfig } from "../src/experiment/config";

const FIXTURE = path.join(__dirname, "fixtures", "experiments", "tiny.json");
const minimal = () => ({ data: { kind: "digits" }, teacher: { hidden: [32], training: { epochs: 2 } }, student: { hidden: [8] }, optimizer: { epochs: 3 } });

function problems(raw: unknown): ConfigError {
  try {
    resolveConfig(raw);
  } catch (err) {
    assert.instance(err, ConfigError);
    return err as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

test("defaults are filled and the resolved configuration returned", () => {
  const c = resolveConfig(minimal());
  assert.is(c.name, "experiment");
  assert.equal(c.data, { kind: "digits", testFraction: 500 / 1797, seed: 0 });
  assert.equal(c.teacher, { kind: "train", hidden: [32], activation: "relu", dropout: 0, training: { learningRate: 1e-3, batchSize: 64, epochs: 2 }, seed: 0 });
  assert.equal(c.student, { hidden: [8], activation: "relu", dropout: 0 });
  assert.equal(c.loss, { alpha: 0.5, temperature: 4, extra: {} });
  assert.equal(c.optimizer, { learningRate: 1e-3, batchSize: 64, epochs: 3 });
  assert.equal(c.seeds, [0]);
  assert.is(c.checkpoint, null);
  // Resolving a resolved configuration changes nothing.
  assert.equal(resolveConfig(JSON.parse(JSON.stringify(c))), c);
});

test("kind is inferred: a teacher or data with a path is loaded from it", () => {
  const c = resolveConfig({ ...minimal(), data: { path: "d.csv", labelColumn: "y" }, teacher: { path: "t" } }, { baseDir: "/base" });
  assert.is(c.data.kind, "csv");
  assert.is(c.teacher.kind, "load");
  if (c.data.kind === "csv") assert.is(c.data.path, "/base/d.csv", "relative paths resolved against the config's folder");
  if (c.teacher.kind === "load") assert.is(c.teacher.path, "/base/t");
});

test("temperature: a number or a schedule object (tMax may be left open), checked by the schedule module", () => {
  const c = resolveConfig({ ...minimal(), loss: { temperature: { kind: "linear", base: 8, alpha: 0.9, min: 1 } } });
  assert.equal(c.loss.temperature, { kind: "linear", base: 8, alpha: 0.9, min: 1 });
  const e = problems({ ...minimal(), loss: { temperature: { kind: "step", base: 2, gamma: 0.5, every: 10, min: 4 } } });
  assert.match(e.message, /loss\.temperature\.min: got 4; expected ≤ loss\.temperature\.base \(2\)/);
  assert.match(problems({ ...minimal(), loss: { temperature: { kind: "exp", base: 2 } } }).message, /loss\.temperature\.kind: got "exp"; expected "kind" to be one of "constant", "linear", "cosine", "step"/);
  assert.match(problems({ ...minimal(), loss: { temperature: "hot" } }).message, /loss\.temperature: got "hot"; expected a number or object/);
});

test("every bad field is reported at once, each with its path, value and what was expected", () => {
  const e = problems({
    ...minimal(),
    data: { kind: "digits", testFraction: 1.5 },
    teacher: { hidden: [32, 0], training: { epochs: 2, lerningRate: 0.1 } },
    student: { hidden: "16" },
    loss: { alpha: 1.5, temperature: 0, extra: { l2: -1 } },
    optimizer: { epochs: 2.5, batchSize: 0 },
    seeds: [1, 1],
    colour: "blue",
  });
  const got = Object.fromEntries(e.problems.map((p) => [p.path, `${p.value} | ${p.expected}`]));
  assert.equal(got, {
    "data.testFraction": "1.5 | a number < 1",
    "teacher.hidden[1]": "0 | a number > 0",
    "teacher.training.lerningRate": "0.1 | no such field (unknown field; allowed fields: epochs, batchSize, learningRate)",
    "student.hidden": '"16" | an array',
    "loss.alpha": "1.5 | a number ≤ 1",
    "loss.temperature": "0 | a number > 0",
    "loss.extra.l2": "-1 | a number ≥ 0",
    "optimizer.epochs": "2.5 | an integer",
    "optimizer.batchSize": "0 | a number > 0",
    seeds: "[1,1] | distinct seeds (a seed is repeated)",
    colour: '"blue" | no such field (unknown field; allowed fields: name, description, data, teacher, student, loss, optimizer, seeds, checkpoint, export)',
  });
  assert.match(e.message, /^invalid configuration \(11 problems\):\n  - data\.testFraction: got 1\.5; expected a number < 1\n/);
});

test("missing required fields are named", () => {
  const e = problems({ data: { kind: "csv", path: "x.csv" }, teacher: { hidden: [4] }, student: {} });
  const paths = e.problems.map((p) => `${p.path}: ${p.value}`);
  assert.equal(paths.sort(), ["data.labelColumn: missing", "optimizer: missing", "student.hidden: missing", "teacher.training: missing"]);
  assert.match(e.message, /data\.labelColumn: got missing; expected a value \(required field\): string or number/);
  assert.match(problems(null).message, /\(root\): got null; expected an object/);
});

test("a configuration file: relative paths from its folder, JSON errors name the file", () => {
  const c = loadConfigFile(FIXTURE);
  assert.is(c.name, "tiny");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cfg-"));
  const bad = path.join(dir, "bad.json");
  fs.writeFileSync(bad, '{ "data": { "kind": "digits" }, ');
  assert.throws(() => loadConfigFile(bad), (e: Error) => e.message.includes(`configuration file ${bad} is not valid JSON`));
  assert.throws(() => loadConfigFile(path.join(dir, "none.json")), /configuration file not found: .*none\.json/);
  fs.writeFileSync(bad, JSON.stringify({ ...minimal(), loss: { alpha: -0.1 } }));
  assert.throws(() => loadConfigFile(bad), (e: Error) => e.message.startsWith(`invalid configuration ${bad} (1 problem):\n  - loss.alpha: got -0.1; expected a number ≥ 0`));
  fs.rmSync(dir, { recursive: true, force: true });
});

test("the fingerprint follows the numbers, not the name or the checkpoint folder", () => {
  const a = resolveConfig(minimal());
  const b = resolveConfig({ ...minimal(), name: "other", checkpoint: { directory: "/tmp/x" } });
  const c = resolveConfig({ ...minimal(), optimizer: { epochs: 3, learningRate: 0.002 } });
  assert.is(configFingerprint(a), configFingerprint(b));
  assert.is.not(configFingerprint(a), configFingerprint(c));
  assert.is.not(configFingerprint(a, { seed: 1 }), configFingerprint(a, { seed: 2 }));
});

test.run();

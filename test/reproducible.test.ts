import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { initBackend } from "../src/backend";
import { loadConfigFile } from "../src/experiment/config";
import { runExperiment } from "../src/experiment/experiment";

const ROOT = path.resolve(__dirname, "..");
const CONFIG = path.join(__dirname, "fixtures", "experiments", "tiny.json");
let tmp: string;

test.before(async () => {
  await initBackend({ log: false });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "repro-test-"));
});
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A results file's text without its timestamps and durations. */
const withoutTimes = (file: string) => JSON.stringify(JSON.parse(fs.readFileSync(file, "utf8"), (k, v) => (["createdAt", "durationMs", "ms"].includes(k) ? undefined : v)), null, 2);

test("the same configuration and seeds give bit-identical results files", async () => {
  const a = path.join(tmp, "a.json");
  const b = path.join(tmp, "b.json");
  await runExperiment(loadConfigFile(CONFIG), { resultsPath: a });
  await runExperiment(loadConfigFile(CONFIG), { resultsPath: b });
  assert.is.not(fs.readFileSync(a, "utf8"), "");
  assert.fixture(withoutTimes(b), withoutTimes(a));
  const r = JSON.parse(fs.readFileSync(a, "utf8"));
  // The file carries the full resolved configuration and the environment.
  assert.equal(r.config, loadConfigFile(CONFIG));
  assert.is(r.environment.tfjs, "4.22.0");
  assert.ok(r.environment.backend, "backend recorded");
  assert.is(r.runs.length, 2);
  assert.match(r.fingerprint, /^[0-9a-f]{64}$/);
});

test("different seeds give different numbers", async () => {
  const r = await runExperiment({ ...JSON.parse(fs.readFileSync(CONFIG, "utf8")), seeds: [0, 7] }, { resultsPath: path.join(tmp, "c.json") });
  const losses = r.runs.map((run) => run.history.map((h) => h.loss));
  assert.not.equal(losses[0], losses[1]);
  const base = JSON.parse(fs.readFileSync(path.join(tmp, "a.json"), "utf8"));
  assert.equal(r.runs[0].history.map((h) => h.loss), base.runs[0].history.map((h: { loss: number }) => h.loss), "seed 0 is seed 0 whatever the other seeds");
});

test("a write that fails part-way (file size limit) leaves the previous file intact and no temp file", () => {
  const dir = path.join(tmp, "atomic");
  fs.mkdirSync(dir);
  const file = path.join(dir, "results.json");
  fs.writeFileSync(file, '{"previous": true}\n');
  const script = path.join(dir, "..", "write-big.ts");
  fs.writeFileSync(script, `import { writeJsonAtomic } from ${JSON.stringify(path.join(ROOT, "src", "atomic"))};\ntry { writeJsonAtomic(process.argv[2], { big: "x".repeat(1 << 20) }); } catch (e) { console.log(String(e)); process.exit(3); }\n`);
  // RLIMIT_FSIZE 64 KiB: writing the 1 MiB file fails with EFBIG half-way (SIGXFSZ ignored so the write returns an error).
  const r = spawnSync("bash", ["-c", `trap '' XFSZ; ulimit -f 64; exec npx tsx "$0" "$1"`, script, file], { cwd: ROOT, encoding: "utf8" });
  assert.is(r.status, 3, r.stdout + r.stderr);
  assert.match(r.stdout, /EFBIG/);
  assert.is(fs.readFileSync(file, "utf8"), '{"previous": true}\n');
  assert.equal(fs.readdirSync(dir), ["results.json"]);
});

test("a run that fails (diverges) leaves the previous results file as it was", async () => {
  const out = path.join(tmp, "keep.json");
  fs.writeFileSync(out, '{"previous": true}\n');
  const raw = { ...JSON.parse(fs.readFileSync(CONFIG, "utf8")), loss: { alpha: 0.5, temperature: 4, extra: { l2: 1e38 } } };
  let msg = "";
  await runExperiment(raw, { resultsPath: out }).catch((e) => (msg = String(e)));
  assert.match(msg, /student \(seed 0\): training diverged at step 0 \(epoch 1\): loss part "loss" is Infinity/);
  assert.is(fs.readFileSync(out, "utf8"), '{"previous": true}\n');
  assert.equal(fs.readdirSync(tmp).filter((f) => f.startsWith(".")), []);
});

test.run();

/** The queue's parts that need no Redis: URLs, job validation, the trial-module list, shared memory, code versions. */
import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { toSharedMemory } from "../src/experiment/pool/shared-memory";
import { codeVersion, describeVersion } from "../src/experiment/queue/code-version";
import { decode, encode, jobId, parseJobData, sha256 } from "../src/experiment/queue/job";
import { parseRedisUrl } from "../src/experiment/queue/redis-url";
import { trialModuleName, trialModulePath } from "../src/experiment/queue/trial-modules";

const ROOT = path.resolve(__dirname, "..");

test("Redis URLs: host, port, db, password (never shown), TLS for rediss://; bad ones name the field", () => {
  const t = parseRedisUrl("redis://:pa%40ss@10.0.0.5:6380/2");
  assert.equal({ host: t.options.host, port: t.options.port, db: t.options.db, password: t.options.password, tls: t.options.tls }, { host: "10.0.0.5", port: 6380, db: 2, password: "pa@ss", tls: undefined });
  assert.is(t.redacted, "redis://:***@10.0.0.5:6380/2");
  const s = parseRedisUrl("rediss://user:pw@queue.example:6379");
  assert.equal(s.options.tls, { servername: "queue.example" });
  assert.is(s.options.username, "user");
  assert.is(parseRedisUrl("redis://127.0.0.1").options.port, 6379);
  assert.throws(() => parseRedisUrl("localhost:6379", "--queue"), /--queue must start with redis:\/\/ or rediss:\/\//);
  assert.throws(() => parseRedisUrl("not a url", "--queue"), /--queue must be a redis:\/\/ or rediss:\/\/ URL .*got "not a url"/);
  assert.throws(() => parseRedisUrl("redis://h:1/x", "--queue"), /database number must be a non-negative integer; got "x"/);
});

const goodJob = () => ({
  format: 1,
  module: "temperature-sweep",
  fn: "sweepTrial",
  setup: "sweepSetup",
  code: "abc",
  data: sha256("d"),
  trialHash: sha256("t"),
  trial: encode({ seed: 1 }).toString("base64"),
  index: 0,
  total: 1,
  description: "seed 1",
});

test("a job is data, checked on arrival: a bad field is named", () => {
  assert.is(parseJobData(goodJob()).module, "temperature-sweep");
  assert.throws(() => parseJobData({ ...goodJob(), fn: "process.exit(1)" }), /field "fn"/);
  assert.throws(() => parseJobData({ ...goodJob(), data: "xyz" }), /field "data"/);
  assert.throws(() => parseJobData({ ...goodJob(), backend: "python" }), /field "backend"/);
  assert.throws(() => parseJobData("rm -rf /"), /not a trial job of this workbench/);
  assert.not.match(jobId("0123456789abcdef", sha256("t")), ":", "BullMQ job ids may not contain ':'");
});

test("only listed trial modules run: an unlisted file or name is refused", () => {
  assert.is(trialModuleName(ROOT, path.join(ROOT, "src/experiment/parallel-sweep.ts")), "temperature-sweep");
  assert.is(trialModulePath(ROOT, "fashion-mnist"), path.join(ROOT, "src/experiment/fashion-sweeps.ts"));
  assert.throws(() => trialModuleName(ROOT, path.join(ROOT, "test/fixtures/faulty-trials.ts")), /runs only the trial modules listed .*"test\/fixtures\/faulty-trials.ts" is not one of them/);
  assert.throws(() => trialModulePath(ROOT, "constructor"), /unknown trial module "constructor"/);
  assert.throws(() => trialModulePath(ROOT, "../../etc/passwd"), /unknown trial module/);
});

test("trials and results round-trip bit for bit (typed arrays, NaN, -0), which JSON would not", () => {
  const v = { x: new Float32Array([1.5, NaN]), z: -0, n: null, nested: [{ y: new Int32Array([7]) }] };
  const back = decode(encode(v)) as typeof v;
  assert.instance(back.x, Float32Array);
  assert.ok(Number.isNaN(back.x[1]) && Object.is(back.z, -0) && back.nested[0].y[0] === 7);
});

test("toSharedMemory moves typed arrays (at any depth) into shared memory, values unchanged", () => {
  const x = new Float32Array([1, 2, 3]);
  const { value, sharedBytes } = toSharedMemory({ x, list: [new Int32Array([4, 5])], name: "a", n: 3 });
  assert.ok(value.x.buffer instanceof SharedArrayBuffer && value.list[0].buffer instanceof SharedArrayBuffer);
  assert.equal(Array.from(value.x), [1, 2, 3]);
  assert.equal(Array.from(value.list[0]), [4, 5]);
  assert.is(value.name, "a");
  assert.is(sharedBytes, 12 + 8);
  assert.ok(x.buffer instanceof ArrayBuffer && !(x.buffer instanceof SharedArrayBuffer), "the caller's arrays are not touched");
});

test("code version: the commit, plus a hash of uncommitted code changes; DISTILL_CODE_VERSION overrides", () => {
  const v = codeVersion(ROOT);
  assert.match(v, /^[0-9a-f]{40}(\+[0-9a-f]{12})?$/);
  assert.match(describeVersion("0123456789abcdef+aaaabbbbcccc"), "commit 0123456789 with uncommitted changes aaaabbbbcccc");
  const saved = process.env.DISTILL_CODE_VERSION;
  process.env.DISTILL_CODE_VERSION = "release-7";
  try {
    assert.is(codeVersion(ROOT), "release-7");
  } finally {
    if (saved === undefined) delete process.env.DISTILL_CODE_VERSION;
    else process.env.DISTILL_CODE_VERSION = saved;
  }
});

test.run();

import * as assert from "uvu/assert";
import { test } from "uvu";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, encodeIdx, readIdxImages, readIdxLabels, readIdxPair } from "../src/data/idx";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "idx-test-"));
const write = (name: string, buf: Buffer, gzip = true) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, gzip ? zlib.gzipSync(buf) : buf);
  return f;
};
// 5 images of 3 × 4 pixels, value = index mod 256; labels 0..4
const n = 5, rows = 3, cols = 4;
const pixels = Uint8Array.from({ length: n * rows * cols }, (_, i) => (i * 7) % 256);
const labels = Uint8Array.from([0, 1, 2, 3, 4]);
const imgFile = write("good-images-idx3-ubyte.gz", encodeIdx(IDX_IMAGES_MAGIC, [n, rows, cols], pixels));
const labFile = write("good-labels-idx1-ubyte.gz", encodeIdx(IDX_LABELS_MAGIC, [n], labels));

const rejects = async (p: Promise<unknown>, ...parts: (string | RegExp)[]) => {
  try {
    await p;
  } catch (e) {
    const msg = (e as Error).message;
    for (const part of parts) assert.ok(typeof part === "string" ? msg.includes(part) : part.test(msg), `"${msg}" should contain ${part}`);
    return;
  }
  assert.unreachable("should have thrown");
};

test("reads good images and labels, raw and scaled", async () => {
  const img = await readIdxImages(imgFile);
  assert.is(img.count, n);
  assert.is(img.rows, rows);
  assert.is(img.cols, cols);
  assert.ok(img.data instanceof Uint8Array);
  assert.equal(Array.from(img.data), Array.from(pixels));
  const scaled = await readIdxImages(imgFile, { scale: 1 / 255 });
  assert.ok(scaled.data instanceof Float32Array);
  for (let i = 0; i < pixels.length; i++) assert.ok(Math.abs(scaled.data[i] - pixels[i] / 255) < 1e-7);
  const lab = await readIdxLabels(labFile, { numClasses: 10 });
  assert.equal(Array.from(lab.labels), [0, 1, 2, 3, 4]);
  const pair = await readIdxPair(imgFile, labFile, { expectRows: 3, expectCols: 4 });
  assert.is(pair.images.count, pair.labels.count);
});

test("streams a file larger than one gzip chunk", async () => {
  const big = Uint8Array.from({ length: 300 * 28 * 28 }, (_, i) => (i * 31) % 256);
  const f = write("big-idx3.gz", encodeIdx(IDX_IMAGES_MAGIC, [300, 28, 28], big));
  const img = await readIdxImages(f);
  assert.is(img.data.length, big.length);
  assert.ok(Buffer.from(img.data).equals(Buffer.from(big)));
});

test("truncated body: names the file, expected and found bytes", async () => {
  const full = encodeIdx(IDX_IMAGES_MAGIC, [n, rows, cols], pixels);
  const f = write("trunc-idx3.gz", full.subarray(0, full.length - 10));
  await rejects(readIdxImages(f), f, "truncated", "60 data bytes", "found only 50");
});

test("truncated header and truncated gzip stream", async () => {
  const f = write("short-idx3.gz", encodeIdx(IDX_IMAGES_MAGIC, [n, rows, cols], pixels).subarray(0, 9));
  await rejects(readIdxImages(f), f, "header takes 16 bytes", "found only 9");
  const gz = zlib.gzipSync(encodeIdx(IDX_IMAGES_MAGIC, [n, rows, cols], pixels));
  const g = write("cut-gzip-idx3.gz", gz.subarray(0, gz.length - 12), false);
  await rejects(readIdxImages(g), g);
});

test("bad magic: images file given as labels and vice versa", async () => {
  await rejects(readIdxLabels(imgFile), imgFile, "expected magic number 0x00000801", "found 0x00000803");
  await rejects(readIdxImages(labFile), labFile, "expected magic number 0x00000803", "found 0x00000801");
});

test("trailing data, wrong dimensions, label out of range", async () => {
  const f = write("long-idx1.gz", Buffer.concat([encodeIdx(IDX_LABELS_MAGIC, [n], labels), Buffer.from([1, 2])]));
  await rejects(readIdxLabels(f), f, "trailing data");
  await rejects(readIdxImages(imgFile, { expectRows: 28, expectCols: 28 }), imgFile, "expected 28 rows per image, found 3");
  await rejects(readIdxLabels(labFile, { numClasses: 3 }), labFile, "label 3 is 3");
});

test("count mismatch between images and labels", async () => {
  const f = write("four-labels-idx1.gz", encodeIdx(IDX_LABELS_MAGIC, [4], labels.subarray(0, 4)));
  await rejects(readIdxPair(imgFile, f), imgFile, f, "5 images", "4 labels");
});

test("missing file", async () => {
  await rejects(readIdxImages(path.join(dir, "nope.gz")), "not found", "nope.gz");
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
test.run();

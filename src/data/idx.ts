/**
 * IDX files (the MNIST / Fashion-MNIST format), gzip'd: `*-idx3-ubyte.gz`
 * images (magic 0x00000803, then count, rows, cols as big-endian uint32, then
 * count × rows × cols unsigned bytes) and `*-idx1-ubyte.gz` labels (magic
 * 0x00000801, then count, then count bytes). The file is streamed through
 * zlib.createGunzip straight into one preallocated typed array (pixels can be
 * scaled on the way, e.g. to float32 in [0, 1]): no full copy of the
 * decompressed file is ever held. Every check names the file, what was
 * expected and what was found.
 */
import * as fs from "fs";
import * as zlib from "zlib";

export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;

export interface IdxImages<A extends Uint8Array | Float32Array = Uint8Array | Float32Array> {
  file: string;
  count: number;
  rows: number;
  cols: number;
  /** count × rows × cols values, row-major per image. */
  data: A;
}

export interface IdxLabels {
  file: string;
  count: number;
  labels: Uint8Array;
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, "0")}`;

/**
 * Streams a gzip'd IDX file: reads the header (magic + `numDims` uint32), asks
 * `allocate` for the body's destination, then hands every body byte to
 * `write(offset, chunk)` as it arrives. Fails on a wrong magic number, a
 * truncated header or body, trailing bytes, or a broken gzip stream.
 */
async function streamIdx(file: string, magic: number, numDims: number, kind: string, allocate: (dims: number[]) => number, write: (offset: number, chunk: Uint8Array) => void): Promise<number[]> {
  if (!fs.existsSync(file)) throw new Error(`IDX ${kind} file not found: ${file}`);
  const headerLen = 4 + 4 * numDims;
  const header = Buffer.alloc(headerLen);
  let headerGot = 0;
  let dims: number[] | null = null;
  let bodyLen = 0;
  let bodyGot = 0;
  const checkMagic = () => {
    const found = header.readUInt32BE(0);
    if (found !== magic) throw new Error(`${file}: not an IDX ${kind} file: expected magic number ${hex(magic)}, found ${hex(found)}`);
  };
  const input = fs.createReadStream(file);
  const gunzip = zlib.createGunzip();
  input.on("error", (e) => gunzip.destroy(e));
  input.pipe(gunzip);
  try {
    for await (const raw of gunzip as AsyncIterable<Buffer>) {
      let chunk: Uint8Array = raw;
      if (headerGot < headerLen) {
        const take = Math.min(headerLen - headerGot, chunk.length);
        header.set(chunk.subarray(0, take), headerGot);
        headerGot += take;
        chunk = chunk.subarray(take);
        if (headerGot >= 4) checkMagic();
        if (headerGot === headerLen) {
          dims = Array.from({ length: numDims }, (_, i) => header.readUInt32BE(4 + 4 * i));
          bodyLen = allocate(dims);
        }
      }
      if (chunk.length === 0) continue;
      if (bodyGot + chunk.length > bodyLen) {
        throw new Error(`${file}: the header [${dims!.join(" × ")}] announces ${bodyLen} data bytes, but the file holds more (trailing data after byte ${headerLen + bodyLen})`);
      }
      write(bodyGot, chunk);
      bodyGot += chunk.length;
    }
  } catch (err) {
    input.destroy();
    gunzip.destroy();
    const msg = (err as Error).message;
    if (msg.startsWith(file)) throw err;
    throw new Error(`${file}: cannot decompress (${msg}); expected a gzip'd IDX ${kind} file — the download may be truncated or corrupt`);
  }
  if (headerGot >= 4) checkMagic();
  if (headerGot < headerLen) {
    throw new Error(`${file}: truncated: an IDX ${kind} header takes ${headerLen} bytes, found only ${headerGot}`);
  }
  if (bodyGot < bodyLen) {
    throw new Error(`${file}: truncated: the header [${dims!.join(" × ")}] announces ${bodyLen} data bytes, found only ${bodyGot} (${(100 * bodyGot / bodyLen).toFixed(1)} %)`);
  }
  return dims!;
}

export interface ImageReadOptions {
  /** Checks the image side(s); a mismatch fails with both shapes. */
  expectRows?: number;
  expectCols?: number;
  /** Checks the number of images. */
  expectCount?: number;
  /** When set, pixels go to a Float32Array multiplied by this factor (e.g. 1/255); otherwise raw bytes in a Uint8Array. */
  scale?: number;
}

/** Reads a gzip'd IDX3 image file into one preallocated array (Uint8Array, or Float32Array with `scale`). */
export async function readIdxImages(file: string, opts: ImageReadOptions = {}): Promise<IdxImages> {
  let data: Uint8Array | Float32Array | null = null;
  const scale = opts.scale;
  const dims = await streamIdx(
    file,
    IDX_IMAGES_MAGIC,
    3,
    "images (idx3)",
    ([count, rows, cols]) => {
      const problems: string[] = [];
      if (opts.expectRows !== undefined && rows !== opts.expectRows) problems.push(`${opts.expectRows} rows per image, found ${rows}`);
      if (opts.expectCols !== undefined && cols !== opts.expectCols) problems.push(`${opts.expectCols} columns per image, found ${cols}`);
      if (opts.expectCount !== undefined && count !== opts.expectCount) problems.push(`${opts.expectCount} images, found ${count}`);
      if (problems.length) throw new Error(`${file}: unexpected dimensions: expected ${problems.join("; ")}`);
      if (rows === 0 || cols === 0) throw new Error(`${file}: images of ${rows} × ${cols} pixels: expected positive dimensions`);
      const n = count * rows * cols;
      data = scale === undefined ? new Uint8Array(n) : new Float32Array(n);
      return n;
    },
    (offset, chunk) => {
      const out = data!;
      if (scale === undefined) (out as Uint8Array).set(chunk, offset);
      else for (let i = 0; i < chunk.length; i++) out[offset + i] = chunk[i] * scale;
    },
  );
  return { file, count: dims[0], rows: dims[1], cols: dims[2], data: data! };
}

/** Reads a gzip'd IDX1 label file; `numClasses` checks every label is below it. */
export async function readIdxLabels(file: string, opts: { expectCount?: number; numClasses?: number } = {}): Promise<IdxLabels> {
  let labels: Uint8Array | null = null;
  const [count] = await streamIdx(
    file,
    IDX_LABELS_MAGIC,
    1,
    "labels (idx1)",
    ([n]) => {
      if (opts.expectCount !== undefined && n !== opts.expectCount) throw new Error(`${file}: expected ${opts.expectCount} labels, found ${n}`);
      labels = new Uint8Array(n);
      return n;
    },
    (offset, chunk) => labels!.set(chunk, offset),
  );
  const out = labels!;
  if (opts.numClasses !== undefined) {
    for (let i = 0; i < out.length; i++) {
      if (out[i] >= opts.numClasses) throw new Error(`${file}: label ${i} is ${out[i]}; expected a class in [0, ${opts.numClasses})`);
    }
  }
  return { file, count, labels: out };
}

/** Reads an image file and its label file and checks that they hold the same number of items. */
export async function readIdxPair(imagesFile: string, labelsFile: string, opts: ImageReadOptions & { numClasses?: number } = {}): Promise<{ images: IdxImages; labels: IdxLabels }> {
  const labels = await readIdxLabels(labelsFile, { numClasses: opts.numClasses, expectCount: opts.expectCount });
  const images = await readIdxImages(imagesFile, { ...opts, expectCount: undefined });
  if (images.count !== labels.count) {
    throw new Error(`IDX count mismatch: ${imagesFile} holds ${images.count} images but ${labelsFile} holds ${labels.count} labels; expected the same number (mixed-up train/test files?)`);
  }
  return { images, labels };
}

/** Encodes an IDX file (uncompressed); gzip it with zlib.gzipSync. For tests and tools. */
export function encodeIdx(magic: number, dims: number[], body: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(body)]);
}

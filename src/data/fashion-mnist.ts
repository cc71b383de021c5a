/**
 * Fashion-MNIST (Zalando, MIT licence): 60,000 training and 10,000 test
 * greyscale images of 28×28 pixels, 10 clothing classes. The project does not
 * commit the data: the four gzip'd IDX files are looked up in
 *   1. `opts.dir`, 2. env FASHION_MNIST_DIR, 3. /usr/share/datasets/fashion-mnist/
 *      (Debian/Ubuntu package `dataset-fashion-mnist`),
 * and a missing file fails with how to get it. Pixels are scaled to [0, 1]
 * (pixel / 255) while streaming; an optional stratified subset size keeps
 * budgets small.
 */
import * as fs from "fs";
import * as path from "path";
import { Dataset } from "./dataset";
import { readIdxPair } from "./idx";
import { stratifiedPick } from "./split";

export const FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];
export const DEBIAN_FASHION_DIR = "/usr/share/datasets/fashion-mnist";
export const FASHION_FILES = {
  trainImages: "train-images-idx3-ubyte.gz",
  trainLabels: "train-labels-idx1-ubyte.gz",
  testImages: "t10k-images-idx3-ubyte.gz",
  testLabels: "t10k-labels-idx1-ubyte.gz",
} as const;

export const FASHION_HOWTO =
  "Get Fashion-MNIST with `sudo apt-get install dataset-fashion-mnist` (Debian/Ubuntu; installs to /usr/share/datasets/fashion-mnist/), " +
  "or download the four files train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz " +
  "from the data set's official repository https://github.com/zalandoresearch/fashion-mnist (folder data/fashion/) into a folder and set FASHION_MNIST_DIR to it.";

/** The folder holding the four files: opts.dir, then $FASHION_MNIST_DIR, then the Debian path. Throws with how to get them. */
export function findFashionMnist(dir?: string): string {
  const candidates: { dir: string; from: string }[] = [];
  if (dir) candidates.push({ dir, from: "the dir option" });
  else if (process.env.FASHION_MNIST_DIR) candidates.push({ dir: process.env.FASHION_MNIST_DIR, from: "FASHION_MNIST_DIR" });
  else candidates.push({ dir: DEBIAN_FASHION_DIR, from: "the Debian package's path" });
  const c = candidates[0];
  const missing = Object.values(FASHION_FILES).filter((f) => !fs.existsSync(path.join(c.dir, f)));
  if (missing.length === 0) return path.resolve(c.dir);
  throw new Error(`Fashion-MNIST not found: ${path.resolve(c.dir)} (from ${c.from}) lacks ${missing.join(", ")}. ${FASHION_HOWTO}`);
}

export interface FashionOptions {
  /** Folder with the four .gz files (default: $FASHION_MNIST_DIR, then the Debian path). */
  dir?: string;
  /** Stratified subset sizes (approximately exact: rounded per class); default all rows. */
  trainSize?: number;
  testSize?: number;
  /** Seeds the subsets. */
  seed?: number;
}

export interface FashionMnist {
  train: Dataset;
  test: Dataset;
  dir: string;
  /** Rows in the full files, before subsetting. */
  fullTrain: number;
  fullTest: number;
}

const FEATURES = Array.from({ length: 28 * 28 }, (_, i) => `px${Math.floor(i / 28)}_${i % 28}`);

function subsetOf(ds: Dataset, size: number | undefined, seed: number, what: string): Dataset {
  if (size === undefined || size >= ds.numSamples) return ds;
  if (!Number.isInteger(size) || size < ds.numClasses) throw new Error(`Fashion-MNIST ${what} size must be an integer ≥ ${ds.numClasses} (one per class); got ${size}`);
  const all = Array.from({ length: ds.numSamples }, (_, i) => i);
  const [picked] = stratifiedPick(ds.y, all, size / ds.numSamples, seed);
  return ds.subset(picked);
}

async function loadSplit(dir: string, images: string, labels: string, expectCount: number, name: string): Promise<Dataset> {
  const { images: img, labels: lab } = await readIdxPair(path.join(dir, images), path.join(dir, labels), { expectRows: 28, expectCols: 28, expectCount, numClasses: 10, scale: 1 / 255 });
  return new Dataset(img.data as Float32Array, Int32Array.from(lab.labels), FEATURES, 10, `fashion-mnist ${name} (${dir})`);
}

/** Loads Fashion-MNIST's official train/test split, pixels in [0, 1], optionally a stratified subset of each. */
export async function loadFashionMnist(opts: FashionOptions = {}): Promise<FashionMnist> {
  const dir = findFashionMnist(opts.dir);
  const seed = opts.seed ?? 0;
  const fullTrain = await loadSplit(dir, FASHION_FILES.trainImages, FASHION_FILES.trainLabels, 60000, "train");
  const fullTest = await loadSplit(dir, FASHION_FILES.testImages, FASHION_FILES.testLabels, 10000, "test");
  return {
    train: subsetOf(fullTrain, opts.trainSize, seed, "train"),
    test: subsetOf(fullTest, opts.testSize, seed + 1, "test"),
    dir,
    fullTrain: fullTrain.numSamples,
    fullTest: fullTest.numSamples,
  };
}

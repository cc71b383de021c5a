/**
 * The UCI optical digits (1,797 images of 8×8 grey levels 0–16, 10 classes),
 * shipped in data/digits.csv.gz (CC BY 4.0, see data/README.md).
 */
import * as path from "path";
import { loadCsv } from "./csv";
import { Dataset } from "./dataset";
import { Prepared, prepare } from "./prepare";
import { projectRoot } from "../paths";

export const DIGITS_PATH = path.join(projectRoot(), "data", "digits.csv.gz");

export function loadDigitsRaw(): Dataset {
  const ds = loadCsv(DIGITS_PATH, { header: false, numClasses: 10 });
  const names = ds.featureNames.map((_, i) => `px${Math.floor(i / 8)}_${i % 8}`);
  return new Dataset(ds.x, ds.y, names, 10, "digits");
}

/** Digits split 1,297 / 500 (stratified, seeded), pixels scaled from [0, 16] to [0, 1]. */
export function loadDigits(opts: { seed?: number; testFraction?: number } = {}): Prepared {
  return prepare(loadDigitsRaw(), {
    testFraction: opts.testFraction ?? 500 / 1797,
    seed: opts.seed ?? 0,
    scaling: { min: 0, max: 16 },
  });
}

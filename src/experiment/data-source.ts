/** Loads the data set an experiment configuration names (digits or a user's CSV), split and scaled. */
import * as fs from "fs";
import { sha256 } from "../core/fingerprint";
import { loadCsv } from "../data/csv";
import { loadDigits } from "../data/digits";
import { Prepared, prepare } from "../data/prepare";
import type { DatasetConfig } from "./schema/blocks";

export interface LoadedData extends Prepared {
  /** "digits" or the CSV's path. */
  source: string;
  /** sha256 of the CSV file (null for the shipped digits). */
  sha256: string | null;
}

export function loadDataset(d: DatasetConfig): LoadedData {
  if (d.kind === "digits") return { ...loadDigits({ seed: d.seed, testFraction: d.testFraction }), source: "digits", sha256: null };
  if (d.kind === "csv") {
    const ds = loadCsv(d.path, { labelColumn: d.labelColumn, header: d.header, numClasses: d.numClasses ?? undefined });
    return { ...prepare(ds, { testFraction: d.testFraction, seed: d.seed, scaling: d.scaling }), source: d.path, sha256: sha256(fs.readFileSync(d.path)) };
  }
  throw new Error(`data.kind "${d.kind}" is read by the Fashion-MNIST experiment (src/experiment/fashion.ts), not by this one`);
}

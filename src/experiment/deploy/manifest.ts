/** What a deployment site's manifest.json holds: enough for the page to load and check the student. */
import type { NgramHashing } from "../../data/char-ngrams";

export interface SiteManifest {
  kind: "text";
  title: string;
  /** Where the student came from (a folder, relative to the project when inside it). */
  source: string;
  classNames: string[];
  hashing: NgramHashing;
  /** The teacher shipped with the site (fastText lid.176), or null. */
  teacher: { name: string; licence: string } | null;
  /** Fixed texts and the probabilities Node computed for them (student; teacher when present). */
  fixed: { text: string; student: number[]; teacher: number[] | null }[];
  builtAt: string;
}

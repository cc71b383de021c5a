/** What a deployment site's manifest.json holds: enough for the page to load and check its models. */
import type { NgramHashing } from "../../data/char-ngrams";
import type { ImageInput } from "../../models/image-input";

interface Common {
  title: string;
  /** Where the student came from (a folder, relative to the project when inside it). */
  source: string;
  classNames: string[];
  /** The teacher shipped with the site, or null. */
  teacher: { name: string; licence?: string } | null;
  builtAt: string;
}

export interface TextManifest extends Common {
  kind: "text";
  hashing: NgramHashing;
  /** Fixed texts and the probabilities Node computed for them (student; teacher when present). */
  fixed: { text: string; student: number[]; teacher: number[] | null }[];
}

export interface ImageManifest extends Common {
  kind: "image";
  image: Omit<ImageInput, "examples">;
  /** The examples (scaled inputs, labels) and Node's probabilities for them. */
  fixed: { x: number[]; label: number; student: number[]; teacher: number[] | null }[];
}

export type SiteManifest = TextManifest | ImageManifest;

/**
 * Debian's fortune-cookie packages as a labelled multilingual text corpus:
 * `fortunes` (English, the files at the root of /usr/share/games/fortunes),
 * `fortunes-de`, `fortunes-es`, `fortunes-it` (the de/, es/, it/ folders).
 * A file holds records separated by lines that are just "%". The package's
 * language is the label (used for evaluation only in the black-box setting).
 *
 * Cleaning, in order: bytes decoded as UTF-8 (Latin-1 when a file is not
 * valid UTF-8); overstrike ("_\bX", "X\bX": old terminals' bold/underline)
 * reduced to the struck character; ANSI escape sequences and other control
 * characters removed; whitespace collapsed to single spaces (fastText reads a
 * text as one line); records with fewer than `minLetters` letters dropped;
 * duplicates within a language dropped; a text found in two languages dropped.
 * Symlinks, .dat/.u8 index files and sub-folders (e.g. es/off) are skipped.
 */
import * as fs from "fs";
import * as path from "path";

export const DEFAULT_FORTUNES_DIR = "/usr/share/games/fortunes";

/** Where each language's files are (relative to the fortunes folder; "" = the root's regular files) and its Debian package. */
export const FORTUNE_LANGUAGES: Record<string, { dir: string; debianPackage: string }> = {
  en: { dir: "", debianPackage: "fortunes" },
  de: { dir: "de", debianPackage: "fortunes-de" },
  es: { dir: "es", debianPackage: "fortunes-es" },
  it: { dir: "it", debianPackage: "fortunes-it" },
};

export interface FortuneText {
  text: string;
  /** The package's language: the label. */
  language: string;
  /** The file it came from, relative to the fortunes folder. */
  file: string;
}

export interface FortuneStats {
  files: number;
  records: number;
  empty: number;
  tooShort: number;
  duplicates: number;
  /** Texts found under two languages (dropped from both). */
  ambiguous: number;
  /** Files read as Latin-1 because they were not valid UTF-8. */
  latin1Files: string[];
  perLanguage: Record<string, number>;
}

export interface FortuneCorpus {
  dir: string;
  languages: string[];
  texts: FortuneText[];
  stats: FortuneStats;
}

export interface LoadFortunesOptions {
  /** Default: DISTILL_FORTUNES_DIR, else /usr/share/games/fortunes. */
  dir?: string;
  /** Default: en, de, es, it. */
  languages?: string[];
  /** Records with fewer letters are dropped (default 20). */
  minLetters?: number;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const latin1 = new TextDecoder("latin1");

/** Decodes a file's bytes: UTF-8, or Latin-1 when they are not valid UTF-8. */
export function decodeFortuneBytes(bytes: Uint8Array): { text: string; encoding: "utf-8" | "latin1" } {
  try {
    return { text: utf8.decode(bytes), encoding: "utf-8" };
  } catch {
    return { text: latin1.decode(bytes), encoding: "latin1" };
  }
}

/** One record cleaned: overstrike, escapes and control characters removed, whitespace collapsed. */
export function cleanFortune(record: string): string {
  let s = record;
  // Overstrike: "c\bd" prints d over c; repeat for chains such as "_\b_\bX".
  for (let prev = ""; prev !== s; ) {
    prev = s;
    s = s.replace(/[^\x08\n]\x08([^\x08\n])/gu, "$1");
  }
  s = s.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, ""); // ANSI CSI sequences
  s = s.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g, "");
  return s.replace(/\s+/gu, " ").trim();
}

/** The records of one fortune file's text (separated by lines holding only "%"), cleaned; empty ones kept as "". */
export function parseFortunes(content: string): string[] {
  const lines = content.replace(/\r\n?/g, "\n").split("\n");
  const records: string[] = [];
  let current: string[] = [];
  const flush = () => {
    records.push(cleanFortune(current.join("\n")));
    current = [];
  };
  for (const line of lines) {
    if (line.trim() === "%") flush();
    else current.push(line);
  }
  if (current.some((l) => l.trim() !== "")) flush();
  return records;
}

function countLetters(s: string): number {
  let n = 0;
  for (const _ of s.matchAll(/\p{L}/gu)) n++;
  return n;
}

function fortuneFiles(folder: string): string[] {
  return fs
    .readdirSync(folder, { withFileTypes: true })
    .filter((e) => e.isFile() && !e.isSymbolicLink() && !/\.(dat|u8)$/.test(e.name))
    .map((e) => e.name)
    .sort();
}

function missing(lang: string, folder: string, why: string): Error {
  const pkg = FORTUNE_LANGUAGES[lang]?.debianPackage ?? `fortunes-${lang}`;
  return new Error(`fortune texts for language "${lang}" not found: ${folder} ${why}. Install Debian's ${pkg} (apt-get install ${pkg}), or point DISTILL_FORTUNES_DIR at a folder laid out like ${DEFAULT_FORTUNES_DIR}`);
}

/** Reads, cleans and deduplicates the fortunes of the given languages. */
export function loadFortunes(opts: LoadFortunesOptions = {}): FortuneCorpus {
  const dir = path.resolve(opts.dir ?? process.env.DISTILL_FORTUNES_DIR ?? DEFAULT_FORTUNES_DIR);
  const languages = opts.languages ?? ["en", "de", "es", "it"];
  const minLetters = opts.minLetters ?? 20;
  if (!Number.isInteger(minLetters) || minLetters < 0) throw new Error(`minLetters must be a non-negative integer; got ${minLetters}`);
  if (languages.length < 2) throw new Error(`languages must list at least two languages; got ${JSON.stringify(languages)}`);
  if (new Set(languages).size !== languages.length) throw new Error(`languages must not repeat; got ${JSON.stringify(languages)}`);
  const stats: FortuneStats = { files: 0, records: 0, empty: 0, tooShort: 0, duplicates: 0, ambiguous: 0, latin1Files: [], perLanguage: {} };
  const byText = new Map<string, FortuneText>();
  const ambiguous = new Set<string>();
  for (const lang of languages) {
    const known = FORTUNE_LANGUAGES[lang];
    if (!known) throw new Error(`unknown fortune language "${lang}" (known: ${Object.keys(FORTUNE_LANGUAGES).join(", ")})`);
    const folder = path.join(dir, known.dir);
    if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) throw missing(lang, folder, "is not a folder");
    const files = fortuneFiles(folder);
    if (files.length === 0) throw missing(lang, folder, "holds no fortune files");
    const seen = new Set<string>();
    for (const name of files) {
      const rel = path.join(known.dir, name);
      const decoded = decodeFortuneBytes(fs.readFileSync(path.join(folder, name)));
      if (decoded.encoding === "latin1") stats.latin1Files.push(rel);
      stats.files++;
      for (const text of parseFortunes(decoded.text)) {
        stats.records++;
        if (text === "") stats.empty++;
        else if (countLetters(text) < minLetters) stats.tooShort++;
        else if (seen.has(text)) stats.duplicates++;
        else {
          seen.add(text);
          const other = byText.get(text);
          if (other) ambiguous.add(text);
          else byText.set(text, { text, language: lang, file: rel });
        }
      }
    }
  }
  const texts = [...byText.values()].filter((t) => !ambiguous.has(t.text));
  stats.ambiguous = ambiguous.size;
  for (const lang of languages) stats.perLanguage[lang] = texts.filter((t) => t.language === lang).length;
  for (const lang of languages) if (stats.perLanguage[lang] === 0) throw missing(lang, path.join(dir, FORTUNE_LANGUAGES[lang].dir), `has no record with ${minLetters} letters or more`);
  return { dir, languages, texts, stats };
}

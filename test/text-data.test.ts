/** Fortune parsing (records, encodings, overstrike, empty records, missing packages) and the n-gram hashing. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cleanFortune, decodeFortuneBytes, loadFortunes, parseFortunes } from "../src/data/fortunes";
import { FNV_OFFSET, encodeTexts, fnv1a, ngramIds, ngramSlots } from "../src/data/char-ngrams";

test("fortune records: split on % lines, empty records kept as empty, whitespace collapsed, CRLF", () => {
  assert.equal(parseFortunes("first line\n  second\n%\n%\nthird\r\n%\r\n\n"), ["first line second", "", "third"]);
  assert.equal(parseFortunes("only one, no separator"), ["only one, no separator"]);
  assert.equal(parseFortunes("a\n%\n   \n"), ["a"]);
});

test("overstrike, ANSI escapes and control characters are removed", () => {
  assert.is(cleanFortune("_\bH_\bi b\bbo\bol\bld"), "Hi bold");
  assert.is(cleanFortune("_\b_\bX"), "X");
  assert.is(cleanFortune("\x1b[1mloud\x1b[0m and\x07 clear"), "loud and clear");
});

test("encodings: valid UTF-8 stays UTF-8; other bytes are read as Latin-1", () => {
  assert.equal(decodeFortuneBytes(Buffer.from("Straße €", "utf8")), { text: "Straße €", encoding: "utf-8" });
  assert.equal(decodeFortuneBytes(Buffer.from([0x53, 0x74, 0x72, 0x61, 0xdf, 0x65])), { text: "Straße", encoding: "latin1" });
});

function fixture(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fortunes-"));
  fs.mkdirSync(path.join(dir, "de"));
  fs.mkdirSync(path.join(dir, "es", "off"), { recursive: true });
  fs.writeFileSync(path.join(dir, "wisdom"), "A long enough English fortune about wisdom.\n%\nShort.\n%\nA long enough English fortune about wisdom.\n%\nShared text that appears in two languages!\n%\n");
  fs.writeFileSync(path.join(dir, "wisdom.dat"), "binary index");
  fs.symlinkSync(path.join(dir, "wisdom"), path.join(dir, "wisdom.u8"));
  fs.writeFileSync(path.join(dir, "de", "sprueche"), Buffer.concat([Buffer.from("Ein langer deutscher Spruch \xfcber die Stra", "latin1"), Buffer.from([0xdf]), Buffer.from("e.\n%\nShared text that appears in two languages!\n%\n", "latin1")]));
  fs.writeFileSync(path.join(dir, "es", "refranes.fortunes"), "Un refrán español bastante largo para contar.\n%\n");
  fs.writeFileSync(path.join(dir, "es", "off", "hidden.fortunes"), "Esto no se lee porque está en una subcarpeta.\n%\n");
  return dir;
}

test("loadFortunes: languages from the layout, index files, symlinks and sub-folders skipped, short/duplicate/ambiguous texts dropped", () => {
  const dir = fixture();
  try {
    const c = loadFortunes({ dir, languages: ["en", "de", "es"], minLetters: 20 });
    assert.equal(c.texts.map((t) => [t.language, t.text]), [
      ["en", "A long enough English fortune about wisdom."],
      ["de", "Ein langer deutscher Spruch über die Straße."],
      ["es", "Un refrán español bastante largo para contar."],
    ]);
    assert.equal(
      { files: c.stats.files, records: c.stats.records, tooShort: c.stats.tooShort, duplicates: c.stats.duplicates, ambiguous: c.stats.ambiguous, latin1: c.stats.latin1Files },
      { files: 3, records: 7, tooShort: 1, duplicates: 1, ambiguous: 1, latin1: ["de/sprueche"] },
    );
    assert.throws(() => loadFortunes({ dir, languages: ["en", "it"] }), /language "it" not found: .*\/it is not a folder\. Install Debian's fortunes-it \(apt-get install fortunes-it\)/);
    assert.throws(() => loadFortunes({ dir, languages: ["en", "xx"] }), /unknown fortune language "xx"/);
    assert.throws(() => loadFortunes({ dir, languages: ["en"] }), /at least two languages/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("FNV-1a 32 matches its published test vectors; n-gram ids are fixed values (stable across runs and platforms)", () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  assert.is(fnv1a(enc("")), FNV_OFFSET);
  assert.is(fnv1a(enc("a")), 0xe40c292c);
  assert.is(fnv1a(enc("foobar")), 0xbf9cf968);
  const p = { buckets: 1000, orders: [1, 2], maxChars: 3, lowercase: true };
  // " ab " → 1-grams " ", "a", "b", " "; 2-grams " a", "ab", "b ".
  const expected = [" ", "a", "b", " ", " a", "ab", "b "].map((g) => 1 + (fnv1a(enc(g)) % 1000));
  assert.equal(ngramIds("AB", p), expected);
  // Golden values computed independently (Python: FNV-1a over str.encode("utf-8")).
  assert.equal(ngramIds("AB", p), [160, 221, 78, 160, 299, 947, 944]);
  assert.equal(ngramIds("Grüße", { buckets: 65536, orders: [2, 3], maxChars: 10, lowercase: true }), [17097, 34973, 41723, 47837, 37495, 46145, 2767, 42020, 50605, 61756, 23907]);
});

test("encodeTexts: rows of ngramSlots ids (n-grams in order: all 1-grams, 2-grams, …), cut at maxChars, padded with 0; empty text is an error naming its index", () => {
  const p = { buckets: 50, orders: [1, 2, 3], maxChars: 4, lowercase: false };
  assert.is(ngramSlots(p), 6 + 5 + 4);
  const x = encodeTexts(["hi", "a much longer text"], p);
  assert.is(x.length, 2 * 15);
  assert.equal(Array.from(x.slice(0, 15)).map((v) => (v === 0 ? 0 : 1)), [1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
  assert.ok(Array.from(x.slice(15)).every((v) => v >= 1 && v <= 50), "a long text fills every slot");
  assert.equal(Array.from(encodeTexts(["a much"], p)), Array.from(x.slice(15)), "only the first maxChars characters count");
  assert.throws(() => encodeTexts(["fine", "  \n "], p), /text 1 is empty/);
  assert.throws(() => encodeTexts(["x"], { ...p, orders: [] }), /orders must be a non-empty list/);
  assert.throws(() => encodeTexts(["x"], { ...p, buckets: 0 }), /buckets must be an integer/);
});

test.run();

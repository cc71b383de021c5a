/**
 * Hashed character n-grams, the input of a fastText-like student: a text is
 * lower-cased, cut to `maxChars` code points and framed by one space on each
 * side; each n-gram of code points (n in `orders`) is hashed with 32-bit
 * FNV-1a over its UTF-8 bytes and mapped to a bucket id in 1..buckets (0 is
 * padding). Integer arithmetic only (Math.imul), so ids are the same on every
 * run, platform and backend — in Node and in the browser. Every text becomes
 * a row of ngramSlots(p) ids, n-grams in text order, then zeros.
 */

export interface NgramHashing {
  /** Number of hash buckets (ids 1..buckets). */
  buckets: number;
  /** The n-gram lengths, e.g. [1, 2, 3]. */
  orders: number[];
  /** Code points kept from the start of each text. */
  maxChars: number;
  /** Lower-case before hashing. */
  lowercase: boolean;
}

export const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** 32-bit FNV-1a of bytes, as an unsigned integer. */
export function fnv1a(bytes: ArrayLike<number>): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], FNV_PRIME);
  return h >>> 0;
}

const encoder = new TextEncoder();

export function checkHashing(p: NgramHashing): void {
  if (!Number.isInteger(p.buckets) || p.buckets < 1 || p.buckets > 1 << 24) throw new Error(`buckets must be an integer in [1, 2^24]; got ${p.buckets}`);
  if (!Array.isArray(p.orders) || p.orders.length === 0 || p.orders.some((n) => !Number.isInteger(n) || n < 1 || n > 8)) {
    throw new Error(`orders must be a non-empty list of integers in [1, 8]; got ${JSON.stringify(p.orders)}`);
  }
  if (new Set(p.orders).size !== p.orders.length) throw new Error(`orders must not repeat; got ${JSON.stringify(p.orders)}`);
  if (!Number.isInteger(p.maxChars) || p.maxChars < 1) throw new Error(`maxChars must be a positive integer; got ${p.maxChars}`);
}

/** Ids per row: every n-gram of a framed text of maxChars code points. */
export function ngramSlots(p: NgramHashing): number {
  const len = p.maxChars + 2;
  return p.orders.reduce((s, n) => s + Math.max(0, len - n + 1), 0);
}

/** The code points of a text as the student reads it: cleaned, cut, framed by spaces. */
export function framedCodePoints(text: string, p: NgramHashing): string[] {
  const s = p.lowercase ? text.toLowerCase() : text;
  return [" ", ...Array.from(s).slice(0, p.maxChars), " "];
}

/** The bucket ids of one text's n-grams, in text order (no padding). */
export function ngramIds(text: string, p: NgramHashing): number[] {
  const chars = framedCodePoints(text, p).map((c) => encoder.encode(c));
  const ids: number[] = [];
  for (const n of p.orders) {
    for (let i = 0; i + n <= chars.length; i++) {
      let h = FNV_OFFSET;
      for (let k = i; k < i + n; k++) {
        const b = chars[k];
        for (let j = 0; j < b.length; j++) h = Math.imul(h ^ b[j], FNV_PRIME);
      }
      ids.push(1 + ((h >>> 0) % p.buckets));
    }
  }
  return ids;
}

/**
 * Rows of ids for many texts, [texts.length × ngramSlots(p)] row-major, as
 * float32 (exact below 2^24) so that they travel like any feature matrix.
 */
export function encodeTexts(texts: string[], p: NgramHashing): Float32Array {
  checkHashing(p);
  const slots = ngramSlots(p);
  const out = new Float32Array(texts.length * slots);
  texts.forEach((t, r) => {
    if (typeof t !== "string" || t.trim() === "") throw new Error(`text ${r} is empty: every text needs at least one character that is not a space`);
    out.set(ngramIds(t, p), r * slots);
  });
  return out;
}

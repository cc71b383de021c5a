/**
 * Fingerprints of plain values: JSON with sorted keys (equal values give equal
 * strings) and sha256. Configurations, checkpoints and results files all use
 * them, so they sit below every layer.
 *
 * Compiles under tslab's TypeScript 5.0 (non-strict): no satisfies/const generics.
 */
import * as crypto from "crypto";

/** JSON with object keys sorted, so equal values give equal strings. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, val) =>
    val && typeof val === "object" && !Array.isArray(val) ? Object.fromEntries(Object.keys(val).sort().map((k) => [k, (val as Record<string, unknown>)[k]])) : val,
  );
}

export function sha256(data: string | Uint8Array): string {
  return crypto.createHash("sha256").update(data).digest("hex");
}

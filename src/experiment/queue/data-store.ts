/**
 * The shared data of a sweep, stored once in Redis under its hash (the
 * coordinator writes it, every worker reads it once per sweep and checks the
 * hash). It expires a week after its last use.
 */
import type { Redis } from "ioredis";
import { decode, sha256 } from "./job";

const TTL_S = 7 * 24 * 3600;
const key = (hash: string) => `distill:data:${hash}`;

export async function putData(redis: Redis, bytes: Buffer): Promise<string> {
  const hash = sha256(bytes);
  const stored = await redis.set(key(hash), bytes, "EX", TTL_S, "NX");
  if (stored === null) await redis.expire(key(hash), TTL_S);
  return hash;
}

export interface FetchedData {
  value: unknown;
  bytes: number;
}

/** The data with this hash; an error saying what differs when the bytes hash to something else. */
export async function getData(redis: Redis, hash: string): Promise<FetchedData> {
  const bytes = await redis.getBuffer(key(hash));
  if (!bytes) throw new Error(`the job's data set (sha256 ${hash.slice(0, 12)}…) is not in Redis (expired, or written to another Redis)`);
  const got = sha256(bytes);
  if (got !== hash) throw new Error(`data differs: the job needs data with sha256 ${hash.slice(0, 12)}…, what this worker read hashes to ${got.slice(0, 12)}…`);
  return { value: decode(bytes), bytes: bytes.length };
}

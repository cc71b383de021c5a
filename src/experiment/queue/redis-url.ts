/**
 * The queue's Redis address: redis://[:PASSWORD@]HOST[:PORT][/DB] or
 * rediss://… (TLS). Parsed once into ioredis options; the password never
 * appears in a message (`redacted`).
 */
import type { RedisOptions } from "ioredis";

export interface RedisTarget {
  /** The URL as given. */
  url: string;
  /** The URL with its password replaced by ***, for messages. */
  redacted: string;
  options: RedisOptions;
}

export function parseRedisUrl(raw: string, field = "queue URL"): RedisTarget {
  const text = raw.trim();
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new Error(`${field} must be a redis:// or rediss:// URL (e.g. redis://127.0.0.1:6379); got "${text}"`);
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") throw new Error(`${field} must start with redis:// or rediss://; got "${u.protocol}//…" in "${redact(u)}"`);
  if (!u.hostname) throw new Error(`${field} names no host: "${redact(u)}"`);
  const port = u.port ? Number(u.port) : 6379;
  const dbText = u.pathname.replace(/^\//, "");
  const db = dbText ? Number(dbText) : 0;
  if (!Number.isInteger(db) || db < 0) throw new Error(`${field}: the database number must be a non-negative integer; got "${dbText}" in "${redact(u)}"`);
  const host = u.hostname.replace(/^\[|\]$/g, "");
  const options: RedisOptions = {
    host,
    port,
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === "rediss:" ? { tls: { servername: host } } : {}),
  };
  return { url: text, redacted: redact(u), options };
}

function redact(u: URL): string {
  if (!u.password) return u.href.replace(/\/$/, "");
  const c = new URL(u.href);
  c.password = "***";
  return c.href.replace(/\/$/, "");
}

/**
 * Connections to the queue's Redis. `reachRedis` fails within a few seconds
 * with a message naming the URL when Redis cannot be reached, refuses the
 * connection or is too old for BullMQ (≥ 5; 6.2 recommended), instead of
 * letting a client retry forever in silence.
 */
import type { ConnectionOptions } from "bullmq";
import { Redis } from "ioredis";
import type { RedisTarget } from "./redis-url";

/** Options for the clients BullMQ holds (a blocking worker needs maxRetriesPerRequest null). */
export function bullConnection(target: RedisTarget): ConnectionOptions {
  const { host, port, db, username, password, tls } = target.options;
  return { host, port, db, username, password, tls, maxRetriesPerRequest: null, enableReadyCheck: true };
}

/** A plain client for our own keys, after checking that Redis answers; fails within timeoutMs. */
export async function reachRedis(target: RedisTarget, timeoutMs = 5000): Promise<Redis> {
  const client = new Redis({ ...target.options, lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 1, retryStrategy: () => null, enableOfflineQueue: false });
  let lastError: Error | undefined;
  client.on("error", (err: Error) => (lastError = err)); // reported below, not as an unhandled event
  let timer: NodeJS.Timeout | undefined;
  try {
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${(timeoutMs / 1000).toFixed(0)} s`)), timeoutMs);
    });
    await Promise.race([client.connect(), deadline]);
    const info = await Promise.race([client.info("server"), deadline]);
    const version = /redis_version:(\d+)\.(\d+)/.exec(info);
    if (version && Number(version[1]) < 5) throw new Error(`Redis ${version[1]}.${version[2]} is too old for BullMQ (needs ≥ 5, recommends ≥ 6.2)`);
  } catch (err) {
    client.disconnect();
    const why = lastError ? lastError.message : err instanceof Error ? err.message : String(err);
    throw new Error(`cannot use the trial queue at ${target.redacted}: ${why}`);
  } finally {
    clearTimeout(timer);
  }
  // From here on the client may reconnect (a brief network hiccup must not end a long sweep).
  client.options.retryStrategy = (times: number) => Math.min(200 * times, 2000);
  client.options.enableOfflineQueue = true;
  return client;
}

/**
 * Checks of semi-supervised configurations and methods built in code, by the
 * same zod schemas as the experiment file (schema/semi-supervised.ts): a bad
 * field throws a ConfigError naming its path, its value and what was expected.
 */
import { parseWith } from "./config";
import { sslMethod, sslRunSchema } from "./schema/semi-supervised";
import type { SslConfig, SslMethod } from "./semi-supervised-types";

export function checkSslMethod(m: SslMethod, field: string): void {
  parseWith(sslMethod, m, field);
}

export function checkSslConfig(c: SslConfig): void {
  parseWith(sslRunSchema, c, "semi-supervised configuration");
}

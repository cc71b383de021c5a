/**
 * The temperature-sweep configuration (notebook 01) as a zod schema, so a
 * notebook's config gets the same checks as an experiment file: every bad or
 * unknown field reported at once, with its path, value and what was expected.
 */
import { z } from "zod";
import { mlpShape, obj, parseWith, posInt, positive, seed } from "./config";
import type { TemperatureSweepConfig } from "./temperature-sweep";

const TemperatureSweepSchema = obj({
  dataSeed: seed.default(0),
  teacher: obj({ ...mlpShape, epochs: posInt, batchSize: posInt.default(64), learningRate: positive.default(1e-3), seed: seed.default(0) }),
  sweep: obj({
    student: obj({ ...mlpShape, batchSize: posInt.default(64), learningRate: positive.default(1e-3) }),
    temperatures: z.array(positive).min(1),
    alpha: z.number().min(0).lt(1, "alpha = 1 ignores the teacher: every temperature would equal the hard-label baseline"),
    seeds: z.array(seed).min(1),
    settings: z.array(obj({ name: z.string().min(1), trainFraction: z.number().gt(0).max(1), epochs: posInt })).min(1),
  }),
});

export interface ResolvedSweepConfig {
  dataSeed: number;
  teacher: { hidden: number[]; activation: "relu" | "tanh" | "elu" | "sigmoid" | "linear"; dropout: number; epochs: number; batchSize: number; learningRate: number; seed: number };
  sweep: TemperatureSweepConfig;
}

/** Validates a temperature-sweep configuration and fills its defaults. */
export function resolveSweepConfig(raw: unknown): ResolvedSweepConfig {
  return parseWith(TemperatureSweepSchema, raw, "temperature-sweep configuration") as ResolvedSweepConfig;
}

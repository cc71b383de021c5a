/** The shape of a loss registry entry, and small helpers the entries share. */
import { z } from "zod";
import type { BuildEnv, LossTerm, ModelShapes } from "./types";

/**
 * A loss: its name, its parameters' schema and how to build its term. `P` is
 * written out by each entry rather than inferred from the schema: the tslab
 * kernel compiles without strictNullChecks, where zod's inferred types make
 * every field optional.
 */
export interface LossEntry<P = Record<string, unknown>> {
  /** The name a configuration uses: { "loss": name, "weight": w, ...params }. */
  name: string;
  /** One line for error messages and docs. */
  summary: string;
  /** The entry's own parameters (besides loss, weight and name), validated strictly. */
  params: z.AnyZodObject;
  create: (params: P, term: { weight: number; name?: string; env: BuildEnv }) => LossTerm;
}

export function defineLoss<P>(e: LossEntry<P>): LossEntry<P> {
  return e;
}

export const featureName = z.string().min(1);
export const layerIndex = z.number().int();

/** The shape of a named feature, or an error naming what the model has. */
export function featureShape(m: ModelShapes | undefined, feature: string, role: "student" | "teacher"): number[] {
  if (!m) throw new Error(`needs a ${role} model that exposes features (cached teacher logits carry none)`);
  const s = m.features[feature];
  if (!s) throw new Error(`${role} ${m.name} has no feature "${feature}" (it has: ${Object.keys(m.features).join(", ") || "none"})`);
  return s;
}

/** A non-negative attention layer index, or an error naming the range. */
export function attentionLayer(m: ModelShapes | undefined, i: number, role: "student" | "teacher"): number {
  if (!m) throw new Error(`needs a ${role} model with attention maps`);
  const n = m.attentions.length;
  if (n === 0) throw new Error(`${role} ${m.name} returns no attention maps (not an attention model)`);
  const k = i < 0 ? n + i : i;
  if (k < 0 || k >= n) throw new Error(`${role} ${m.name} has ${n} attention layers; layer ${i} does not exist`);
  return k;
}

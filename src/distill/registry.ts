/**
 * The loss registry: every loss the trainer can compose, by name. A
 * configuration lists terms as plain data — { "loss": "kd", "weight": 0.5,
 * "temperature": 4 } — and buildLossTerms turns them into LossTerms after
 * checking each one's parameters. Adding a loss: one file in terms/ and one
 * line in ENTRIES.
 */
import { z } from "zod";
import type { LossEntry } from "./terms/entry";
import type { BuildEnv, LossTerm } from "./terms/types";
import { ceEntry } from "./terms/ce";
import { kdEntry } from "./terms/kd";
import { dkdEntry } from "./terms/dkd";
import { crdEntry } from "./terms/crd";
import { hintEntry } from "./terms/hint";
import { attentionEntry } from "./terms/attention";
import { spEntry } from "./terms/sp";
import { rkdDistanceEntry } from "./terms/rkd-distance";
import { rkdAngleEntry } from "./terms/rkd-angle";
import { pseudoLabelEntry } from "./terms/pseudo-label";
import { consistencyEntry } from "./terms/consistency";
import { l2Entry } from "./terms/l2";
import { confidencePenaltyEntry } from "./terms/confidence-penalty";

const ENTRIES: LossEntry<any>[] = [
  ceEntry,
  kdEntry,
  dkdEntry,
  crdEntry,
  hintEntry,
  attentionEntry,
  spEntry,
  rkdDistanceEntry,
  rkdAngleEntry,
  pseudoLabelEntry,
  consistencyEntry,
  l2Entry,
  confidencePenaltyEntry,
];

const BY_NAME = new Map(ENTRIES.map((e) => [e.name, e]));

/** One term of a configuration: the loss's name, its weight, an optional part name, and the loss's own parameters. */
export interface LossSpec {
  loss: string;
  weight: number;
  name?: string;
  [param: string]: unknown;
}

export const lossSpecSchema = z
  .object({ loss: z.string(), weight: z.number().finite().min(0), name: z.string().min(1).optional() })
  .passthrough()
  .superRefine((v, ctx) => {
    const e = BY_NAME.get(v.loss);
    if (!e) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["loss"], message: `unknown loss "${v.loss}"; known: ${knownLosses().join(", ")}` });
      return;
    }
    const { loss: _l, weight: _w, name: _n, ...params } = v;
    const r = e.params.strict().safeParse(params);
    if (!r.success) for (const i of r.error.issues) ctx.addIssue({ ...i, path: i.path });
  });

export function knownLosses(): string[] {
  return ENTRIES.map((e) => e.name);
}

export function lossEntry(name: string): LossEntry<any> {
  const e = BY_NAME.get(name);
  if (!e) throw new Error(`unknown loss "${name}"; known: ${knownLosses().join(", ")}`);
  return e;
}

/** Checks every spec (all problems at once, each with its index) and builds the terms; `env` gives shapes, seed and inputs. */
export function buildLossTerms(specs: LossSpec[], env: Omit<BuildEnv, "index">, field = "losses"): LossTerm[] {
  const problems: string[] = [];
  specs.forEach((s, i) => {
    const r = lossSpecSchema.safeParse(s);
    if (!r.success) for (const issue of r.error.issues) problems.push(`${field}[${i}]${s && typeof s.loss === "string" ? ` (${s.loss})` : ""}${issue.path.length ? "." + issue.path.join(".") : ""}: ${issue.message}`);
  });
  if (problems.length) throw new Error(`invalid loss terms:\n  - ${problems.join("\n  - ")}`);
  const seen = new Map<string, number>();
  const terms: LossTerm[] = [];
  try {
    specs.forEach((s, i) => {
      const e = lossEntry(s.loss);
      const index = seen.get(e.name) ?? 0;
      seen.set(e.name, index + 1);
      const { loss: _l, weight, name, ...params } = s;
      try {
        terms.push(e.create(e.params.strict().parse(params), { weight, name, env: { ...env, index } }));
      } catch (err) {
        throw new Error(`${field}[${i}] (${s.loss}): ${(err as Error).message}`);
      }
    });
  } catch (err) {
    terms.forEach((t) => t.dispose?.());
    throw err;
  }
  const names = terms.map((t) => t.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) {
    terms.forEach((t) => t.dispose?.());
    throw new Error(`${field}: two terms are named "${dup}"; give one a "name"`);
  }
  return terms;
}

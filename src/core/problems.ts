/**
 * Problems with a plain value, said the same way everywhere: zod's issues
 * flattened into one { path, value, expected } per bad field, a short display
 * of a value, and the dotted paths where two JSON-like values differ (for
 * mismatch messages). Used by configurations, checkpoints and results files.
 *
 * Compiles under tslab's TypeScript 5.0 (non-strict): no satisfies/const generics.
 */
import { z } from "zod";
import { canonicalJson } from "./fingerprint";

export interface ConfigProblem {
  /** Dotted path, e.g. "loss.alpha" or "seeds[2]". */
  path: string;
  /** The offending value as JSON (or "missing"). */
  value: string;
  /** What was expected. */
  expected: string;
}

function pathString(p: (string | number)[]): string {
  let s = "";
  for (const k of p) s += typeof k === "number" ? `[${k}]` : s ? `.${k}` : k;
  return s || "(root)";
}

function valueAt(root: unknown, p: (string | number)[]): { found: boolean; value: unknown } {
  let v: unknown = root;
  for (const k of p) {
    if (v === null || typeof v !== "object" || !(k in (v as object))) return { found: false, value: undefined };
    v = (v as Record<string | number, unknown>)[k];
  }
  return { found: true, value: v };
}

export function showValue(v: unknown, max = 80): string {
  if (v === undefined) return "missing";
  let s: string;
  try {
    s = typeof v === "number" && !Number.isFinite(v) ? String(v) : JSON.stringify(v);
  } catch {
    s = String(v);
  }
  if (s === undefined) s = String(v);
  return s.length > max ? s.slice(0, max - 1) + "…" : s;
}

const bound = (inclusive: boolean, lower: boolean) => (lower ? (inclusive ? "≥" : ">") : inclusive ? "≤" : "<");

function expectedText(issue: z.ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      if (issue.expected === "integer") return "an integer";
      if (issue.received === "undefined") return `a value (required field): ${issue.expected}`;
      return `${issue.expected === "array" ? "an array" : issue.expected === "object" ? "an object" : `a ${issue.expected}`}`;
    case "too_small":
      if (issue.type === "array") return `at least ${issue.minimum} item(s)`;
      if (issue.type === "string") return `a string of at least ${issue.minimum} character(s)`;
      return `a number ${bound(issue.inclusive, true)} ${issue.minimum}`;
    case "too_big":
      if (issue.type === "array") return `at most ${issue.maximum} item(s)`;
      if (issue.type === "string") return `a string of at most ${issue.maximum} character(s)`;
      return `a number ${bound(issue.inclusive, false)} ${issue.maximum}`;
    case "not_finite":
      return "a finite number";
    case "invalid_enum_value":
      return `one of ${issue.options.map((o) => JSON.stringify(o)).join(", ")}`;
    case "invalid_literal":
      return JSON.stringify(issue.expected);
    case "invalid_union_discriminator":
      return `"${issue.path[issue.path.length - 1] ?? "kind"}" to be one of ${issue.options.map((o) => JSON.stringify(o)).join(", ")}`;
    case "invalid_string":
      return issue.message;
    default:
      return issue.message;
  }
}

/** zod's issues flattened into ConfigProblems (unions narrowed to the branch the value was meant for). */
export function formatIssues(issues: z.ZodIssue[], input: unknown): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const issue of issues) {
    if (issue.code === "invalid_union") {
      // Keep the branches that got past the type check at the union's own path.
      const here = pathString(issue.path);
      const meant = issue.unionErrors.filter((e) => !e.issues.some((i) => i.code === "invalid_type" && pathString(i.path) === here));
      if (meant.length === 1) {
        out.push(...formatIssues(meant[0].issues, input));
        continue;
      }
      const kinds = issue.unionErrors.map((e) => {
        const t = e.issues.find((i) => i.code === "invalid_type" && pathString(i.path) === here);
        return t && t.code === "invalid_type" ? t.expected : "another form";
      });
      const { found, value } = valueAt(input, issue.path);
      const kindList = [...new Set(kinds)].join(" or ");
      out.push({ path: here, value: found ? showValue(value) : "missing", expected: found ? `a ${kindList}` : `a value (required field): ${kindList}` });
      continue;
    }
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        const p = [...issue.path, key];
        out.push({ path: pathString(p), value: showValue(valueAt(input, p).value), expected: `no such field (unknown field; ${issue.message})` });
      }
      continue;
    }
    const { found, value } = valueAt(input, issue.path);
    if (issue.code === "custom" && issue.params?.complete) {
      // A check from another module whose message reads "<field> must be <what>; got <value>".
      const m = /^(\S+) must be (.*); got (.*)$/.exec(issue.message);
      out.push(m ? { path: m[1], value: m[3], expected: m[2] } : { path: pathString(issue.path), value: showValue(value), expected: issue.message });
      continue;
    }
    out.push({ path: pathString(issue.path), value: found ? showValue(value) : "missing", expected: expectedText(issue) });
  }
  // One line per problem even when zod reports it twice (e.g. through a preprocess).
  const seen = new Set<string>();
  return out.filter((p) => {
    const k = `${p.path}|${p.expected}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Dotted paths where two JSON-like values differ, with both values (for mismatch messages). */
export function diffValues(a: unknown, b: unknown, at = ""): string[] {
  const isObj = (v: unknown) => v !== null && typeof v === "object";
  if (isObj(a) && isObj(b) && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a as object), ...Object.keys(b as object)])].sort();
    return keys.flatMap((k) => diffValues((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], Array.isArray(a) ? `${at}[${k}]` : at ? `${at}.${k}` : k));
  }
  return canonicalJson(a) === canonicalJson(b) ? [] : [`${at || "(root)"}: ${showValue(a)} vs ${showValue(b)}`];
}

/**
 * Checks of multi-teacher configurations built in code, by the same zod
 * schemas as the experiment files (schema/multi-teacher-weighting.ts): a bad
 * field throws a ConfigError naming its path, its value and what was expected.
 */
import { ConfigError, parseWith } from "./config";
import { multiTeacherDigitsSchema, multiTeacherRunSchema, weighting } from "./schema/multi-teacher-weighting";
import type { MultiTeacherConfig, MultiTeacherRunConfig, Weighting } from "./multi-teacher-types";

export function checkMultiTeacherRunConfig(c: MultiTeacherRunConfig): void {
  parseWith(multiTeacherRunSchema, c, "multi-teacher configuration");
}

export function checkMultiTeacherConfig(c: MultiTeacherConfig): void {
  parseWith(multiTeacherDigitsSchema, c, "multi-teacher configuration");
}

/** One weighting, for `numTeachers` teachers (what a trial checks before it runs). */
export function checkWeighting(w: Weighting, numTeachers: number, field: string): void {
  parseWith(weighting, w, field);
  if (w.kind === "single" && w.teacher >= numTeachers) throw new ConfigError([{ path: `${field}.teacher`, value: String(w.teacher), expected: `an index of teachers: 0 … ${numTeachers - 1}` }], field);
}

/**
 * Vega-lite specs for notebook 09 (a pretrained black-box teacher): accuracy
 * against the number of teacher queries, paired gains over the reference,
 * disagreements with the teacher, and the teacher per language.
 */
import type { TopLevelSpec } from "vega-lite";

const SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

interface BudgetPoint {
  variant: string;
  budget: number;
  meanAcc: number;
  minAcc: number;
  maxAcc: number;
}

/**
 * Test accuracy (mean, band min–max over seeds) against teacher queries, log scale; the teacher as a dashed
 * rule. Two panels: the whole climb, and the top of it magnified (where the targets differ by tenths of a point).
 */
export function queryBudgetSpec(rows: BudgetPoint[], teacherAcc: number, title = "Student test accuracy vs teacher queries (mean, band: min–max over seeds); dashed: the teacher"): TopLevelSpec {
  const color = { field: "variant", type: "nominal", title: null, sort: null, legend: { orient: "bottom", columns: 3 } } as const;
  const x = { field: "budget", type: "quantitative", title: "texts labelled by the teacher (queries, log scale)", scale: { type: "log" } } as const;
  const floor = Math.min(...rows.map((r) => r.minAcc));
  const panel = (domain: [number, number], height: number, yTitle: string) => ({
    width: 460,
    height,
    layer: [
      { data: { values: rows }, mark: { type: "area", opacity: 0.15, clip: true }, encoding: { x, y: { field: "minAcc", type: "quantitative", scale: { domain } }, y2: { field: "maxAcc" }, color } },
      {
        data: { values: rows },
        mark: { type: "line", point: true, strokeWidth: 2, clip: true },
        encoding: {
          x,
          y: { field: "meanAcc", type: "quantitative", title: yTitle, scale: { domain } },
          color,
          tooltip: [{ field: "variant" }, { field: "budget" }, { field: "meanAcc", format: ".4f" }],
        },
      },
      { data: { values: [{ teacherAcc }] }, mark: { type: "rule", strokeDash: [6, 4], color: "black" }, encoding: { y: { field: "teacherAcc", type: "quantitative" } } },
    ],
  });
  return {
    $schema: SCHEMA,
    title,
    vconcat: [panel([Math.floor(floor * 20) / 20, 1], 220, "test accuracy"), panel([0.985, 1], 160, "test accuracy (top of the range)")],
  } as TopLevelSpec;
}

/** Paired difference in test accuracy against the reference (mean and 95 % interval over seeds), per budget. */
export function pairedGainSpec(
  rows: { variant: string; budget: number; meanDiff: number; ciLow: number | null; ciHigh: number | null }[],
  reference: string,
): TopLevelSpec {
  const values = rows.map((r) => ({ ...r, lo: r.ciLow ?? r.meanDiff, hi: r.ciHigh ?? r.meanDiff }));
  const x = { field: "budget", type: "ordinal", title: "teacher queries", sort: null } as const;
  const color = { field: "variant", type: "nominal", title: null, sort: null, legend: { orient: "bottom" } } as const;
  return {
    $schema: SCHEMA,
    title: `Paired gain in test accuracy over "${reference}" (mean over seeds, bar: 95 % interval)`,
    width: 460,
    height: 240,
    data: { values },
    layer: [
      { mark: { type: "rule", color: "gray" }, encoding: { y: { datum: 0 } } },
      { mark: { type: "errorbar", ticks: true }, encoding: { x, xOffset: { field: "variant", sort: null }, y: { field: "lo", type: "quantitative", title: "accuracy difference" }, y2: { field: "hi" }, color } },
      { mark: { type: "point", filled: true, size: 50 }, encoding: { x, xOffset: { field: "variant", sort: null }, y: { field: "meanDiff", type: "quantitative" }, color, tooltip: [{ field: "variant" }, { field: "budget" }, { field: "meanDiff", format: "+.4f" }] } },
    ],
  } as TopLevelSpec;
}

/** Per seed: test texts where student and teacher disagree, split by who was right. */
export function disagreementSpec(rows: { seed: number; studentRight: number; teacherRight: number; bothWrong: number }[], title: string): TopLevelSpec {
  const values = rows.flatMap((r) => [
    { seed: `seed ${r.seed}`, who: "student right", texts: r.studentRight },
    { seed: `seed ${r.seed}`, who: "teacher right", texts: r.teacherRight },
    { seed: `seed ${r.seed}`, who: "both wrong", texts: r.bothWrong },
  ]);
  return {
    $schema: SCHEMA,
    title,
    width: 360,
    height: 200,
    data: { values },
    mark: "bar",
    encoding: {
      y: { field: "seed", type: "nominal", title: null },
      x: { field: "texts", type: "quantitative", title: "test texts where student ≠ teacher" },
      color: { field: "who", type: "nominal", title: null, sort: ["student right", "teacher right", "both wrong"], legend: { orient: "bottom" } },
      tooltip: [{ field: "seed" }, { field: "who" }, { field: "texts" }],
    },
  } as TopLevelSpec;
}

/** The teacher per language on the test texts: its error rate (top-1 in the set ≠ package language) and its mean probability mass outside the set. */
export function teacherLanguagesSpec(rows: { language: string; accuracy: number; meanOutside: number }[]): TopLevelSpec {
  const values = rows.flatMap((r) => [
    { language: r.language, measure: "error rate", value: 1 - r.accuracy },
    { language: r.language, measure: "mass outside the set", value: r.meanOutside },
  ]);
  return {
    $schema: SCHEMA,
    title: "fastText lid.176 on the test texts, per language",
    width: 180,
    height: 160,
    data: { values },
    facet: { column: { field: "measure", type: "nominal", title: null } },
    spec: { mark: "bar", encoding: { x: { field: "language", type: "nominal", title: null }, y: { field: "value", type: "quantitative", title: null }, tooltip: [{ field: "language" }, { field: "value", format: ".4f" }] } },
    resolve: { scale: { y: "independent" } },
  } as TopLevelSpec;
}

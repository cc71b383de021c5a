/**
 * Vega-lite specs for notebooks 04 (semi-supervised distillation) and 05
 * (progressive stages). Plain data in, a spec with its data inlined out.
 */
import type { TopLevelSpec } from "vega-lite";

const SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

/** Pseudo-label coverage and accuracy against the confidence threshold: mean line, min–max band over seeds. */
export function thresholdSpec(
  rows: { threshold: number; coverage: number; coverageMin: number; coverageMax: number; accuracy: number | null; accuracyMin: number | null; accuracyMax: number | null }[],
  title = "Teacher pseudo-labels on the unlabelled rows vs confidence threshold (mean, band: min–max over seeds)",
): TopLevelSpec {
  const values = rows.flatMap((r) => [
    { threshold: r.threshold, measure: "coverage (kept / unlabelled)", value: r.coverage, lo: r.coverageMin, hi: r.coverageMax },
    ...(r.accuracy === null ? [] : [{ threshold: r.threshold, measure: "accuracy of kept pseudo-labels", value: r.accuracy, lo: r.accuracyMin, hi: r.accuracyMax }]),
  ]);
  const color = { field: "measure", type: "nominal", title: null, sort: null, legend: { labelLimit: 260, orient: "bottom" } } as const;
  return {
    $schema: SCHEMA,
    title,
    width: 420,
    height: 240,
    data: { values },
    layer: [
      { mark: { type: "area", opacity: 0.2 }, encoding: { x: { field: "threshold", type: "quantitative" }, y: { field: "lo", type: "quantitative" }, y2: { field: "hi" }, color } },
      {
        mark: { type: "line", point: true, strokeWidth: 2 },
        encoding: {
          x: { field: "threshold", type: "quantitative", title: "confidence threshold (max probability at T = 1)" },
          y: { field: "value", type: "quantitative", title: "fraction", scale: { zero: false } },
          color,
          tooltip: [{ field: "measure" }, { field: "threshold" }, { field: "value", format: ".3f" }],
        },
      },
    ],
  } as TopLevelSpec;
}

/** Test accuracy against optimiser steps (mean over seeds) per variant, with the progressive run's stage boundaries as rules. */
export function stagedCurvesSpec(
  points: { budget: string; variant: string; step: number; testAcc: number }[],
  boundaries: { budget: string; stage: string; step: number }[],
  title = "Test accuracy over training (mean over seeds); dashed: stage boundaries of the progressive run",
): TopLevelSpec {
  return {
    $schema: SCHEMA,
    title,
    facet: { column: { field: "budget", type: "nominal", title: null, sort: null } },
    data: { values: [...points.map((p) => ({ ...p, kind: "curve" })), ...boundaries.map((b) => ({ ...b, kind: "boundary" }))] },
    spec: {
      width: 320,
      height: 220,
      layer: [
        {
          transform: [{ filter: "datum.kind === 'curve'" }],
          mark: { type: "line", strokeWidth: 1.5, clip: true },
          encoding: {
            x: { field: "step", type: "quantitative", title: "optimiser step" },
            y: { field: "testAcc", type: "quantitative", title: "test accuracy", scale: { domain: [0.8, 1] } },
            color: { field: "variant", type: "nominal", sort: null },
          },
        },
        { transform: [{ filter: "datum.kind === 'boundary'" }], mark: { type: "rule", strokeDash: [4, 4], color: "gray" }, encoding: { x: { field: "step", type: "quantitative" } } },
      ],
    },
    resolve: { scale: { x: "independent" } },
  } as TopLevelSpec;
}

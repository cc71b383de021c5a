/**
 * Vega-lite specs for notebook 10 (federated distillation). Plain data in, a
 * spec with its data inlined out.
 */
import type { TopLevelSpec } from "vega-lite";

const SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

export interface RoundPoint {
  alpha: number;
  method: string;
  round: number;
  /** "clients (mean)" or "ensemble", say. */
  measure: string;
  mean: number;
  min: number;
  max: number;
}

/** Test accuracy per round per method (mean line, min–max band over seeds): one column per α, one row per measure. */
export function federatedRoundsSpec(points: RoundPoint[], title = "Test accuracy per round (mean over seeds, band: min–max); columns: Dirichlet α"): TopLevelSpec {
  const color = { field: "method", type: "nominal", title: null, sort: null, legend: { orient: "bottom", labelLimit: 240 } } as const;
  return {
    $schema: SCHEMA,
    title,
    data: { values: points.map((p) => ({ ...p, alphaLabel: `α = ${p.alpha}` })) },
    facet: {
      column: { field: "alphaLabel", type: "nominal", title: null, sort: null },
      row: { field: "measure", type: "nominal", title: null, sort: null },
    },
    spec: {
      width: 300,
      height: 200,
      layer: [
        { mark: { type: "area", opacity: 0.15 }, encoding: { x: { field: "round", type: "quantitative" }, y: { field: "min", type: "quantitative" }, y2: { field: "max" }, color } },
        {
          mark: { type: "line", point: true, strokeWidth: 2 },
          encoding: {
            x: { field: "round", type: "quantitative", title: "round (0 = after the first local training)", axis: { tickMinStep: 1 } },
            y: { field: "mean", type: "quantitative", title: "test accuracy", scale: { zero: false } },
            color,
            tooltip: [{ field: "method" }, { field: "alphaLabel", title: "α" }, { field: "round" }, { field: "mean", format: ".3f" }, { field: "min", format: ".3f" }, { field: "max", format: ".3f" }],
          },
        },
      ],
    },
    resolve: { scale: { y: "independent" } },
  } as TopLevelSpec;
}

/** Bytes one client sends per communicating round, per method (methods that send nothing are not drawn). */
export function bytesSpec(rows: { method: string; perRound: number; total: number }[], title = "Bytes one client sends per communicating round"): TopLevelSpec {
  return {
    $schema: SCHEMA,
    title,
    width: 420,
    height: 30 * Math.max(1, rows.length),
    data: { values: rows.filter((r) => r.perRound > 0) },
    layer: [
      {
        mark: { type: "bar" },
        encoding: {
          y: { field: "method", type: "nominal", title: null, sort: null, axis: { labelLimit: 260 } },
          x: { field: "perRound", type: "quantitative", title: "bytes per client per round", scale: { zero: true } },
          color: { field: "method", type: "nominal", legend: null, sort: null },
          tooltip: [{ field: "method" }, { field: "perRound", title: "bytes per round", format: "," }, { field: "total", title: "bytes over the run", format: "," }],
        },
      },
      {
        mark: { type: "text", align: "left", dx: 4 },
        encoding: { y: { field: "method", type: "nominal", sort: null }, x: { field: "perRound", type: "quantitative" }, text: { field: "perRound", type: "quantitative", format: "," } },
      },
    ],
  } as TopLevelSpec;
}

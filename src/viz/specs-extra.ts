/**
 * Vega-lite specs for notebooks 02 (temperature schedules) and 03 (multi-teacher
 * weighting). Plain data in, a spec with its data inlined out, as in specs.ts.
 */
import type { TopLevelSpec } from "vega-lite";

const SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

/** The temperature each schedule gives over training (x in epochs). */
export function scheduleSpec(points: { variant: string; epoch: number; temperature: number }[], title = "Distillation temperature over training"): TopLevelSpec {
  return {
    $schema: SCHEMA,
    title,
    width: 420,
    height: 200,
    data: { values: points },
    mark: { type: "line", strokeWidth: 2 },
    encoding: {
      x: { field: "epoch", type: "quantitative", title: "epoch" },
      y: { field: "temperature", type: "quantitative", title: "temperature T", scale: { zero: true } },
      color: { field: "variant", type: "nominal", sort: null, title: "variant" },
      strokeDash: { field: "variant", type: "nominal", sort: null, legend: null },
    },
  } as TopLevelSpec;
}

/** Epochs to reach each accuracy threshold: mean with min–max whiskers per variant, one row per threshold. */
export function epochsToReachSpec(
  rows: { variant: string; threshold: number; meanEpochs: number | null; minEpochs: number | null; maxEpochs: number | null; reached: number; runs: number }[],
  title = "Epochs to reach a test accuracy (mean, min–max over seeds that reached it)",
): TopLevelSpec {
  const values = rows
    .filter((r) => r.meanEpochs !== null)
    .map((r) => ({ ...r, target: `≥ ${(100 * r.threshold).toFixed(0)} %`, label: `${r.reached}/${r.runs}` }));
  const y = { field: "variant", type: "nominal", sort: null, title: null } as const;
  return {
    $schema: SCHEMA,
    title,
    data: { values },
    facet: { row: { field: "target", type: "nominal", title: null, sort: null } },
    spec: {
      width: 360,
      height: { step: 16 },
      layer: [
        { mark: { type: "rule" }, encoding: { y, x: { field: "minEpochs", type: "quantitative", title: "epochs" }, x2: { field: "maxEpochs" }, color: { field: "variant", type: "nominal", sort: null, legend: null } } },
        {
          mark: { type: "point", filled: true, size: 50 },
          encoding: {
            y,
            x: { field: "meanEpochs", type: "quantitative" },
            color: { field: "variant", type: "nominal", sort: null, legend: null },
            tooltip: [{ field: "variant" }, { field: "meanEpochs", format: ".1f" }, { field: "label", title: "runs that reached it" }],
          },
        },
      ],
    },
    resolve: { scale: { x: "shared" } },
  } as TopLevelSpec;
}

/** The layers of one accuracy-per-variant panel: every seed as a dot, mean as a tick, optional reference lines. */
function accuracyLayers(rows: { variant: string; seed: number; testAcc: number }[], references: { label: string; testAcc: number }[]): unknown[] {
  const y = { field: "variant", type: "nominal", sort: null, title: null, axis: { labelLimit: 280 } } as const;
  const x = { field: "testAcc", type: "quantitative", title: "test accuracy", scale: { zero: false } } as const;
  const layers: unknown[] = [
    { data: { values: rows }, mark: { type: "circle", size: 40, opacity: 0.5 }, encoding: { y, x, tooltip: [{ field: "variant" }, { field: "seed" }, { field: "testAcc", format: ".3f" }] } },
    { data: { values: rows }, mark: { type: "tick", thickness: 3, size: 16, color: "black" }, encoding: { y, x: { ...x, aggregate: "mean" } } },
  ];
  if (references.length) {
    layers.push({ data: { values: references }, mark: { type: "rule", strokeDash: [4, 4], color: "gray" }, encoding: { x: { field: "testAcc", type: "quantitative" } } });
    layers.push({ data: { values: references }, mark: { type: "text", angle: 270, align: "left", baseline: "bottom", dx: 4, dy: -2, fontSize: 9, color: "gray" }, encoding: { x: { field: "testAcc", type: "quantitative" }, y: { value: 0 }, text: { field: "label" } } });
  }
  return layers;
}

/** Final test accuracy per variant: every seed as a dot, mean as a tick, optional reference lines (e.g. teachers, ensemble). */
export function accuracyByVariantSpec(
  rows: { variant: string; seed: number; testAcc: number }[],
  references: { label: string; testAcc: number }[] = [],
  title = "Student test accuracy per variant (dots: seeds, bar: mean)",
): TopLevelSpec {
  return { $schema: SCHEMA, title, width: 420, height: { step: 22 }, layer: accuracyLayers(rows, references) } as TopLevelSpec;
}

/**
 * accuracyByVariantSpec for several regimes (e.g. all rows vs a fraction of
 * them), one panel each, stacked, each with its own accuracy axis.
 */
export function accuracyByRegimeSpec(
  panels: { regime: string; rows: { variant: string; seed: number; testAcc: number }[]; references?: { label: string; testAcc: number }[] }[],
  title = "Student test accuracy per variant and regime (dots: seeds, bar: mean)",
): TopLevelSpec {
  if (panels.length === 0) throw new Error("accuracyByRegimeSpec: no panels");
  return {
    $schema: SCHEMA,
    title,
    vconcat: panels.map((p) => ({ title: { text: p.regime, fontSize: 12, anchor: "start" }, width: 420, height: { step: 22 }, layer: accuracyLayers(p.rows, p.references ?? []) })),
    resolve: { scale: { x: "independent" } },
  } as TopLevelSpec;
}

/** Each teacher's weight over epochs (mean over seeds), one panel per weighting. */
export function teacherWeightsSpec(points: { variant: string; teacher: string; epoch: number; weight: number }[], title = "Teacher weights over training (mean over seeds; per-sample: mean over rows)"): TopLevelSpec {
  return {
    $schema: SCHEMA,
    title,
    data: { values: points },
    facet: { column: { field: "variant", type: "nominal", title: null, sort: [...new Set(points.map((p) => p.variant))] } },
    spec: {
      width: 160,
      height: 160,
      mark: { type: "line", strokeWidth: 2 },
      encoding: {
        x: { field: "epoch", type: "quantitative" },
        y: { field: "weight", type: "quantitative", title: "weight", scale: { domain: [0, 1] } },
        color: { field: "teacher", type: "nominal", sort: null },
        tooltip: [{ field: "teacher" }, { field: "epoch" }, { field: "weight", format: ".3f" }],
      },
    },
  } as TopLevelSpec;
}

/**
 * Vega-Lite specs for notebook 06 (feature, attention and relational
 * distillation): accuracy per variant with its spread over seeds, attention
 * similarity over training, and teacher vs student attention maps as heatmaps.
 */
import type { TopLevelSpec } from "vega-lite";

/** Test accuracy per variant: one dot per seed, mean ± 1 sd. */
export function featureAccuracySpec(rows: { variant: string; seed: number; testAcc: number }[], order: string[], title = "Student test accuracy by kind of knowledge (dots: seeds; bar: mean ± 1 sd)"): TopLevelSpec {
  const values = rows.map((r) => ({ variant: r.variant, seed: String(r.seed), acc: 100 * r.testAcc }));
  const y = { field: "variant", type: "nominal" as const, sort: order, title: null };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title,
    width: 420,
    height: { step: 28 },
    data: { values },
    layer: [
      { mark: { type: "errorbar", extent: "stdev", ticks: true }, encoding: { y, x: { field: "acc", type: "quantitative", scale: { zero: false }, title: "test accuracy (%)" } } },
      { mark: { type: "point", filled: true, size: 70, color: "black" }, encoding: { y, x: { aggregate: "mean", field: "acc", type: "quantitative" } } },
      { mark: { type: "point", opacity: 0.6 }, encoding: { y, x: { field: "acc", type: "quantitative" }, color: { field: "seed", type: "nominal", title: "seed" } } },
    ],
  } as TopLevelSpec;
}

/** Attention similarity (mean cosine, student vs teacher, test rows) per epoch, mean over seeds per variant. */
export function attentionSimilaritySpec(points: { variant: string; seed: number; epoch: number; attentionSimilarity: number | null }[], order: string[], every = 5): TopLevelSpec {
  const values = points.filter((p) => p.attentionSimilarity !== null && (p.epoch % every === 0 || p.epoch === 1)).map((p) => ({ variant: p.variant, seed: p.seed, epoch: p.epoch, sim: p.attentionSimilarity }));
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title: "Attention similarity to the teacher during training (mean over seeds, band: ± 1 sd)",
    width: 480,
    height: 260,
    data: { values },
    layer: [
      { mark: { type: "errorband", extent: "stdev", opacity: 0.2 }, encoding: { x: { field: "epoch", type: "quantitative" }, y: { field: "sim", type: "quantitative", scale: { zero: false }, title: "mean cosine (samples × heads)" }, color: { field: "variant", type: "nominal", sort: order } } },
      { mark: "line", encoding: { x: { field: "epoch", type: "quantitative" }, y: { aggregate: "mean", field: "sim", type: "quantitative" }, color: { field: "variant", type: "nominal", sort: order, title: "variant" } } },
    ],
  } as TopLevelSpec;
}

/** Cells of attention heatmaps: one panel per (model, head), query row × key row. */
export function attentionCells(label: string, maps: number[][][], withMean = true): { panel: string; query: number; key: number; weight: number }[] {
  const cells: { panel: string; query: number; key: number; weight: number }[] = [];
  maps.forEach((m, h) => m.forEach((row, q) => row.forEach((w, k) => cells.push({ panel: `${label} · head ${h + 1}`, query: q + 1, key: k + 1, weight: w }))));
  if (withMean) {
    maps[0].forEach((row, q) => row.forEach((_, k) => cells.push({ panel: `${label} · heads averaged`, query: q + 1, key: k + 1, weight: maps.reduce((a, m) => a + m[q][k], 0) / maps.length })));
  }
  return cells;
}

/** Heatmaps side by side (rows of panels wrap), shared colour scale 0–max. */
export function attentionHeatmapSpec(cells: { panel: string; query: number; key: number; weight: number }[], title: string, columns = 5): TopLevelSpec {
  const panels = [...new Set(cells.map((c) => c.panel))];
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title,
    data: { values: cells },
    facet: { field: "panel", type: "nominal", sort: panels, title: null, header: { labelFontSize: 10 } },
    columns,
    spec: {
      width: 110,
      height: 110,
      mark: "rect",
      encoding: {
        x: { field: "key", type: "ordinal", title: "key (image row)" },
        y: { field: "query", type: "ordinal", title: "query (image row)" },
        color: { field: "weight", type: "quantitative", scale: { scheme: "viridis", domainMin: 0 }, title: "attention" },
      },
    },
  } as TopLevelSpec;
}

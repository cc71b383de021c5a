/**
 * Vega-lite specs built from result rows. Each function returns plain data
 * (a spec with its data inlined), so a chart can be shown, saved or re-made
 * from the results JSON alone.
 */
import type { TopLevelSpec } from "vega-lite";

const WIDTH = 260;

/** Distinct values in order of first appearance: facets keep the order the config gave. */
const inOrder = (values: string[]): string[] => [...new Set(values)];
const HEIGHT = 200;

/**
 * Test accuracy against temperature, one panel per setting: mean over seeds
 * with a ±1 standard deviation band, every seed as a faint dot, and the
 * hard-label baseline's mean as a dashed line.
 */
export function accuracyVsTemperatureSpec(
  rows: { setting: string; temperature: number | null; seed: number; testAcc: number }[],
  title = "Student test accuracy vs distillation temperature",
): TopLevelSpec {
  const values = rows.map((r) => ({ setting: r.setting, temperature: r.temperature, seed: r.seed, accuracy: r.testAcc, kind: r.temperature === null ? "hard labels" : "distilled" }));
  const x = { field: "temperature", type: "quantitative", title: "temperature T (log scale)", scale: { type: "log", base: 2 }, axis: { values: [...new Set(rows.map((r) => r.temperature).filter((t) => t !== null))] } } as const;
  const y = { type: "quantitative", title: "test accuracy", scale: { zero: false } } as const;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title,
    data: { values },
    facet: { column: { field: "setting", type: "nominal", title: null, sort: inOrder(rows.map((r) => r.setting)) } },
    resolve: { scale: { y: "independent" } },
    spec: {
      width: WIDTH,
      height: HEIGHT,
      layer: [
        {
          transform: [{ filter: "datum.kind === 'distilled'" }],
          mark: { type: "errorband", extent: "stdev", color: "#4c78a8", opacity: 0.25 },
          encoding: { x, y: { ...y, field: "accuracy" } },
        },
        {
          transform: [{ filter: "datum.kind === 'distilled'" }],
          mark: { type: "line", point: true, color: "#4c78a8" },
          encoding: { x, y: { ...y, field: "accuracy", aggregate: "mean" }, tooltip: [{ field: "accuracy", aggregate: "mean", format: ".3f", title: "mean accuracy" }, { field: "temperature" }] },
        },
        {
          transform: [{ filter: "datum.kind === 'distilled'" }],
          mark: { type: "circle", size: 14, opacity: 0.35, color: "#4c78a8" },
          encoding: { x, y: { ...y, field: "accuracy" }, tooltip: [{ field: "seed" }, { field: "accuracy", format: ".3f" }] },
        },
        {
          transform: [{ filter: "datum.kind === 'hard labels'" }],
          mark: { type: "rule", strokeDash: [6, 4], color: "#e45756" },
          encoding: { y: { ...y, field: "accuracy", aggregate: "mean" }, tooltip: [{ field: "accuracy", aggregate: "mean", format: ".3f", title: "hard-label mean" }] },
        },
        {
          transform: [{ filter: "datum.kind === 'hard labels'" }, { aggregate: [{ op: "mean", field: "accuracy", as: "accuracy" }] }],
          mark: { type: "text", text: "hard labels only", align: "left", dx: 4, dy: -6, color: "#e45756", fontSize: 10 },
          encoding: { x: { datum: rows.find((r) => r.temperature !== null)?.temperature ?? 1, type: "quantitative", scale: x.scale }, y: { ...y, field: "accuracy" } },
        },
      ],
    },
  } as TopLevelSpec;
}

/** Mean entropy of the teacher's soft targets against temperature, with the uniform distribution's ln(C) as a ceiling. */
export function entropyVsTemperatureSpec(rows: { temperature: number; entropy: number }[], numClasses: number): TopLevelSpec {
  const ceiling = Math.log(numClasses);
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title: "Softness of the teacher's targets: entropy of softmax(z / T)",
    width: 360,
    height: HEIGHT,
    layer: [
      {
        data: { values: rows },
        mark: { type: "line", point: true },
        encoding: {
          x: { field: "temperature", type: "quantitative", title: "temperature T (log scale)", scale: { type: "log", base: 2 } },
          y: { field: "entropy", type: "quantitative", title: "mean entropy (nats)" },
          tooltip: [{ field: "temperature" }, { field: "entropy", format: ".3f" }],
        },
      },
      {
        data: { values: [{ ceiling, label: `uniform over ${numClasses} classes: ln ${numClasses} = ${ceiling.toFixed(2)}` }] },
        layer: [
          { mark: { type: "rule", strokeDash: [6, 4], color: "gray" }, encoding: { y: { field: "ceiling", type: "quantitative" } } },
          { mark: { type: "text", align: "left", x: 4, dy: -6, color: "gray", fontSize: 10 }, encoding: { y: { field: "ceiling", type: "quantitative" }, text: { field: "label" } } },
        ],
      },
    ],
  } as TopLevelSpec;
}

export interface CurveBand {
  setting: string;
  variant: string;
  epoch: number;
  mean: number;
  lo: number;
  hi: number;
}

/**
 * Mean ± 1 sd of test accuracy per (setting, variant, epoch) over seeds, keeping
 * at most `maxPoints` epochs per curve (evenly spaced, always the last) so specs stay small.
 */
export function curveBands(points: { setting: string; variant: string; epoch: number; testAcc: number }[], maxPoints = 60): CurveBand[] {
  const groups = new Map<string, { setting: string; variant: string; epoch: number; values: number[] }>();
  const lastEpoch = new Map<string, number>();
  for (const p of points) {
    const k = `${p.setting}\u0000${p.variant}\u0000${p.epoch}`;
    if (!groups.has(k)) groups.set(k, { setting: p.setting, variant: p.variant, epoch: p.epoch, values: [] });
    groups.get(k)!.values.push(p.testAcc);
    const c = `${p.setting}\u0000${p.variant}`;
    lastEpoch.set(c, Math.max(lastEpoch.get(c) ?? 0, p.epoch));
  }
  const out: CurveBand[] = [];
  for (const g of groups.values()) {
    const last = lastEpoch.get(`${g.setting}\u0000${g.variant}`)!;
    const step = Math.max(1, Math.ceil(last / maxPoints));
    if (g.epoch % step !== 0 && g.epoch !== last && g.epoch !== 1) continue;
    const n = g.values.length;
    const mean = g.values.reduce((a, b) => a + b, 0) / n;
    const sd = n > 1 ? Math.sqrt(g.values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : 0;
    out.push({ setting: g.setting, variant: g.variant, epoch: g.epoch, mean, lo: mean - sd, hi: mean + sd });
  }
  return out;
}

/** Learning curves from curveBands(): mean line and ±1 sd band per variant, one panel per setting. */
export function learningCurvesSpec(bands: CurveBand[], title = "Learning curves: test accuracy per epoch (mean ± 1 sd over seeds)"): TopLevelSpec {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title,
    data: { values: bands },
    facet: { column: { field: "setting", type: "nominal", title: null, sort: inOrder(bands.map((b) => b.setting)) } },
    resolve: { scale: { x: "independent", y: "independent" } },
    spec: {
      width: WIDTH,
      height: HEIGHT,
      encoding: {
        x: { field: "epoch", type: "quantitative" },
        color: { field: "variant", type: "nominal", sort: null, title: "variant" },
      },
      layer: [
        { mark: { type: "area", opacity: 0.12 }, encoding: { y: { field: "lo", type: "quantitative", title: "test accuracy", scale: { zero: false } }, y2: { field: "hi" } } },
        { mark: { type: "line", strokeWidth: 1.5 }, encoding: { y: { field: "mean", type: "quantitative" } } },
      ],
    },
  } as TopLevelSpec;
}

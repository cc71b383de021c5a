/**
 * Shows a recorded run (experiment/recorded.ts) in a notebook: where it came
 * from, then its tables and its accuracy-vs-temperature chart, each captioned
 * as recorded so a reader never takes them for this run's numbers.
 *
 * It composes experiment functions (describeRecorded, gainTable) with viz, so
 * it lives in experiment/ (viz/ takes plain data and never imports experiment/).
 */
import { showChart, showMarkdown, showTable } from "../viz/display";
import { accuracyVsTemperatureSpec } from "../viz/specs";
import { frame, sweepTable } from "../viz/tables";
import { gainTable } from "./dataset-comparison";
import { RecordedFashionRun, describeRecorded } from "./recorded";

const pct2 = (v: number) => +(100 * v).toFixed(2);

export async function showRecordedFashion(r: RecordedFashionRun, opts: { svgPath?: string } = {}): Promise<void> {
  const tag = `recorded ${r.budget}-budget run`;
  showMarkdown(`From ${describeRecorded(r)}.`);
  showTable(
    frame(r.teachers.map((t) => ({ teacher: t.name, arch: t.arch, params: t.params, epochs: t.history.length, "test acc %": pct2(t.testAcc), "train time (min)": +(t.trainSeconds / 60).toFixed(1) }))),
    { caption: `Teachers (${tag}, ${r.data.fitRows} fit rows)` },
  );
  showTable(sweepTable(r.summary), { caption: `Temperature sweep, distilled from ${r.sweepTeacher} (${tag})` });
  await showChart(accuracyVsTemperatureSpec(r.runs, `Fashion-MNIST (${tag}): student test accuracy vs T`), { svgPath: opts.svgPath });
  showTable(frame(r.comparison), { caption: `Students against the sweep teacher ${r.sweepTeacher}: accuracy, size, measured speed (${tag})` });
  for (const m of r.multiTeacher) {
    showTable(
      frame(m.summary.map((v) => ({ variant: v.variant, seeds: v.seeds, "test acc %": pct2(v.meanAcc), "sd %": pct2(v.stdAcc), "min %": pct2(v.minAcc), "max %": pct2(v.maxAcc) }))),
      { caption: `Several teachers · ${m.setting} (${tag})` },
    );
    showMarkdown(m.reading.join("\n"));
  }
  showTable(frame(gainTable(r.gains)), { caption: `Best distilled variant against hard labels (${tag})` });
}

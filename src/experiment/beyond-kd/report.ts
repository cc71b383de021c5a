/**
 * Shows the beyond-KD experiment's results in a notebook — this run's or a
 * recorded one, captioned with `tag` so a reader never takes recorded numbers
 * for this run's: the teachers, per comparison its table, generated reading,
 * published-ordering check, and one chart of every comparison's seeds.
 */
import { showChart, showMarkdown, showTable } from "../../viz/display";
import { accuracyByRegimeSpec } from "../../viz/specs-extra";
import { frame } from "../../viz/tables";
import type { BeyondKdTeacher } from "./data";
import type { ComparisonSummary } from "./summary";
import type { BeyondKdRow } from "./trial";

export interface BeyondKdResults {
  budget: string;
  data: { fitRows: number; labelledRows: number; testRows: number };
  teachers: BeyondKdTeacher[];
  comparisons: ComparisonSummary[];
  runs: BeyondKdRow[];
}

const pct2 = (v: number) => +(100 * v).toFixed(2);
const signed = (v: number) => `${v >= 0 ? "+" : "−"}${Math.abs(100 * v).toFixed(2)}`;

export async function showBeyondKd(r: BeyondKdResults, opts: { tag: string; svgPath?: string }): Promise<void> {
  showTable(
    frame(r.teachers.map((t) => ({ teacher: t.name, role: t.role === "full" ? "full-data teacher" : "strict (labelled rows only)", arch: t.arch, "training rows": t.trainRows, "test acc %": pct2(t.testAcc), "train time (s)": +t.trainSeconds.toFixed(0) }))),
    { caption: `Teachers (${opts.tag}; ${r.data.labelledRows} labelled of ${r.data.fitRows} fit rows, ${r.data.testRows} test rows)` },
  );
  for (const c of r.comparisons) {
    showTable(
      frame(c.arms.map((a) => ({
        arm: a.arm, seeds: a.seeds, "labelled / rows": `${a.labelledRows} / ${a.trainRows}`, steps: a.steps,
        "test acc %": pct2(a.meanAcc), "sd": pct2(a.stdAcc), [`vs ${c.reference} (pts)`]: a.arm === c.reference ? "" : signed(a.gain),
        "paired t": a.pairedT === null ? "" : +a.pairedT.toFixed(2), clear: a.arm === c.reference ? "" : a.clear ? "yes" : "no",
      }))),
      { caption: `${c.title} (${opts.tag})` },
    );
    showMarkdown([`**${c.title}** (${opts.tag}, generated from the numbers):`, "", ...c.reading, ...(c.ordering ? ["", ...c.ordering.lines] : [])].join("\n"));
  }
  const teacherRefs = r.teachers.map((t) => ({ label: `teacher: ${t.name}`, testAcc: t.testAcc }));
  await showChart(
    accuracyByRegimeSpec(r.comparisons.map((c) => {
      const names = c.arms.map((a) => a.arm);
      const rows = r.runs.filter((x) => names.includes(x.arm)).map((x) => ({ variant: x.arm, seed: x.seed, testAcc: x.testAcc }));
      const lowest = Math.min(...rows.map((x) => x.testAcc));
      return { regime: c.title, rows, references: teacherRefs.filter((t) => t.testAcc >= lowest - 0.02) };
    }), `Beyond KD (${opts.tag}): student test accuracy per arm (dots: seeds, bar: mean)`),
    { svgPath: opts.svgPath },
  );
}

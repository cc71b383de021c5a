/**
 * Notebook 07's comparisons, computed here so the notebook only shows them:
 * students against the sweep teacher (accuracy, size, measured inference
 * speed — the students are re-timed here, next to the teachers), and the
 * side-by-side gains of distillation on Fashion-MNIST and on the digits.
 */
import { pct } from "../analysis/format";
import { Latency, measureLatency } from "../models/latency";
import { buildMlp, describeMlp } from "../models/mlp";
import { GainRow, digitsMultiTeacherGains, digitsSweepGains, multiTeacherGain, sweepGains } from "./dataset-comparison";
import type { FashionConfig } from "./fashion";
import type { MultiTeacherSweepResult, VariantSummary } from "./multi-teacher";
import type { TrainedTeacher } from "./runs";
import type { SweepSummaryRow } from "./temperature-sweep";

export type ComparisonRow = Record<string, string | number>;

const r2 = (x: number, d: number) => +x.toFixed(d);

/**
 * One row per teacher and, per student size, its hard-label and best distilled
 * variant of the first (all-rows) setting: accuracy, % of the sweep teacher's,
 * parameter ratio and measured speedups; plus one sentence per student.
 */
export function compareWithTeacher(
  c: FashionConfig,
  teachers: { name: string; teacher: TrainedTeacher; latency: Latency }[],
  summary: SweepSummaryRow[],
  backend: string,
  measure: (m: Parameters<typeof measureLatency>[0]) => Latency = measureLatency,
): { rows: ComparisonRow[]; lines: string[] } {
  const ref = teachers.find((t) => t.name === c.sweepTeacher);
  if (!ref) throw new Error(`sweep teacher "${c.sweepTeacher}" is not among the teachers (${teachers.map((t) => t.name).join(", ")})`);
  const tLat = ref.latency;
  const row = (model: string, arch: string, params: number, acc: number, lat: Latency): ComparisonRow => ({
    model,
    arch,
    params,
    "test acc %": r2(100 * acc, 2),
    "% of teacher": r2((100 * acc) / ref.teacher.testAcc, 1),
    "param ratio": r2(ref.teacher.params / params, 2),
    "ms / sample": r2(lat.msPerSample, 3),
    "speedup (1 sample)": r2(tLat.msPerSample / lat.msPerSample, 1),
    "speedup (batch 256)": r2(tLat.msPerBatch / lat.msPerBatch, 1),
  });
  const rows = teachers.map((t) => row(`teacher ${t.name}`, t.teacher.arch, t.teacher.params, t.teacher.testAcc, t.latency));
  for (const hidden of c.students) {
    const m = buildMlp({ inputDim: 784, hidden, outputDim: 10, seed: 0 });
    try {
      const lat = measure(m);
      const arch = describeMlp({ inputDim: 784, hidden, outputDim: 10 });
      const mine = summary.filter((r) => r.setting === `${arch} · ${c.sweep.settings[0].name}`);
      const hard = mine.find((r) => r.temperature === null);
      if (!hard) throw new Error(`no hard-label row for ${arch} · ${c.sweep.settings[0].name}`);
      const best = mine.filter((r) => r.temperature !== null).reduce((a, b) => (b.meanAcc > a.meanAcc ? b : a));
      for (const r of [hard, best]) rows.push(row(`student (${r.variant})`, arch, m.countParams(), r.meanAcc, lat));
    } finally {
      m.dispose();
    }
  }
  const students = rows.filter((r) => String(r.model).startsWith("student"));
  const lines = students.map((r) => {
    const ratio = r["param ratio"] as number;
    return `- ${r.arch} ${r.model}: ${r["% of teacher"]} % of the teacher's accuracy with ${ratio >= 1 ? ratio + "× fewer" : (1 / ratio).toFixed(2) + "× more"} parameters, ${r["speedup (1 sample)"]}× faster per sample, ${r["speedup (batch 256)"]}× per batch of 256 (${backend}).`;
  });
  const bestStudent = Math.max(...students.map((r) => r["test acc %"] as number));
  if (bestStudent > 100 * ref.teacher.testAcc) {
    lines.push(`- **Caveat: at this budget the teacher (${pct(ref.teacher.testAcc, 2)}) is weaker than its best student (${bestStudent.toFixed(2)} %)**: its soft targets carry less than the labels; read the sweep as "distilling from a weak teacher", not as a verdict on distillation.`);
  }
  return { rows, lines };
}

const FASHION = "Fashion-MNIST (28×28)";

/** Hard labels against the best distilled variant per student and setting (sweep), and per multi-teacher setting. */
export function fashionGains(
  sweeps: { studentArch: string }[],
  summary: SweepSummaryRow[],
  mts: { setting: string; sweep: MultiTeacherSweepResult }[],
  mtSummaries: VariantSummary[][],
): GainRow[] {
  return [
    ...sweeps.flatMap((s) => sweepGains(FASHION, s.studentArch, summary.filter((r) => r.setting.startsWith(s.studentArch + " · ")).map((r) => ({ ...r, setting: r.setting.slice(s.studentArch.length + 3) })))),
    ...mts.map((m, i) => multiTeacherGain(FASHION, m.sweep.studentArch, `multi-teacher · ${m.setting}`, mtSummaries[i], m.sweep.results)),
  ];
}

/** The digits rows (notebooks 01 and 03's results files in reports/; none when they have not run). */
export function digitsGains(): GainRow[] {
  return [...(digitsSweepGains() ?? []), ...(digitsMultiTeacherGains() ?? []).map((r) => ({ ...r, setting: `multi-teacher · ${r.setting}` }))];
}

/** The generated paragraphs under the side-by-side table. */
export function readGains(budget: string, fashion: GainRow[], digits: GainRow[]): string[] {
  const clear = fashion.filter((r) => r.clear && r.gain > 0);
  const t = (r: GainRow) => (r.pairedT === null ? "n/a" : r.pairedT.toFixed(1));
  return [
    `On Fashion-MNIST (${budget} budget), distillation clearly beat hard labels in ${clear.length} of ${fashion.length} settings${clear.length ? ": " + clear.map((r) => `${r.student} ${r.setting} (${r.best}, ${r.gain >= 0 ? "+" : "−"}${Math.abs(100 * r.gain).toFixed(2)} pts, t = ${t(r)})`).join("; ") : ""}.`,
    digits.length ? `On the digits: ${digits.filter((r) => r.clear && r.gain > 0).length} of ${digits.length} settings.` : "",
    budget === "ci" ? "**This is the CI budget**: a subset and few epochs, a check that the pipeline runs end to end; the full-budget numbers are the recorded run in the next section (`DISTILL_BUDGET=full`)." : "",
  ];
}

/**
 * Notebook 09's numbers from its trials: accuracy and agreement per (variant,
 * budget) over seeds, paired comparisons with the reference, and where the
 * exported variant's students disagree with the teacher — who is right then.
 */
import { pct, pts } from "../analysis/format";
import { pairedComparison, PairedStats, summarize } from "../analysis/stats";
import type { TextTrialResult } from "./pretrained-teacher-trial";

export interface BudgetRow {
  variant: string;
  budget: number;
  seeds: number;
  meanAcc: number;
  stdAcc: number;
  minAcc: number;
  maxAcc: number;
  meanAgreement: number;
  /** Paired over seeds with the reference at the same budget (null for the reference itself). */
  vsReference: PairedStats | null;
  epochs: number;
  steps: number;
}

export function summarizeBudgets(runs: TextTrialResult[], reference: string): BudgetRow[] {
  const keys = [...new Set(runs.map((r) => `${r.variant}\u0000${r.budget}`))];
  return keys.map((k) => {
    const [variant, b] = k.split("\u0000");
    const budget = Number(b);
    const rows = runs.filter((r) => r.variant === variant && r.budget === budget);
    const acc = summarize(rows.map((r) => r.testAcc));
    const atBudget = runs.filter((r) => r.budget === budget);
    const hasPairs = variant !== reference && atBudget.some((r) => r.variant === reference) && rows.length > 0;
    return {
      variant,
      budget,
      seeds: rows.length,
      meanAcc: acc.mean,
      stdAcc: acc.std,
      minAcc: acc.min,
      maxAcc: acc.max,
      meanAgreement: summarize(rows.map((r) => r.agreement)).mean,
      vsReference: hasPairs ? pairedComparison(atBudget, { key: (r) => r.seed, value: (r) => r.testAcc, group: (r) => r.variant }, variant, reference) : null,
      epochs: rows[0].epochs,
      steps: rows[0].steps,
    };
  });
}

export interface Disagreement {
  seed: number;
  /** Test texts where the student's language differs from the teacher's. */
  disagree: number;
  studentRight: number;
  teacherRight: number;
  bothWrong: number;
}

export interface DisagreementExample {
  text: string;
  truth: string;
  teacher: string;
  student: string;
}

/** Disagreements of each seed's student (predictions on the test rows) with the teacher, and who was right. */
export function disagreements(
  runs: TextTrialResult[],
  testY: ArrayLike<number>,
  teacherOnTest: ArrayLike<number>,
): Disagreement[] {
  return runs
    .filter((r) => r.predictions)
    .map((r) => {
      const d: Disagreement = { seed: r.seed, disagree: 0, studentRight: 0, teacherRight: 0, bothWrong: 0 };
      r.predictions!.forEach((p, i) => {
        if (p === teacherOnTest[i]) return;
        d.disagree++;
        if (p === testY[i]) d.studentRight++;
        else if (teacherOnTest[i] === testY[i]) d.teacherRight++;
        else d.bothWrong++;
      });
      return d;
    });
}

/** Up to `max` disagreements of one run, texts cut to 140 characters, the student-right ones first. */
export function disagreementExamples(
  run: TextTrialResult,
  texts: string[],
  testRows: ArrayLike<number>,
  testY: ArrayLike<number>,
  teacherOnTest: ArrayLike<number>,
  languages: string[],
  max = 8,
): DisagreementExample[] {
  const out: (DisagreementExample & { rank: number })[] = [];
  (run.predictions ?? []).forEach((p, i) => {
    if (p === teacherOnTest[i]) return;
    const text = texts[testRows[i]];
    out.push({ text: text.length > 140 ? text.slice(0, 137) + "..." : text, truth: languages[testY[i]], teacher: languages[teacherOnTest[i]], student: languages[p], rank: p === testY[i] ? 0 : teacherOnTest[i] === testY[i] ? 1 : 2 });
  });
  return out.sort((a, b) => a.rank - b.rank).slice(0, max).map(({ rank: _rank, ...e }) => e);
}

/** Plain sentences on what the run shows, from its numbers. */
export function readPretrained(rows: BudgetRow[], o: { reference: string; trueVariant?: string; teacherAcc: number; exportVariant: string; disagreement: Disagreement[] }): string[] {
  const out: string[] = [];
  const budgets = [...new Set(rows.map((r) => r.budget))].sort((a, b) => a - b);
  const largest = budgets[budgets.length - 1];
  const at = (b: number) => rows.filter((r) => r.budget === b);
  const best = (b: number) => at(b).reduce((x, y) => (y.meanAcc > x.meanAcc ? y : x));
  const fmt = (r: BudgetRow) => `${r.variant} ${pct(r.meanAcc, 2)} ± ${(100 * r.stdAcc).toFixed(2)}`;
  out.push(`- **Teacher**: fastText's lid.176 is right on ${pct(o.teacherAcc, 2)} of the test texts (package language as the truth).`);
  for (const b of [budgets[0], largest]) {
    const list = at(b).sort((x, y) => y.meanAcc - x.meanAcc).map(fmt).join("; ");
    out.push(`- **${b} queries**: ${list}.`);
  }
  const teacherVariants = [...new Set(rows.map((r) => r.variant))].filter((v) => v !== o.reference);
  for (const v of teacherVariants) {
    const gaps = budgets.map((b) => at(b).find((r) => r.variant === v)).filter((r): r is BudgetRow => !!r && !!r.vsReference);
    const clearWorse = gaps.filter((r) => r.vsReference!.clear && r.vsReference!.meanDiff < 0).map((r) => r.budget);
    const clearBetter = gaps.filter((r) => r.vsReference!.clear && r.vsReference!.meanDiff > 0).map((r) => r.budget);
    const parts = gaps.map((r) => `${r.budget}: ${pts(r.vsReference!.meanDiff, 2)}`).join(", ");
    out.push(`- **${v}** vs ${o.reference} (paired by seed): ${parts}. ${clearBetter.length ? `Clearly better at ${clearBetter.join(", ")} queries. ` : ""}${clearWorse.length ? `Clearly worse at ${clearWorse.join(", ")} queries. ` : ""}${!clearBetter.length && !clearWorse.length ? "No difference clear at 95 %." : ""}`);
  }
  const fromTeacher = at(largest).filter((r) => r.variant !== o.trueVariant);
  const top = fromTeacher.length ? fromTeacher.reduce((x, y) => (y.meanAcc > x.meanAcc ? y : x)) : best(largest);
  const vsTeacher = top.meanAcc - o.teacherAcc;
  const within = Math.abs(vsTeacher) <= 2 * Math.max(top.stdAcc, 0.0005);
  out.push(`- **Student vs teacher** at ${largest} queries: the best student trained on the teacher's answers only (${top.variant}) reaches ${pct(top.meanAcc, 2)} ± ${(100 * top.stdAcc).toFixed(2)}, ${pts(vsTeacher, 2)} against the teacher${within ? " — within two standard deviations of it: the student matches the teacher, it does not surpass it" : ""}.`);
  const truth = o.trueVariant ? at(largest).find((r) => r.variant === o.trueVariant) : undefined;
  if (truth) out.push(`- With the true labels the same student reaches ${pct(truth.meanAcc, 2)} ± ${(100 * truth.stdAcc).toFixed(2)}: ${pts(truth.meanAcc - top.meanAcc, 2)} over the best teacher-trained student, the price of having no labels at this budget.`);
  if (o.disagreement.length) {
    const sum = (k: keyof Disagreement) => o.disagreement.reduce((a, d) => a + (d[k] as number), 0) / o.disagreement.length;
    out.push(`- **Disagreements** (${o.exportVariant}, ${largest} queries, mean over ${o.disagreement.length} seeds): ${sum("disagree").toFixed(1)} test texts; the student is right on ${sum("studentRight").toFixed(1)}, the teacher on ${sum("teacherRight").toFixed(1)}, neither on ${sum("bothWrong").toFixed(1)}.`);
  }
  return out;
}

/**
 * Notebook 07's settings: Fashion-MNIST at two budgets. FASHION_BUDGET=ci
 * (default) uses a stratified 6,000-row training and 2,000-row test subset and
 * few epochs, so CI runs the notebook in a few minutes on 2 cores; `full` uses
 * all 60,000 + 10,000 rows. The teacher is a small CNN (models/conv.ts), cached
 * by teacher-cache.ts; the students are MLPs of several widths.
 */
import { ConvSpec, describeConv } from "../models/conv";
import { TemperatureSweepConfig } from "./temperature-sweep";

export type FashionBudget = "ci" | "full";

export interface FashionConfig {
  budget: FashionBudget;
  dataSeed: number;
  /** Stratified subset sizes; undefined = all rows. */
  trainSize?: number;
  testSize?: number;
  teacher: { conv: Omit<ConvSpec, "seed" | "numClasses" | "side">; train: { epochs: number; batchSize: number; learningRate: number; seed: number } };
  /** Hidden widths of the MLP students, one sweep each. */
  students: number[][];
  sweep: Omit<TemperatureSweepConfig, "student"> & { student: { batchSize: number; learningRate: number } };
}

export function fashionBudget(env: string | undefined = process.env.FASHION_BUDGET): FashionBudget {
  const b = (env ?? "ci").trim() || "ci";
  if (b !== "ci" && b !== "full") throw new Error(`FASHION_BUDGET must be "ci" or "full"; got "${env}"`);
  return b;
}

export function fashionConfig(budget: FashionBudget = fashionBudget()): FashionConfig {
  const ci = budget === "ci";
  return {
    budget,
    dataSeed: 0,
    trainSize: ci ? 6000 : undefined,
    testSize: ci ? 2000 : undefined,
    teacher: { conv: { filters: [16, 32], dense: 64 }, train: { epochs: ci ? 3 : 8, batchSize: 64, learningRate: 1e-3, seed: 0 } },
    students: [[32], [128]],
    sweep: {
      student: { batchSize: 64, learningRate: 1e-3 },
      temperatures: [1, 4, 8],
      alpha: 0.5,
      seeds: [0, 1, 2],
      settings: ci
        ? [
            { name: "all rows · 8 epochs", trainFraction: 1, epochs: 8 },
            { name: "10 % of rows · 40 epochs", trainFraction: 0.1, epochs: 40 },
          ]
        : [
            { name: "all rows · 15 epochs", trainFraction: 1, epochs: 15 },
            { name: "10 % of rows · 60 epochs", trainFraction: 0.1, epochs: 60 },
          ],
    },
  };
}

export function teacherKey(c: FashionConfig): string {
  return `fashion-${c.budget}-${describeConv({ ...c.teacher.conv, numClasses: 10 })}`;
}

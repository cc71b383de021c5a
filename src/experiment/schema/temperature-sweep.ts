/** Notebook 01: hard labels vs distillation at several temperatures, in several data/budget settings. */
import { z } from "zod";
import type { Activation } from "../../models/mlp";
import { DatasetConfig, dataset, fraction, mlpShape, mlpTeacher, name, named, obj, optimiser, posInt, positive, seeds } from "./blocks";

export const temperatureSweepSchema = obj({
  data: dataset.default({ kind: "digits", seed: 0 }),
  teacher: mlpTeacher,
  student: obj({ ...mlpShape, batchSize: optimiser.shape.batchSize, learningRate: optimiser.shape.learningRate }),
  temperatures: z.array(positive).min(1),
  alpha: z.number().min(0).lt(1, "alpha = 1 ignores the teacher: every temperature would equal the hard-label baseline"),
  seeds,
  settings: named(obj({ name, trainFraction: fraction, epochs: posInt })),
  /** Temperatures at which the teacher's soft-target entropy is shown. */
  entropyTemperatures: z.array(positive).min(1).default([0.5, 1, 2, 4, 8, 16, 32]),
});

/** The validated configuration, written out: tslab compiles without strictNullChecks, where zod's inferred types make every field optional. */
export interface TemperatureSweepExperiment {
  data: DatasetConfig;
  teacher: { hidden: number[]; activation: Activation; dropout: number; epochs: number; batchSize: number; learningRate: number; seed: number };
  student: { hidden: number[]; activation: Activation; dropout: number; batchSize: number; learningRate: number };
  temperatures: number[];
  alpha: number;
  seeds: number[];
  settings: { name: string; trainFraction: number; epochs: number }[];
  entropyTemperatures: number[];
}

/** The kind, for loadExperiment(file, { kinds: temperatureSweepKind }). */
export const temperatureSweepKind = { "temperature-sweep": temperatureSweepSchema };

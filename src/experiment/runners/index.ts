/**
 * The runner of each experiment kind: (experiment file, options) → { results }
 * (plus whatever a notebook shows but the results file does not keep). Used by
 * `npm run experiment` (scripts/run-experiment.ts); a notebook calls its
 * runner directly. Adding an experiment: its schema in schema/kinds.ts, its
 * runner file here and one line below.
 */
import type { RunOptions } from "../experiment-results";
import type { ExperimentFile } from "../schema/experiment-file";
import type { ExperimentKind } from "../schema/kinds";
import { runTemperatureSweep } from "./temperature-sweep";
import { runMultiTeacherWeighting } from "./multi-teacher-weighting";
import { runSemiSupervised } from "./semi-supervised";
import { runDynamicTemperature } from "./dynamic-temperature";
import { runProgressiveStages } from "./progressive-stages";
import { runFeatureDistill } from "./feature-distill";
import { runFashionMnist } from "./fashion-mnist";
import { runFashionBeyondKd } from "./fashion-beyond-kd";
import { runPretrainedTeacher } from "./pretrained-teacher";
import { runFederated } from "./federated";

type Runner = (exp: ExperimentFile<any>, opts: RunOptions) => Promise<{ results: unknown }>;

export const RUNNERS: Record<ExperimentKind, Runner> = {
  "temperature-sweep": runTemperatureSweep,
  "multi-teacher-weighting": runMultiTeacherWeighting,
  "semi-supervised": runSemiSupervised,
  "dynamic-temperature": runDynamicTemperature,
  "progressive-stages": runProgressiveStages,
  "feature-distill": runFeatureDistill,
  "fashion-mnist": runFashionMnist,
  "fashion-beyond-kd": runFashionBeyondKd,
  "pretrained-teacher": runPretrainedTeacher,
  federated: runFederated,
};

/**
 * Runs an experiment from a JSON file:
 *
 *   npm run experiment -- experiments/01-temperature-sweep.json [--budget ci|full] [--out results.json] [--queue redis://HOST:PORT]
 *
 * With --queue (or DISTILL_QUEUE) the experiment's trials go to a BullMQ queue
 * on that Redis, served by `npm run worker -- --queue …` on any machine at the
 * same commit; the coordinator (this command) waits, shows progress and
 * writes the same results file.
 *
 * An experiment file ({ "experiment": KIND, "name", "config", "budgets" }, see
 * src/experiment/schema/) runs the same code as its notebook and writes the same
 * results file (<reports>/<name>.json). A single-run configuration (no
 * "experiment" field; see src/experiment/config.ts) trains one teacher and its
 * students over seeds:
 *
 *   npx tsx scripts/run-experiment.ts <config.json> [--out results.json]
 *       [--checkpoint-dir DIR] [--checkpoint-every N] [--export-dir DIR] [--quiet]
 *
 * Without --out the results go to <reports>/<name>.json. With a checkpoint
 * directory (here or in the configuration) an interrupted run, started again
 * with the same command, continues where its last checkpoint left off.
 * Exit status: 0 done, 1 the run failed (the message says why), 2 bad usage.
 */
import * as fs from "fs";
import * as path from "path";
import { initBackend } from "../src/backend";
import { saveExperimentResults } from "../src/experiment/experiment-results";
import { RUNNERS } from "../src/experiment/runners";
import { BUDGETS, Budget, isExperimentFile, resolveExperimentGrid } from "../src/experiment/schema/experiment-file";
import { loadConfigFile } from "../src/experiment/config";
import { ProgressEvent, runExperiment } from "../src/experiment/experiment";
import { parseRedisUrl } from "../src/experiment/queue/redis-url";
import { resultPath } from "../src/experiment/results";

const USAGE = "usage: npm run experiment -- <file.json> [--budget ci|full] [--out results.json] [--queue redis://HOST:PORT] [--checkpoint-dir DIR] [--checkpoint-every N] [--export-dir DIR] [--quiet]";

function parseArgs(argv: string[]): { config: string; out?: string; budget?: string; queue?: string; checkpointDir?: string; checkpointEvery?: number; exportDir?: string; quiet: boolean } {
  const flags: Record<string, string> = {};
  const positional: string[] = [];
  let quiet = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--quiet") quiet = true;
    else if (a === "-h" || a === "--help") {
      console.log(USAGE);
      process.exit(0);
    } else if (a.startsWith("--")) {
      const [k, inline] = a.slice(2).split("=", 2);
      if (!["out", "budget", "queue", "checkpoint-dir", "checkpoint-every", "export-dir"].includes(k)) throw new Error(`unknown option --${k}`);
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`--${k} needs a value`);
      flags[k] = v;
    } else positional.push(a);
  }
  if (positional.length !== 1) throw new Error(positional.length ? `one configuration file expected; got ${positional.join(" ")}` : "no configuration file given");
  let every: number | undefined;
  if (flags["checkpoint-every"] !== undefined) {
    every = Number(flags["checkpoint-every"]);
    if (!Number.isInteger(every) || every <= 0) throw new Error(`--checkpoint-every must be a positive integer; got "${flags["checkpoint-every"]}"`);
  }
  if (flags.budget !== undefined && !BUDGETS.includes(flags.budget as Budget)) throw new Error(`--budget must be one of ${BUDGETS.join(", ")}; got "${flags.budget}"`);
  if (flags.queue !== undefined) parseRedisUrl(flags.queue, "--queue");
  return { config: positional[0], out: flags.out, budget: flags.budget, queue: flags.queue, checkpointDir: flags["checkpoint-dir"], checkpointEvery: every, exportDir: flags["export-dir"], quiet };
}

function describe(e: ProgressEvent): string {
  const pct = (x: number) => `${(100 * x).toFixed(2)} %`;
  switch (e.kind) {
    case "data":
      return `data: ${e.source}: ${e.trainRows} train / ${e.testRows} test rows, ${e.features} features, ${e.classes} classes`;
    case "teacher":
      return `teacher ${e.arch} ${e.status}: test accuracy ${pct(e.testAcc)}`;
    case "teacher-epoch":
      return `teacher epoch ${e.epoch}/${e.epochs}: loss ${e.loss.toFixed(4)}, test ${pct(e.testAcc)}`;
    case "resume":
      return `resume seed ${e.seed} from epoch ${e.epoch} (${e.dir})`;
    case "epoch":
      return `seed ${e.seed} epoch ${e.epoch}/${e.epochs}: loss ${e.loss.toFixed(4)}, test ${pct(e.testAcc)}`;
    case "checkpoint":
      return `checkpoint seed ${e.seed} epoch ${e.epoch}`;
    case "seed-done":
      return `seed ${e.seed} done: test accuracy ${pct(e.testAcc)}${e.teacherAgreement === null ? "" : `, agreement with the teacher ${pct(e.teacherAgreement)}`}`;
    case "results":
      return `results: ${e.path}`;
  }
}

async function main(): Promise<void> {
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  try {
    const raw = readJson(args.config);
    if (args.queue !== undefined) {
      if (!isExperimentFile(raw)) throw new Error(`--queue runs the trials of an experiment file (one with an "experiment" field); ${args.config} is a single-run configuration`);
      process.env.DISTILL_QUEUE = args.queue; // runTrials sends every trial of the experiment there
    }
    if (isExperimentFile(raw)) {
      await runExperimentFile(args, raw);
      return;
    }
    const config = loadConfigFile(args.config);
    const resultsPath = path.resolve(args.out ?? resultPath(`${config.name}.json`));
    await runExperiment(config, {
      resultsPath,
      checkpointDir: args.checkpointDir && path.resolve(args.checkpointDir),
      checkpointEvery: args.checkpointEvery,
      exportDir: args.exportDir && path.resolve(args.exportDir),
      onProgress: (e) => {
        if (!args.quiet || e.kind === "results" || e.kind === "checkpoint" || e.kind === "resume") console.log(describe(e));
      },
    });
  } catch (err) {
    console.error(`error: ${(err as Error).message}`);
    process.exit(1);
  }
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return null; // the loaders below say what is wrong with the file
  }
}

async function runExperimentFile(args: ReturnType<typeof parseArgs>, raw: unknown): Promise<void> {
  const file = path.resolve(args.config);
  const points = resolveExperimentGrid(raw, { file, budget: args.budget as Budget | undefined });
  if (points.length > 1 && args.out) throw new Error(`--out names one file; ${file} has a grid of ${points.length} points (each goes to <reports>/<name>.<k>.json)`);
  await initBackend();
  for (const exp of points) {
    const started = Date.now();
    const point = exp.gridPoint ? `, grid point ${JSON.stringify(exp.gridPoint)}` : "";
    console.log(`experiment ${exp.name} (${exp.kind}), budget ${exp.budget}${point}, fingerprint ${exp.fingerprint.slice(0, 12)}`);
    const runner = (RUNNERS as Record<string, (typeof RUNNERS)[keyof typeof RUNNERS] | undefined>)[exp.kind];
    if (!runner) throw new Error(`experiment kind "${exp.kind}" has a schema but no runner (src/experiment/runners/index.ts)`);
    const { results } = await runner(exp, { log: args.quiet ? () => undefined : console.log });
    const out = saveExperimentResults(exp, results, started, args.out && path.resolve(args.out));
    console.log(`results: ${out} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
}

void main();

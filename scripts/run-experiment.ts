/**
 * Runs one experiment from a JSON configuration (see src/experiment/config.ts):
 *
 *   npx tsx scripts/run-experiment.ts <config.json> [--out results.json]
 *       [--checkpoint-dir DIR] [--checkpoint-every N] [--export-dir DIR] [--quiet]
 *
 * Without --out the results go to <reports>/<name>.json. With a checkpoint
 * directory (here or in the configuration) an interrupted run, started again
 * with the same command, continues where its last checkpoint left off.
 * Exit status: 0 done, 1 the run failed (the message says why), 2 bad usage.
 */
import * as path from "path";
import { loadConfigFile } from "../src/experiment/config";
import { ProgressEvent, runExperiment } from "../src/experiment/experiment";
import { resultPath } from "../src/experiment/results";

const USAGE = "usage: tsx scripts/run-experiment.ts <config.json> [--out results.json] [--checkpoint-dir DIR] [--checkpoint-every N] [--export-dir DIR] [--quiet]";

function parseArgs(argv: string[]): { config: string; out?: string; checkpointDir?: string; checkpointEvery?: number; exportDir?: string; quiet: boolean } {
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
      if (!["out", "checkpoint-dir", "checkpoint-every", "export-dir"].includes(k)) throw new Error(`unknown option --${k}`);
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
  return { config: positional[0], out: flags.out, checkpointDir: flags["checkpoint-dir"], checkpointEvery: every, exportDir: flags["export-dir"], quiet };
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

void main();

/**
 * Half of the bench's 16-trial sweep, serially, in its own process
 * (scripts/bench-sweep.ts starts two at once: the side-by-side case).
 *   node --import tsx scripts/bench-sweep-half.ts SEED,SEED,…   → {"ms": …}
 */
import { initBackend } from "../src/backend";
import { temperatureSweep } from "../src/experiment/temperature-sweep";
import { sweepConfig, sweepData } from "./bench-sweep";

async function main(): Promise<void> {
  delete process.env.DISTILL_QUEUE; // this process runs its trials itself
  await initBackend({ log: false });
  const seeds = (process.argv[2] ?? "").split(",").filter(Boolean).map(Number);
  const { data, teacher } = await sweepData();
  const log = console.log;
  console.log = () => {};
  const t0 = performance.now();
  await temperatureSweep(data, teacher, sweepConfig(seeds), { workers: 1 });
  const ms = performance.now() - t0;
  console.log = log;
  process.stdout.write(JSON.stringify({ ms }) + "\n");
}

void main();

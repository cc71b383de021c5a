/**
 * Records the golden values (test/golden/cases.ts) on wasm and cpu:
 *   npx tsx scripts/record-golden.ts            → test/golden/wasm.json, test/golden/cpu.json
 * Only re-record on purpose, and say in the commit which numbers changed and why.
 */
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../src/backend";
import { writeJsonAtomic } from "../src/atomic";
import { runGoldenCases } from "../test/golden/cases";

async function main(): Promise<void> {
  await initBackend({ force: "wasm", log: false });
  for (const backend of ["wasm", "cpu"]) {
    await tf.setBackend(backend);
    const t0 = Date.now();
    const cases = await runGoldenCases();
    const file = path.join(__dirname, "..", "test", "golden", `${backend}.json`);
    writeJsonAtomic(file, { backend, tfjs: tf.version_core, cases });
    console.log(`${backend}: ${Object.keys(cases).length} cases in ${((Date.now() - t0) / 1000).toFixed(1)} s → ${file}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

/**
 * Trains (or reloads) notebook 07's Fashion-MNIST teachers into the teacher
 * cache ahead of the notebook, e.g. two in parallel on two cores:
 *
 *   DISTILL_BUDGET=full npx tsx scripts/fashion-teachers.ts cnn-large &
 *   DISTILL_BUDGET=full npx tsx scripts/fashion-teachers.ts cnn-small mlp
 *
 * The teachers are those of experiments/07-fashion-mnist-distillation.json at
 * the budget DISTILL_BUDGET (or the older FASHION_BUDGET; default full). No
 * names = every teacher of the budget. The notebook then reloads them.
 */
import { initBackend } from "../src/backend";
import { fashionTeachers, loadFashionData } from "../src/experiment/fashion";
import { loadExperiment } from "../src/experiment/schema/experiment-file";
import type { FashionMnistExperiment } from "../src/experiment/schema/fashion-mnist";

async function main(): Promise<void> {
  await initBackend();
  const config = loadExperiment<FashionMnistExperiment>("07-fashion-mnist-distillation").config;
  const names = process.argv.slice(2);
  const data = await loadFashionData(config);
  console.log(`budget ${config.budget}: ${data.fit.numSamples} fit rows, ${data.val.numSamples} validation rows, ${data.test.numSamples} test rows`);
  const teachers = await fashionTeachers(config, data, names.length ? names : undefined);
  for (const t of teachers) console.log(`${t.arch}: test accuracy ${(100 * t.testAcc).toFixed(2)} % (${t.source}), ${t.dir}`);
  teachers.forEach((t) => t.dispose());
  data.dispose();
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});

/**
 * Notebook 10 as a function: Fashion-MNIST cut into a public (unlabelled) set
 * and a private pool, the pool split over the clients by Dir(α) per seed,
 * every (method, α, seed) run through runSweep, the summaries over seeds,
 * paired comparisons and the reading — everything the results file holds.
 */
import * as path from "path";
import { pct } from "../../analysis/format";
import { loadFashionMnist } from "../../data/fashion-mnist";
import { RunOptions } from "../experiment-results";
import { prepareFederated } from "../federated/data";
import { readFederated } from "../federated/reading";
import { byAlpha, compareFinal, summarizeBytes, summarizeRounds } from "../federated/summary";
import { fedSetup, fedTrial } from "../federated/trial";
import type { FedContext } from "../federated/trial";
import type { FedMethod, FedPoint, FedRunSpec, FedShared, FedTrialResult } from "../federated/types";
import type { ExperimentFile } from "../schema/experiment-file";
import type { FederatedExperiment } from "../schema/federated";
import { runSweep } from "../sweep";

/** The comparisons the reading uses: every method against the reference; distillation against FedAvg and mean against confidence. */
export function comparisonPairs(methods: FedMethod[], reference: string): [string, string][] {
  const pairs: [string, string][] = methods.filter((m) => m.name !== reference).map((m) => [m.name, reference]);
  const fedavg = methods.find((m) => m.kind === "fedavg");
  const distil = methods.filter((m) => m.kind === "distil");
  if (fedavg) distil.forEach((m) => pairs.push([m.name, fedavg.name]));
  const mean = distil.find((m) => m.kind === "distil" && m.fusion === "mean");
  distil.filter((m) => m !== mean).forEach((m) => mean && pairs.push([m.name, mean.name]));
  return pairs;
}

export async function runFederated(exp: ExperimentFile<FederatedExperiment>, opts: RunOptions = {}) {
  const c = exp.config;
  const log = opts.log ?? console.log;
  const methods = c.methods as FedMethod[];
  const fm = await loadFashionMnist({ trainSize: c.data.trainRows, testSize: c.data.testRows, seed: c.data.seed });
  const { data, splits, cut } = prepareFederated(
    { train: { x: fm.train.x, y: fm.train.y, numFeatures: fm.train.numFeatures, numClasses: fm.train.numClasses }, test: { x: fm.test.x, y: fm.test.y } },
    { publicRows: c.data.publicRows, dataSeed: c.data.seed, clients: c.clients, alphas: c.alphas, seeds: c.seeds, minRows: c.minClientRows, monitorRows: c.data.monitorRows },
  );
  const spec: FedRunSpec = {
    clients: c.clients,
    rounds: c.rounds,
    localEpochs: c.localEpochs,
    batchSize: c.batchSize,
    learningRate: c.learningRate,
    clientModels: c.clientModels,
    fedavgHidden: c.fedavgHidden,
    centralHidden: c.centralHidden,
    distil: { epochs: c.distillation.epochs, temperature: c.distillation.temperature, losses: c.distillation.losses },
  };
  const shared: FedShared = { data, splits, spec };
  const points: FedPoint[] = [
    ...c.alphas.flatMap((alpha) => methods.filter((m) => m.kind !== "central").map((method) => ({ method, alpha }))),
    ...methods.filter((m) => m.kind === "central").map((method) => ({ method, alpha: null })),
  ];
  log(`budget ${exp.budget}: ${cut.poolRows.length} private rows over ${c.clients} clients, ${cut.publicRows.length} public rows (no labels), ${data.testY.length} test rows; ${points.length} (method, α) points × ${c.seeds.length} seeds, ${c.rounds} rounds`);
  const swept = await runSweep<FedPoint, FedTrialResult, FedShared, FedContext>({
    label: "federated",
    points,
    seeds: c.seeds,
    module: path.join(__dirname, "..", "federated", "trial.ts"),
    fn: "fedTrial",
    setup: "fedSetup",
    local: { fn: fedTrial, setup: fedSetup },
    shared,
    workers: opts.workers,
    describe: (p, seed) => `${p.method.name} · α ${p.alpha ?? "–"} · seed ${seed}`,
    report: (r) => {
      const last = r.rounds[r.rounds.length - 1];
      return `clients ${pct(last.meanClientAcc)}, ensemble ${pct(last.ensembleAcc)}`;
    },
  });
  const runs = swept.map((s) => s.result);
  const names = methods.map((m) => m.name);
  const rounds = summarizeRounds(runs, c.alphas, names);
  const bytes = summarizeBytes(runs, names);
  const comparisons = compareFinal(runs, c.alphas, comparisonPairs(methods, c.reference));
  const skew = c.alphas.map((alpha) => ({ alpha, skew: splits.filter((s) => s.alpha === alpha).reduce((a, s) => a + s.skew, 0) / c.seeds.length }));
  const reading = readFederated({ alphas: c.alphas, methods, reference: c.reference }, { rounds, comparisons, bytes, skew });
  const results = {
    data: { privateRows: cut.poolRows.length, publicRows: cut.publicRows.length, testRows: data.testY.length, fullTrain: fm.fullTrain, fullTest: fm.fullTest },
    splits: splits.map((s) => ({ alpha: s.alpha, seed: s.seed, rows: s.shards.map((x) => x.rows.length), skew: s.skew, classCounts: s.classCounts, draws: s.draws })),
    skew,
    rounds,
    bytes,
    comparisons,
    reading,
    runs: byAlpha(runs, c.alphas).map((r) => ({ ...r, ms: Math.round(r.ms) })),
  };
  return { results };
}

/**
 * Notebook 10: federated distillation — K clients with non-IID Dirichlet(α)
 * shards of Fashion-MNIST, a public unlabelled set, logits-only communication
 * (fused by mean or by confidence), against local training, FedAvg and a
 * centralised model.
 */
import { z } from "zod";
import { losses, name, named, obj, posInt, positive, seed, seeds } from "./blocks";

const method = z.discriminatedUnion("kind", [
  obj({ name, kind: z.literal("local") }),
  obj({ name, kind: z.literal("distil"), fusion: z.enum(["mean", "confidence"]) }),
  obj({ name, kind: z.literal("fedavg") }),
  obj({ name, kind: z.literal("central") }),
]);

export const federatedSchema = obj({
  data: obj({
    /** Stratified Fashion-MNIST subset sizes (public rows come out of trainRows). */
    trainRows: posInt.max(60000),
    testRows: posInt.max(10000),
    /** Training rows held out as the public set: given to the clients without labels. */
    publicRows: posInt,
    seed: seed.default(0),
    /** Test rows the trainer reports every epoch (the final numbers use the whole test set). */
    monitorRows: posInt.default(200),
  }),
  clients: z.number().int().min(2),
  /** Dirichlet concentrations swept (small = heterogeneous). */
  alphas: z.array(positive).min(1).refine((a) => new Set(a).size === a.length, { message: "distinct alphas" }),
  /** Rows every client gets at least (the split is redrawn until it holds). */
  minClientRows: posInt.default(10),
  seeds,
  rounds: posInt,
  /** Epochs on the client's own labels before round 1 and in every round. */
  localEpochs: posInt,
  batchSize: posInt.default(64),
  learningRate: positive.default(1e-3),
  distillation: obj({
    epochs: posInt,
    /** The temperature the server fuses at (and the run's, while distilling). */
    temperature: positive,
    /** Registry terms, kd only: [{ "loss": "kd", "weight": 1, "temperature": 2 }]. */
    losses,
  }),
  /** Hidden widths of the clients' MLPs (client k takes entry k mod length), for local and distillation. */
  clientModels: z.array(z.array(posInt)).min(1),
  fedavgHidden: z.array(posInt),
  centralHidden: z.array(posInt),
  methods: named(method),
  /** The method the others are compared with (paired by seed). */
  reference: name,
}).superRefine((c, ctx) => {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, path, message });
  const names = c.methods.map((m) => m.name);
  if (!names.includes(c.reference)) issue(["reference"], `"${c.reference}" is not a method (methods: ${names.join(", ")})`);
  if (c.data.publicRows >= c.data.trainRows) issue(["data", "publicRows"], `fewer than trainRows (${c.data.trainRows})`);
  if (c.data.trainRows - c.data.publicRows < c.clients * c.minClientRows) issue(["data", "publicRows"], `leaves ${c.data.trainRows - c.data.publicRows} private rows: fewer than clients × minClientRows = ${c.clients * c.minClientRows}`);
  c.distillation.losses.forEach((l, i) => {
    if (l.loss !== "kd") issue(["distillation", "losses", i, "loss"], '"kd" only (the public rows have no labels)');
    const t = (l as { temperature?: unknown }).temperature;
    if (t !== undefined && t !== c.distillation.temperature) issue(["distillation", "losses", i, "temperature"], `the fusion temperature ${c.distillation.temperature} (the server's soft targets are at that T) or none`);
  });
});

export type FedMethodConfig = { name: string; kind: "local" } | { name: string; kind: "distil"; fusion: "mean" | "confidence" } | { name: string; kind: "fedavg" } | { name: string; kind: "central" };

/** The validated configuration (written out: tslab compiles without strictNullChecks). */
export interface FederatedExperiment {
  data: { trainRows: number; testRows: number; publicRows: number; seed: number; monitorRows: number };
  clients: number;
  alphas: number[];
  minClientRows: number;
  seeds: number[];
  rounds: number;
  localEpochs: number;
  batchSize: number;
  learningRate: number;
  distillation: { epochs: number; temperature: number; losses: { loss: string; weight: number; name?: string; [param: string]: unknown }[] };
  clientModels: number[][];
  fedavgHidden: number[];
  centralHidden: number[];
  methods: FedMethodConfig[];
  reference: string;
}
type StrictOnly<T> = undefined extends null ? unknown : T;
const _sameType: StrictOnly<FederatedExperiment> = null as unknown as z.output<typeof federatedSchema>;
void _sameType;

export const federatedKind = { federated: federatedSchema };

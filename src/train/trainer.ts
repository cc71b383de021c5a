/**
 * The training loop, the only one in the library: seeded, mini-batched,
 * shuffled every epoch, Adam (or the caller's optimizer), any weighted mix of
 * registry loss terms, a per-epoch history with every term's mean, exact
 * resume, and a divergence guard. Teacher outputs come in cached (or are cached
 * here once from a frozen teacher model), so a step costs one student pass.
 * Everything a step allocates is released inside tf.tidy; tensors are read
 * only asynchronously (WebGPU has no synchronous reads).
 */
import * as tf from "@tensorflow/tfjs";
import { LossSpec, buildLossTerms } from "../distill/registry";
import type { LossContext, LossTerm } from "../distill/terms/types";
import { attentionSimilarityTensor, pickLayer } from "../distill/attention";
import { checkTemperature } from "../distill/temperature";
import { Rng, deriveSeed, shuffleInPlace } from "../core/seed";
import { checkData, readAndDispose } from "./check-data";
import { cacheTeacher, gatherTeacher, mergeNeeds } from "./teacher-outputs";
import { ModelLike, Trainable, asTrainable, evalLogits, forwardAll, outputShapes } from "./trainable";
import { EpochRecord, TemperatureFn, TrainConfig, TrainData, TrainHooks, checkTrainConfig } from "./train-types";

export * from "./train-types";
export type { LossTerm, LossContext } from "../distill/terms/types";
export { asTrainable } from "./trainable";
export type { Trainable, ModelLike } from "./trainable";

function studentClasses(m: Trainable, inputDim: number): number {
  if (m.layersModel) return (m.layersModel.outputs[0].shape as number[])[1];
  return tf.tidy(() => m.forward(tf.zeros([1, inputDim]) as tf.Tensor2D, false).logits.shape[1]);
}

/** The objective: registry terms from config.losses, or α·CE + (1−α)·KD, then the hand-built extra terms. */
function objective(config: TrainConfig, alpha: number): LossSpec[] {
  return config.losses ?? [
    { loss: "ce", weight: alpha },
    { loss: "kd", weight: 1 - alpha },
  ];
}

/** Trains `model` in place and returns the per-epoch history. */
export async function fit(modelLike: ModelLike, data: TrainData, config: TrainConfig, hooks: TrainHooks = {}): Promise<EpochRecord[]> {
  checkTrainConfig(config);
  const model = asTrainable(modelLike);
  const teacher = data.teacherModel ? asTrainable(data.teacherModel) : undefined;
  const temperatureAt: TemperatureFn = typeof config.temperature === "function" ? config.temperature : () => (config.temperature as number | undefined) ?? 1;
  const hasTeacher = !!(data.teacherTrain || data.teacherTargets || teacher);
  const alpha = config.alpha ?? (hasTeacher ? 0.5 : 1);
  const inputDim = data.train.x.shape[1];
  await checkData(studentClasses(model, inputDim), data, !config.losses && alpha < 1);

  const shapes = config.losses ? { student: outputShapes(model, inputDim), teacher: teacher ? outputShapes(teacher, inputDim) : undefined } : { student: { name: model.name, features: {}, attentions: [] } };
  const terms: LossTerm[] = [
    ...buildLossTerms(objective(config, alpha), { ...shapes, hasTeacherOutputs: hasTeacher, seed: config.seed, inputs: data.inputs ?? {}, trainRows: data.train.x.shape[0] }),
    ...(config.extraTerms ?? []),
  ];
  hooks.onStart?.({ partNames: terms.map((t) => t.name), extraParams: terms.flatMap((t) => t.variables ?? []).reduce((a, v) => a + v.size, 0) });
  const needs = mergeNeeds(terms.map((t) => t.needs));
  const tCache = cacheTeacher(teacher, data.train.x, needs, data.teacherTrain);
  const probe = config.probe && teacher && shapes.teacher?.attentions.length && shapes.student.attentions.length ? config.probe : undefined;
  const tProbe = probe ? forwardAll(teacher!, data.test.x, (o) => [pickLayer(o.attentions, probe.teacherLayer, "teacher")])[0] : undefined;
  const tTest = data.teacherTest ?? (teacher ? evalLogits(teacher, data.test.x) : undefined);
  const xAll = needs.hostInputs ? ((await data.train.x.data()) as Float32Array) : undefined;

  const start = config.resume;
  const n = data.train.x.shape[0];
  const rng = new Rng(deriveSeed(config.seed, "shuffle"));
  if (start) rng.setState(start.rngState);
  const optimizer = config.optimizer ?? tf.train.adam(config.learningRate);
  // Read once: a wrapped LayersModel builds this list on every access.
  const studentVars = model.variables;
  const varList = [...studentVars, ...terms.flatMap((t) => t.variables ?? [])];
  const order = Array.from({ length: n }, (_, i) => i);
  const history: EpochRecord[] = start ? [...start.history] : [];
  const partNames = ["loss", ...terms.map((t) => t.name)];
  let step = start?.step ?? 0;
  const labelledRows = data.labelMask ? (await readAndDispose(tf.tidy(() => tf.sum(tf.cast(tf.greater(data.labelMask!, 0), "float32")))))[0] : null;

  try {
    for (let epoch = (start?.epoch ?? 0) + 1; epoch <= config.epochs; epoch++) {
      await hooks.onEpochStart?.(epoch);
      const t0 = performance.now();
      // Shuffle the identity order each epoch, so the RNG state alone fixes the order (and resume is exact).
      for (let i = 0; i < n; i++) order[i] = i;
      shuffleInPlace(order, rng);
      const sums = new Float64Array(partNames.length + 1); // loss parts summed over samples, then correct count
      let temperatureSum = 0;
      let steps = 0;
      for (let begin = 0; begin < n; begin += config.batchSize) {
        const batch = order.slice(begin, begin + config.batchSize);
        const temperature = temperatureAt(step);
        checkTemperature(temperature, `temperature at step ${step}`);
        temperatureSum += temperature;
        const partsT = tf.tidy(() => {
          const idx = tf.tensor1d(batch, "int32");
          const xb = tf.gather(data.train.x, idx) as tf.Tensor2D;
          const mb = data.labelMask ? (tf.cast(tf.greater(tf.gather(data.labelMask, idx), 0), "float32") as tf.Tensor1D) : undefined;
          const yRaw = tf.gather(data.train.y, idx) as tf.Tensor1D;
          // Unlabelled rows' labels are replaced by class 0 (weight 0) before any loss or metric reads them.
          const yb = mb ? (tf.where(tf.greater(mb, 0), tf.cast(yRaw, "int32"), tf.zerosLike(tf.cast(yRaw, "int32"))) as tf.Tensor1D) : (tf.cast(yRaw, "int32") as tf.Tensor1D);
          const tb = gatherTeacher(tCache, idx, needs.logits);
          if (needs.logits && data.teacherTargets) tb.targets = data.teacherTargets({ indices: idx, temperature, epoch });
          const xHost = () => {
            const out = new Float32Array(batch.length * inputDim);
            batch.forEach((r, i) => out.set(xAll!.subarray(r * inputDim, (r + 1) * inputDim), i * inputDim));
            return out;
          };
          let parts: tf.Tensor1D | undefined;
          const { grads } = tf.variableGrads(() => {
            const outputs = model.forward(xb, true);
            const ctx: LossContext = {
              outputs,
              logits: outputs.logits,
              forward: (x) => model.forward(x, true),
              variables: studentVars,
              model: model.layersModel,
              x: xb,
              xHost,
              y: yb,
              mask: mb,
              indices: idx,
              teacher: tb,
              temperature,
              epoch,
              step,
            };
            const vals = terms.map((t) => t.compute(ctx));
            const total = vals.reduce<tf.Scalar>((acc, v, i) => (i === 0 ? (tf.mul(v, terms[0].weight) as tf.Scalar) : (tf.add(acc, tf.mul(v, terms[i].weight)) as tf.Scalar)), tf.scalar(0));
            const hit = tf.cast(tf.equal(tf.argMax(outputs.logits, 1), yb), "float32");
            const correct = tf.sum(mb ? tf.mul(hit, mb) : hit);
            parts = tf.keep(tf.stack([total, ...vals, tf.div(correct, batch.length)]) as tf.Tensor1D);
            return total;
          }, varList);
          optimizer.applyGradients(grads as unknown as Parameters<typeof optimizer.applyGradients>[0]);
          return parts!;
        });
        const values = await readAndDispose(partsT);
        for (let i = 0; i < partNames.length; i++) {
          if (!Number.isFinite(values[i])) {
            throw new Error(`training diverged at step ${step} (epoch ${epoch}): loss part "${partNames[i]}" is ${values[i]}`);
          }
        }
        values.forEach((v, i) => (sums[i] += v * batch.length));
        steps++;
        step++;
      }
      const mean = Array.from(sums, (v) => v / n);
      if (labelledRows !== null) mean[partNames.length] = labelledRows > 0 ? sums[partNames.length] / labelledRows : 0;
      const [testAcc, teacherAgreement, similarity] = await readAndDispose(
        tf.tidy(() => {
          const testLogits = probe ? undefined : evalLogits(model, data.test.x);
          const all = probe ? forwardAll(model, data.test.x, (o) => [o.logits, pickLayer(o.attentions, probe.studentLayer, "student")]) : [testLogits!];
          const pred = tf.argMax(all[0], 1);
          const acc = tf.mean(tf.cast(tf.equal(pred, tf.cast(data.test.y, "int32")), "float32"));
          const agree = tTest ? tf.mean(tf.cast(tf.equal(pred, tf.argMax(tTest, 1)), "float32")) : tf.scalar(NaN);
          const sim = probe ? attentionSimilarityTensor(all[1] as tf.Tensor4D, tProbe as tf.Tensor4D, probe.heads ?? "mean") : tf.scalar(NaN);
          return tf.stack([acc, agree, sim]);
        }),
      );
      const parts = Object.fromEntries(terms.map((t, i) => [t.name, mean[1 + i]]));
      const extra = Object.fromEntries(Object.entries(parts).filter(([k]) => k !== "ce" && k !== "kd"));
      const record: EpochRecord = {
        epoch,
        loss: mean[0],
        parts,
        ce: parts.ce ?? 0,
        kd: parts.kd ?? 0,
        ...(Object.keys(extra).length ? { extra } : {}),
        trainAcc: mean[partNames.length],
        testAcc,
        teacherAgreement: tTest ? teacherAgreement : null,
        attentionSimilarity: probe ? similarity : null,
        temperature: temperatureSum / steps,
        ms: performance.now() - t0,
      };
      history.push(record);
      await hooks.onEpoch?.(record, { epoch, step, rngState: rng.getState(), history });
      if (epoch % 10 === 0) await new Promise((r) => setImmediate(r)); // let a notebook flush its output
    }
  } finally {
    if (!config.optimizer) optimizer.dispose();
    terms.forEach((t) => t.dispose?.());
    tCache.dispose();
    tProbe?.dispose();
    if (tTest && tTest !== data.teacherTest) tTest.dispose();
  }
  return history;
}

/** The same loop under its historical name. */
export const train = fit;

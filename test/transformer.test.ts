import { test } from "uvu";
import * as assert from "uvu/assert";
import { initBackend, tf } from "../src/backend";
import { buildTransformer, layerNorm } from "../src/models/transformer";
import { buildCnn } from "../src/models/cnn";
import { buildMlp } from "../src/models/mlp";
import { countParams, exportWeights, importWeights, layersFeatureModel, multiOutputModel } from "../src/models/probe";

test.before(async () => {
  await initBackend({ log: false });
});

const spec = { seqLen: 8, tokenDim: 8, dModel: 32, heads: 4, layers: 2, ffDim: 64, numClasses: 10, seed: 0 };
const x = () => tf.tidy(() => tf.randomUniform([5, 64], 0, 1, "float32", 7)) as tf.Tensor2D;

test("transformer: shapes, attention rows sum to 1, parameter count", () => {
  const m = buildTransformer(spec);
  const xs = x();
  tf.tidy(() => {
    const o = m.forward(xs);
    assert.equal(o.logits.shape, [5, 10]);
    assert.equal(o.features.layer0.shape, [5, 8, 32]);
    assert.equal(o.features.layer1.shape, [5, 8, 32]);
    assert.equal(o.features.pooled.shape, [5, 32]);
    assert.is(o.attentions!.length, 2);
    for (const a of o.attentions!) {
      assert.equal(a.shape, [5, 4, 8, 8]);
      const sums = tf.sum(a, -1).dataSync();
      assert.ok(Array.from(sums).every((s) => Math.abs(s - 1) < 1e-5), "rows sum to 1");
      assert.ok(tf.min(a).dataSync()[0] >= 0);
    }
  });
  // embed 8·32+32, pos 8·32, per layer 4·32² + 32 + 2·32·64 + 64 + 32 + 4·32 (norms), final norm 64, head 32·10+10
  const perLayer = 4 * 32 * 32 + 32 + 32 * 64 + 64 + 64 * 32 + 32 + 4 * 32;
  assert.is(countParams(m), 8 * 32 + 32 + 8 * 32 + 2 * perLayer + 64 + 320 + 10);
  m.dispose();
  xs.dispose();
});

test("transformer: attention equals softmax(q kᵀ/√d) computed in plain JS for a 1-head model", () => {
  const m = buildTransformer({ ...spec, dModel: 4, heads: 1, layers: 1, ffDim: 4 });
  const xs = x();
  // Recompute layer 0 attention from the variables: embed → +pos → layer norm → q, k.
  const [embed, embedB, pos, ln1g, ln1b, wq, wk] = m.variables.map((v) => v.arraySync() as number[][] | number[]);
  const rows = xs.arraySync() as number[][];
  const got = tf.tidy(() => m.forward(xs).attentions![0].arraySync() as number[][][][]);
  for (let b = 0; b < 2; b++) {
    const tokens = Array.from({ length: 8 }, (_, s) => rows[b].slice(8 * s, 8 * s + 8));
    const h = tokens.map((t, s) => (embedB as number[]).map((bb, j) => bb + t.reduce((acc, v, i) => acc + v * (embed as number[][])[i][j], 0) + (pos as number[][])[s][j]));
    const ln = h.map((r) => {
      const mu = r.reduce((a, v) => a + v, 0) / r.length;
      const va = r.reduce((a, v) => a + (v - mu) ** 2, 0) / r.length;
      return r.map((v, j) => ((v - mu) / Math.sqrt(va + 1e-5)) * (ln1g as number[])[j] + (ln1b as number[])[j]);
    });
    const proj = (w: number[][]) => ln.map((r) => w[0].map((_, j) => r.reduce((a, v, i) => a + v * w[i][j], 0)));
    const q = proj(wq as number[][]), k = proj(wk as number[][]);
    for (let i = 0; i < 8; i++) {
      const sc = k.map((kr) => kr.reduce((a, v, j) => a + v * q[i][j], 0) / 2);
      const mx = Math.max(...sc);
      const e = sc.map((v) => Math.exp(v - mx));
      const z = e.reduce((a, v) => a + v);
      e.forEach((v, j) => assert.ok(Math.abs(v / z - got[b][0][i][j]) < 1e-4, `attention [${b},${i},${j}]`));
    }
  }
  m.dispose();
  xs.dispose();
});

test("transformer: seeded (same seed = same weights), weights export/import, bad specs", () => {
  const a = buildTransformer(spec), b = buildTransformer(spec), c = buildTransformer({ ...spec, seed: 1 });
  assert.equal(Array.from(a.variables[0].dataSync()), Array.from(b.variables[0].dataSync()));
  assert.not.equal(Array.from(a.variables[0].dataSync()), Array.from(c.variables[0].dataSync()));
  importWeights(c, exportWeights(a));
  const xs = x();
  tf.tidy(() => assert.equal(Array.from(c.forward(xs).logits.dataSync()), Array.from(a.forward(xs).logits.dataSync())));
  assert.throws(() => buildTransformer({ ...spec, dModel: 30 }), /multiple of heads/);
  assert.throws(() => tf.tidy(() => { a.forward(tf.zeros([2, 60]) as tf.Tensor2D); }), /8×8 = 64.*\[2,60\]/);
  [a, b, c].forEach((m) => m.dispose());
  xs.dispose();
});

test("layerNorm: zero mean, unit variance per row", () => {
  tf.tidy(() => {
    const y = layerNorm(tf.tensor2d([[1, 2, 3, 6], [0, 0, 1, 1]]), tf.ones([4]), tf.zeros([4]));
    const { mean, variance } = tf.moments(y, -1);
    assert.ok(Array.from(mean.dataSync()).every((v) => Math.abs(v) < 1e-6));
    assert.ok(Array.from(variance.dataSync()).every((v) => Math.abs(v - 1) < 1e-3));
  });
});

test("cnn: feature maps and logits shapes; MLP exposes chosen hidden activations", () => {
  const m = buildCnn({ side: 8, channels: 1, conv1: 8, conv2: 16, hidden: 32, numClasses: 10, seed: 0 });
  const xs = x();
  tf.tidy(() => {
    const o = m.forward(xs);
    assert.equal(o.logits.shape, [5, 10]);
    assert.equal(o.features.conv1.shape, [5, 8, 8, 8]);
    assert.equal(o.features.conv2.shape, [5, 8, 8, 16]);
    assert.equal(o.features.pool.shape, [5, 4, 4, 16]);
    assert.equal(o.features.hidden.shape, [5, 32]);
  });
  m.dispose();
  const mlp = buildMlp({ inputDim: 64, hidden: [32, 16], outputDim: 10, seed: 0 });
  const probe = multiOutputModel(mlp, ["dense_0", "dense_1"]);
  tf.tidy(() => {
    const outs = probe.predict(xs) as tf.Tensor[];
    assert.equal(outs.map((t) => t.shape), [[5, 10], [5, 32], [5, 16]]);
    // Same weights: the probe's logits are the MLP's logits.
    assert.equal(Array.from(outs[0].dataSync()), Array.from((mlp.predict(xs) as tf.Tensor).dataSync()));
  });
  assert.throws(() => multiOutputModel(mlp, ["nope"]), /layer "nope".*dense_0/);
  const fm = layersFeatureModel(mlp, ["dense_1"]);
  tf.tidy(() => assert.equal(fm.forward(xs).features.dense_1.shape, [5, 16]));
  assert.is(fm.variables.length, 6);
  fm.dispose();
  xs.dispose();
});

test.run();

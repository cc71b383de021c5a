/**
 * A small Transformer encoder written with tfjs ops (tfjs-layers has no
 * attention layer): token embedding + learned positions, then pre-norm blocks
 * of multi-head self-attention and a ReLU feed-forward, mean pooling, a final
 * layer norm and a linear classifier. Every weight is a tf.Variable created
 * with a seeded initialiser. On digits an 8×8 image is read as a sequence of
 * 8 rows of 8 pixels (seqLen 8, tokenDim 8).
 *
 * forward() returns the logits, each layer's hidden sequence ("layer0", …,
 * [batch, seq, dModel]), the pooled vector ("pooled", [batch, dModel]) and each
 * layer's attention matrices [batch, heads, seq, seq] (softmax rows sum to 1).
 */
import * as tf from "@tensorflow/tfjs";
import { deriveSeed } from "../core/seed";
import { FeatureModel, ModelOutputs, constVariable, glorotVariable, uniquePrefix } from "./probe";

export interface TransformerSpec {
  seqLen: number;
  tokenDim: number;
  dModel: number;
  heads: number;
  layers: number;
  /** Width of the feed-forward hidden layer. */
  ffDim: number;
  numClasses: number;
  seed: number;
}

export function checkTransformerSpec(s: TransformerSpec): void {
  for (const k of ["seqLen", "tokenDim", "dModel", "heads", "layers", "ffDim", "numClasses"] as const) {
    if (!Number.isInteger(s[k]) || s[k] <= 0) throw new Error(`transformer ${k} must be a positive integer; got ${s[k]}`);
  }
  if (s.dModel % s.heads !== 0) throw new Error(`transformer dModel (${s.dModel}) must be a multiple of heads (${s.heads})`);
}

export function describeTransformer(s: TransformerSpec): string {
  return `transformer L${s.layers} H${s.heads} d${s.dModel} ff${s.ffDim}`;
}

/** Layer norm over the last axis with gain and bias. */
export function layerNorm(x: tf.Tensor, gain: tf.Tensor, bias: tf.Tensor, eps = 1e-5): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), gain), bias);
}

/** x [B, S, a] · w [a, b] + bias → [B, S, b] (as one 2-D product). */
function linear3(x: tf.Tensor, w: tf.Tensor, b?: tf.Tensor): tf.Tensor {
  const [batch, seq, a] = x.shape;
  const y = tf.matMul(tf.reshape(x, [batch * (seq as number), a as number]), w as tf.Tensor2D);
  return tf.reshape(b ? tf.add(y, b) : y, [batch, seq as number, w.shape[1] as number]);
}

/** Scaled dot-product attention probabilities softmax(q kᵀ / √d) for q, k [B, H, S, dh] → [B, H, S, S]. */
export function attentionProbs(q: tf.Tensor4D, k: tf.Tensor4D): tf.Tensor4D {
  const dh = q.shape[3];
  return tf.softmax(tf.div(tf.matMul(q, k, false, true), Math.sqrt(dh))) as tf.Tensor4D;
}

export function buildTransformer(spec: TransformerSpec): FeatureModel {
  checkTransformerSpec(spec);
  const { seqLen, tokenDim, dModel, heads, layers, ffDim, numClasses, seed } = spec;
  const prefix = uniquePrefix("tf");
  const vars: tf.Variable[] = [];
  const g = (shape: number[], label: string, ...parts: (string | number)[]) => {
    const v = glorotVariable(shape, deriveSeed(seed, label, ...parts), `${prefix}_${label}${parts.join("_")}`);
    vars.push(v);
    return v;
  };
  const c = (shape: number[], value: number, label: string, ...parts: (string | number)[]) => {
    const v = constVariable(shape, value, `${prefix}_${label}${parts.join("_")}`);
    vars.push(v);
    return v;
  };
  const embed = g([tokenDim, dModel], "embed");
  const embedB = c([dModel], 0, "embed_b");
  const pos = tf.tidy(() => {
    const v = tf.variable(tf.mul(tf.randomNormal([seqLen, dModel], 0, 1, "float32", deriveSeed(seed, "pos")), 0.1), true, `${prefix}_pos`);
    return v;
  });
  vars.push(pos);
  const blocks = Array.from({ length: layers }, (_, l) => ({
    ln1g: c([dModel], 1, "ln1g", l),
    ln1b: c([dModel], 0, "ln1b", l),
    wq: g([dModel, dModel], "wq", l),
    wk: g([dModel, dModel], "wk", l),
    wv: g([dModel, dModel], "wv", l),
    wo: g([dModel, dModel], "wo", l),
    bo: c([dModel], 0, "bo", l),
    ln2g: c([dModel], 1, "ln2g", l),
    ln2b: c([dModel], 0, "ln2b", l),
    w1: g([dModel, ffDim], "w1", l),
    b1: c([ffDim], 0, "b1", l),
    w2: g([ffDim, dModel], "w2", l),
    b2: c([dModel], 0, "b2", l),
  }));
  const lnFg = c([dModel], 1, "lnFg");
  const lnFb = c([dModel], 0, "lnFb");
  const head = g([dModel, numClasses], "head");
  const headB = c([numClasses], 0, "head_b");
  const dh = dModel / heads;

  /** [B, S, d] → [B, H, S, dh]. */
  const split = (t: tf.Tensor, batch: number) => tf.transpose(tf.reshape(t, [batch, seqLen, heads, dh]), [0, 2, 1, 3]) as tf.Tensor4D;

  const forward = (x: tf.Tensor2D): ModelOutputs => {
    const batch = x.shape[0];
    if (x.shape[1] !== seqLen * tokenDim) throw new Error(`transformer expects inputs of ${seqLen}×${tokenDim} = ${seqLen * tokenDim} values per row; got [${x.shape}]`);
    let h = tf.add(linear3(tf.reshape(x, [batch, seqLen, tokenDim]), embed, embedB), pos);
    const features: Record<string, tf.Tensor> = {};
    const attentions: tf.Tensor4D[] = [];
    blocks.forEach((b, l) => {
      const a = layerNorm(h, b.ln1g, b.ln1b);
      const q = split(linear3(a, b.wq), batch);
      const k = split(linear3(a, b.wk), batch);
      const v = split(linear3(a, b.wv), batch);
      const p = attentionProbs(q, k);
      attentions.push(p);
      const ctx = tf.reshape(tf.transpose(tf.matMul(p, v), [0, 2, 1, 3]), [batch, seqLen, dModel]);
      h = tf.add(h, linear3(ctx, b.wo, b.bo));
      const f = layerNorm(h, b.ln2g, b.ln2b);
      h = tf.add(h, linear3(tf.relu(linear3(f, b.w1, b.b1)), b.w2, b.b2));
      features[`layer${l}`] = h;
    });
    const pooled = layerNorm(tf.mean(h, 1), lnFg, lnFb);
    features.pooled = pooled;
    const logits = tf.add(tf.matMul(pooled as tf.Tensor2D, head), headB) as tf.Tensor2D;
    return { logits, features, attentions };
  };

  return {
    name: describeTransformer(spec),
    variables: vars,
    featureNames: [...blocks.map((_, l) => `layer${l}`), "pooled"],
    forward,
    dispose() {
      vars.forEach((v) => v.dispose());
    },
  };
}

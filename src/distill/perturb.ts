/**
 * Small, seeded input perturbations for a consistency loss: Gaussian pixel
 * noise and a one-pixel shift of a square image (8×8 for digits), and the
 * consistency LossTerm that asks the model for the same prediction on the
 * clean and the perturbed input.
 *
 * The perturbation is drawn in JavaScript from a mulberry32 stream seeded by
 * (seed, global step), so it is the same on every backend and a resumed run
 * draws the same noise.
 */
import * as tf from "@tensorflow/tfjs";
import type { LossTerm } from "./terms/types";
import { Rng, deriveSeed } from "../core/seed";

export interface PerturbSpec {
  /** Standard deviation of the additive Gaussian noise (pixels are in [0, 1]); 0 = none. */
  noiseStd: number;
  /** Probability that an image is shifted by one pixel (up, down, left or right, equally likely; zeros fill in); 0 = never. */
  shiftProb: number;
  /** Side of the square image the rows hold (8 for 8×8 digits); needed when shiftProb > 0. */
  imageSide?: number;
}

export function checkPerturbSpec(p: PerturbSpec, field = "perturb"): void {
  if (!(Number.isFinite(p.noiseStd) && p.noiseStd >= 0)) throw new Error(`${field}.noiseStd must be ≥ 0; got ${p.noiseStd}`);
  if (!(Number.isFinite(p.shiftProb) && p.shiftProb >= 0 && p.shiftProb <= 1)) throw new Error(`${field}.shiftProb must be in [0, 1]; got ${p.shiftProb}`);
  if (p.shiftProb > 0 && !(Number.isInteger(p.imageSide) && (p.imageSide as number) > 1)) {
    throw new Error(`${field}.imageSide must be an integer > 1 when shiftProb > 0; got ${p.imageSide}`);
  }
}

/** Shifts one side×side image (row-major) by (dy, dx) pixels, filling with zeros; writes into `out`. */
export function shiftImage(src: ArrayLike<number>, out: Float32Array, side: number, dy: number, dx: number, offset = 0): void {
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      const sr = r - dy;
      const sc = c - dx;
      out[offset + r * side + c] = sr >= 0 && sr < side && sc >= 0 && sc < side ? src[offset + sr * side + sc] : 0;
    }
  }
}

const SHIFTS: [number, number][] = [[-1, 0], [1, 0], [0, -1], [0, 1]];

/** Perturbs `rows` rows of `dim` features (row-major); returns a new array. */
export function perturbRows(x: Float32Array, rows: number, dim: number, spec: PerturbSpec, rng: Rng): Float32Array {
  const out = new Float32Array(x.length);
  const side = spec.imageSide ?? 0;
  if (spec.shiftProb > 0 && side * side !== dim) throw new Error(`perturb: imageSide ${side} needs ${side * side} features per row; rows have ${dim}`);
  for (let i = 0; i < rows; i++) {
    const o = i * dim;
    if (spec.shiftProb > 0 && rng.next() < spec.shiftProb) {
      const [dy, dx] = SHIFTS[rng.int(4)];
      shiftImage(x, out, side, dy, dx, o);
    } else {
      out.set(x.subarray(o, o + dim), o);
    }
    if (spec.noiseStd > 0) {
      for (let j = 0; j < dim; j += 2) {
        // Box–Muller: two independent normals per pair of uniforms.
        const u = 1 - rng.next();
        const v = rng.next();
        const r = Math.sqrt(-2 * Math.log(u)) * spec.noiseStd;
        out[o + j] += r * Math.cos(2 * Math.PI * v);
        if (j + 1 < dim) out[o + j + 1] += r * Math.sin(2 * Math.PI * v);
      }
    }
  }
  return out;
}

/** The identity with a zero gradient (tfjs has no stop_gradient). */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  const f = tf.customGrad(((a: tf.Tensor) => ({ value: a.clone(), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x) as T;
}

/**
 * Consistency between two predictions, batch mean of KL(p_clean ‖ p_perturbed)
 * at temperature 1, with the clean prediction treated as a fixed target (no
 * gradient through it). 0 when the two logit rows give the same distribution,
 * positive otherwise.
 */
export function consistencyLoss(cleanLogits: tf.Tensor2D, perturbedLogits: tf.Tensor2D): tf.Scalar {
  if (cleanLogits.rank !== 2 || cleanLogits.shape.some((d, i) => d !== perturbedLogits.shape[i])) {
    throw new Error(`consistencyLoss: logits shapes [${cleanLogits.shape}] and [${perturbedLogits.shape}] differ`);
  }
  return tf.tidy(() => {
    const logP = stopGradient(tf.logSoftmax(cleanLogits));
    const kl = tf.sum(tf.mul(tf.exp(logP), tf.sub(logP, tf.logSoftmax(perturbedLogits))), 1);
    // KL is ≥ 0; clamp float rounding below zero.
    return tf.maximum(tf.mean(kl), 0) as tf.Scalar;
  });
}

/**
 * The consistency LossTerm: every batch row is perturbed (seeded by `seed` and
 * the global step), the model run on it in training mode, and the KL from the
 * clean prediction to the perturbed one added with `weight`. Uses no labels.
 */
export function consistencyTerm(args: { weight: number; perturb: PerturbSpec; seed: number; name?: string }): LossTerm {
  checkPerturbSpec(args.perturb);
  if (!(Number.isFinite(args.weight) && args.weight >= 0)) throw new Error(`consistency weight must be ≥ 0; got ${args.weight}`);
  return {
    name: args.name ?? "consistency",
    weight: args.weight,
    // The batch is perturbed on the host (read once per run, asynchronously), so no tensor is read synchronously.
    needs: { hostInputs: true },
    compute: ({ forward, x, xHost, logits, step }) => {
      const [rows, dim] = x.shape;
      const noisy = perturbRows(xHost(), rows, dim, args.perturb, new Rng(deriveSeed(args.seed, "perturb", step)));
      const xp = tf.tensor2d(noisy, [rows, dim], "float32");
      return consistencyLoss(logits, forward(xp).logits);
    },
  };
}

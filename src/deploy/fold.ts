// Folding what follows a conv/dense layer into its output transform, with
// exactly the float32 arithmetic the training engine uses, so that the packed
// model decides every sign as model.predict() does:
// - BatchNorm (inference) is y = f32(f32(x*scale) + shift) with scale and
//   shift computed as ops/batchNorm.ts computes them;
// - a chain of per-channel monotone maps (bias, BatchNorm, relu, hard_tanh)
//   followed by Larq's sign (x >= 0 -> +1) is one comparison of the layer's
//   accumulator with a threshold, found by binary search over the exact
//   chain: over the integers [-K, K] for packed layers, over all float32
//   values for float-input layers. A decreasing chain (a negative scale)
//   flips the comparison.
import { signThreshold } from '../ops/binary/output.js';

const f = Math.fround;

export type ChannelOp =
  | { kind: 'affine'; scale: Float32Array | null; shift: Float32Array | null }
  | { kind: 'relu' }
  | { kind: 'hard_tanh' };

export interface BatchNormLike {
  gamma: Float32Array | null;
  beta: Float32Array | null;
  movingMean: Float32Array;
  movingVariance: Float32Array;
  epsilon: number;
}

/** Inference BatchNorm as per-channel scale/shift, rounded as ops/batchNorm.ts rounds them. */
export function batchNormAffine(bn: BatchNormLike): { scale: Float32Array; shift: Float32Array } {
  const C = bn.movingMean.length;
  const scale = new Float32Array(C);
  const shift = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    const invStd = f(1 / Math.sqrt(bn.movingVariance[c] + bn.epsilon));
    scale[c] = f((bn.gamma ? bn.gamma[c] : 1) * invStd);
    shift[c] = f((bn.beta ? bn.beta[c] : 0) - bn.movingMean[c] * scale[c]);
  }
  return { scale, shift };
}

/** y of channel c after the ops, in float32 as the engine computes it. */
export function applyChain(ops: readonly ChannelOp[], c: number, x: number): number {
  let y = f(x);
  for (const op of ops) {
    if (op.kind === 'affine') {
      if (op.scale) y = f(y * op.scale[c]);
      if (op.shift) y = f(y + op.shift[c]);
    } else if (op.kind === 'relu') {
      y = y > 0 ? y : 0;
    } else {
      const t = -1 < y ? y : -1;
      y = t < 1 ? t : 1;
    }
  }
  return y;
}

/** True when the ops map channel c decreasingly (an odd number of negative scales). */
export function decreasing(ops: readonly ChannelOp[], c: number): boolean {
  let dec = false;
  for (const op of ops) if (op.kind === 'affine' && op.scale && op.scale[c] < 0) dec = !dec;
  return dec;
}

// sign as Larq's ste_sign / quantSign: -1 unless y >= 0 (NaN -> -1)
const neg = (y: number) => !(y >= 0);

/**
 * Integer thresholds for a packed layer's dot d in [-K, K]: bit (-1) exactly
 * when (flip ? -d : d) < threshold, i.e. when sign(chain(d)) = -1.
 */
export function intThresholds(ops: readonly ChannelOp[], C: number, K: number): { thresholds: Int32Array; flip: Uint8Array } {
  const thresholds = new Int32Array(C);
  const flip = new Uint8Array(C);
  for (let c = 0; c < C; c++) {
    const t = signThreshold((d) => !neg(applyChain(ops, c, d)), K, decreasing(ops, c));
    thresholds[c] = t.threshold;
    flip[c] = t.flip;
  }
  return { thresholds, flip };
}

// float32 values in order as integers: -inf .. -0 = +0 .. +inf (NaN excluded);
// both zeros are one point, as every chain treats them alike (x >= 0).
const KEY_INF = 0x7f800000;
const scratch = new DataView(new ArrayBuffer(4));
function floatOfKey(key: number): number {
  scratch.setUint32(0, key >= 0 ? key : (0x80000000 | -key) >>> 0);
  return scratch.getFloat32(0);
}

/**
 * Float32 thresholds for a float-input layer's sum y: bit (-1) exactly when
 * (flip ? -y : y) < threshold, for every finite y.
 */
export function floatThresholds(ops: readonly ChannelOp[], C: number): { thresholds: Float32Array; flip: Uint8Array } {
  const thresholds = new Float32Array(C);
  const flip = new Uint8Array(C);
  for (let c = 0; c < C; c++) {
    const isNeg = (k: number) => neg(applyChain(ops, c, floatOfKey(k)));
    if (!decreasing(ops, c)) {
      let lo = -KEY_INF, hi = KEY_INF + 1;
      while (lo < hi) {
        const mid = Math.floor((lo + hi) / 2);
        if (!isNeg(mid)) hi = mid;
        else lo = mid + 1;
      }
      // lo = first +1 value; beyond +inf means always -1
      thresholds[c] = lo > KEY_INF ? Infinity : floatOfKey(lo);
      if (lo === 0) thresholds[c] = 0; // +0, so that -0 < t is false like +0
    } else {
      let lo = -KEY_INF - 1, hi = KEY_INF;
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        if (!isNeg(mid)) lo = mid;
        else hi = mid - 1;
      }
      // -1 for y > u, i.e. -y < -u; below -inf means always -1
      thresholds[c] = lo < -KEY_INF ? Infinity : -floatOfKey(lo);
      if (lo === 0) thresholds[c] = 0;
      flip[c] = 1;
    }
  }
  return { thresholds, flip };
}

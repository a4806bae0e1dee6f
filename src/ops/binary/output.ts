// The fused output transform of the binary kernels, as options, and the
// folding of a per-channel affine map (BatchNorm folded by the caller) into
// integer thresholds for bit outputs.
import { OUT_INT, OUT_FLOAT, OUT_BITS, ACC_SATURATE, ACC_WRAP, PATH_AUTO, PATH_SCALAR, PATH_V128, PATH_HYBRID, PATH_CSA }
  from '../../wasm/binaryKernels.js';

type Ptr = number;

/** int: i32 dot. float: f32 dot*scale[c] + bias[c]. bits: packed, bit 1 when (flip ? -dot : dot) < thr. */
export type BinaryOutput =
  | { kind: 'int' }
  | { kind: 'float'; scale: Ptr; bias?: Ptr }
  | { kind: 'bits'; thresholds: Ptr; flip?: Ptr };

/** A b-bit signed accumulator: the dot is clamped (saturate) or wrapped to [-2^(b-1), 2^(b-1)-1]. */
export interface AccumulatorLimit { bits: number; mode: 'saturate' | 'wrap' }

export type KernelPath = 'auto' | 'scalar' | 'v128' | 'hybrid' | 'csa';

export function outputArgs(o: BinaryOutput = { kind: 'int' }): [number, Ptr, Ptr] {
  switch (o.kind) {
    case 'int': return [OUT_INT, 0, 0];
    case 'float': return [OUT_FLOAT, o.scale, o.bias ?? 0];
    case 'bits': return [OUT_BITS, o.thresholds, o.flip ?? 0];
    default: throw new Error(`binary kernels: unknown output kind ${JSON.stringify(o)}`);
  }
}

export function accumulatorArgs(a?: AccumulatorLimit): [number, number] {
  if (!a) return [0, ACC_SATURATE];
  if (!Number.isInteger(a.bits) || a.bits < 1) throw new Error(`accumulator bits must be a positive integer, got ${a.bits}`);
  if (a.mode !== 'saturate' && a.mode !== 'wrap') throw new Error(`accumulator mode must be "saturate" or "wrap", got "${a.mode}"`);
  return [a.bits, a.mode === 'wrap' ? ACC_WRAP : ACC_SATURATE];
}

export function pathArg(p: KernelPath = 'auto'): number {
  const v = { auto: PATH_AUTO, scalar: PATH_SCALAR, v128: PATH_V128, hybrid: PATH_HYBRID, csa: PATH_CSA }[p];
  if (v === undefined) throw new Error(`binary kernels: unknown path "${p}"`);
  return v;
}

/** Bytes per output pixel for OC channels. */
export function outputPixelBytes(o: BinaryOutput | undefined, OC: number): number {
  return o?.kind === 'bits' ? Math.ceil(OC / 64) * 8 : OC * 4;
}

/**
 * Integer thresholds such that the 'bits' output equals, bit for bit, the
 * sign (x < 0 -> 1, x >= 0 -> 0) of the 'float' output y = f32(f32(dot*scale)
 * + bias) for every dot in [-maxAbsDot, maxAbsDot] (maxAbsDot = the layer's
 * K). y is monotone in dot, increasing for scale >= 0 and decreasing for
 * scale < 0 (then flip = 1 and the kernel compares -dot), so each channel is
 * one binary search over the exact f32 arithmetic the kernel performs.
 */
export function thresholdsFromAffine(scale: ArrayLike<number>, bias: ArrayLike<number> | null, maxAbsDot: number):
  { thresholds: Int32Array; flip: Int32Array } {
  const n = scale.length;
  const thresholds = new Int32Array(n);
  const flip = new Int32Array(n);
  for (let c = 0; c < n; c++) {
    const s = Math.fround(scale[c]);
    const b = Math.fround(bias ? bias[c] : 0);
    const t = signThreshold((d) => !(Math.fround(Math.fround(d * s) + b) < 0), maxAbsDot, !(s >= 0 || Number.isNaN(s)));
    thresholds[c] = t.threshold;
    flip[c] = t.flip;
  }
  return { thresholds, flip };
}

/**
 * Folds y = gamma*(x + bias - mean)/sqrt(variance + eps) + beta (a conv or
 * dense bias, then inference-mode BatchNorm) into y = x*scale + shift, the
 * 'float' output transform; thresholdsFromAffine(scale, shift, K) gives the
 * matching 'bits' output. The fold rounds differently from evaluating the
 * BatchNorm formula step by step (a few ulps), so only the integer dot is
 * bit-exact against the float model, not y.
 */
export function foldBatchNorm(bn: { gamma?: ArrayLike<number>; beta?: ArrayLike<number>; mean: ArrayLike<number>;
  variance: ArrayLike<number>; epsilon: number }, bias?: ArrayLike<number>): { scale: Float32Array; shift: Float32Array } {
  const n = bn.mean.length;
  const scale = new Float32Array(n);
  const shift = new Float32Array(n);
  for (let c = 0; c < n; c++) {
    const s = (bn.gamma ? bn.gamma[c] : 1) / Math.sqrt(bn.variance[c] + bn.epsilon);
    scale[c] = s;
    shift[c] = (bn.beta ? bn.beta[c] : 0) + ((bias ? bias[c] : 0) - bn.mean[c]) * s;
  }
  return { scale, shift };
}

/**
 * The integer threshold of one channel whose sign is a monotone function of
 * its dot d in [-K, K]: nonNeg(d) says whether the channel's value is >= 0
 * (sign +1), increasing in d unless `decreasing`. The bit (-1) is then set
 * exactly when (flip ? -d : d) < threshold. One binary search over the
 * caller's exact arithmetic; K+1 / -K-1 stand for "no d gives +1".
 */
export function signThreshold(nonNeg: (d: number) => boolean, K: number, decreasing: boolean): { threshold: number; flip: 0 | 1 } {
  if (!decreasing) {
    // smallest d in [-K, K+1] with nonNeg(d)
    let lo = -K, hi = K + 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (nonNeg(mid)) hi = mid;
      else lo = mid + 1;
    }
    return { threshold: lo, flip: 0 };
  }
  // largest d in [-K-1, K] with nonNeg(d); bit = d > it = (-d < -it)
  let lo = -K - 1, hi = K;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (nonNeg(mid)) lo = mid;
    else hi = mid - 1;
  }
  return { threshold: -lo, flip: 1 };
}

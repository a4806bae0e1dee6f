// What a quantizer is in xnorkit: a differentiable op whose forward pass
// quantizes and whose backward pass is a straight-through estimator (STE),
// plus the number of bits of what it outputs. That `precision` is all the rest
// of the library reads: summary() counts weights and MACs by it, Bop and the
// flip-ratio metric treat precision-1 variables as binary.
//
// Larq computes in float32. The built-in quantizers do their arithmetic on
// float32 values and round every intermediate with Math.fround where a tie or
// a threshold comparison could come out differently in float64.
import { Tensor } from '../tensor/tensor.js';
import { record, accumulateGrad } from '../autograd/graph.js';
import { wasm } from '../wasm/module.js';

export interface Quantizer {
  /** Larq's class name ("SteSign", "DoReFa", ...), or the user's name. */
  readonly className: string;
  /** Bits of the output values (1 = binary). A quantizer without a meaningful width says 32. */
  readonly precision: number;
  /** Quantizes x; records the STE gradient when x requires one. */
  call(x: Tensor): Tensor;
  /** Constructor arguments (camelCase), for summaries and saving. */
  getConfig(): Record<string, unknown>;
  /**
   * What the outputs are (values and grid), for engines that compute on
   * bits or integer codes; a quantizer without it promises nothing
   * (describe.ts: describeQuantizer).
   */
  describe?(): QuantizerDescription;
}

/** The set of values a quantizer outputs, as engines need to know it. */
export interface QuantizerDescription {
  /** Every value it can output, ascending (as float32 values), when the set is finite and fixed; null otherwise. */
  readonly levels: readonly number[] | null;
  /** Every output is an integer multiple of `step` (the value of one integer code); null when there is no such step. */
  readonly step: number | null;
}

/** Larq's sign quantizers: exactly −1 or +1, one code step apart by 2 (a product of two is ±1). */
export const SIGN_LEVELS: QuantizerDescription = Object.freeze({ levels: Object.freeze([-1, 1]), step: 1 });

export function isQuantizer(q: unknown): q is Quantizer {
  return typeof q === 'object' && q !== null && typeof (q as Quantizer).call === 'function'
    && typeof (q as Quantizer).className === 'string';
}

/**
 * Larq's sign: +1 for x >= 0 (both zeros), -1 below. Binary quantizers must
 * never output 0, so this differs from Math.sign on purpose.
 */
export function lsign(x: number): number {
  return x >= 0 ? 1 : -1;
}

/** TensorFlow's sign (0 at 0), used where Larq uses tf.sign directly (ste_tern, Bop). */
export function tsign(x: number): number {
  return x > 0 ? 1 : x < 0 ? -1 : 0;
}

/** tf.round: half to even (Math.round breaks ties upwards, which is not the same). */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** A clip window as Larq compares it: against the float32 value of clip_value; null = no window. */
export function clipWindow(clipValue: number | null | undefined, fallback: number | null): number | null {
  const c = clipValue === undefined ? fallback : clipValue;
  if (c === null) return null;
  if (!(c >= 0)) throw new Error(`clipValue must be a non-negative number or null, got ${c}`);
  return Math.fround(c);
}

export type ForwardFn = (x: Tensor, y: Tensor) => void;
export type BackwardFn = (x: Tensor, dy: Tensor, dx: Tensor) => void;

/**
 * The shared shape of every built-in quantizer op: allocate the output,
 * quantize, and on the way back write dx from (x, dy). The functions get
 * tensors, so hot cases call WASM kernels; the others loop over views (see
 * viaViews).
 */
export function quantizeOp(op: string, x: Tensor, forward: ForwardFn, backward: BackwardFn): Tensor {
  if (x.dtype !== 'float32') throw new Error(`${op}: input must be float32, got ${x.dtype}`);
  const out = new Tensor(x.shape);
  forward(x, out);
  return record(out, op, [x], (g) => {
    const dx = new Tensor(x.shape);
    backward(x, g, dx);
    accumulateGrad(x, dx);
  });
}

/**
 * Adapts a function of float32 views. Views are taken after every allocation
 * because allocating may grow WASM memory and invalidate older views.
 */
export function viaViews(fn: (...views: Float32Array[]) => void): (...ts: Tensor[]) => void {
  return (...ts) => fn(...ts.map((t) => t.data));
}

/** Larq's sign, elementwise (WASM kernel). */
export function signForward(x: Tensor, y: Tensor): void {
  wasm().quantSign(x.ptr, x.size, y.ptr);
}

/** dy where |x| <= clip (inclusive, as Larq's _clipped_gradient), 0 elsewhere; null = no window. */
export function clippedGradient(clip: number | null): BackwardFn {
  return (x, dy, dx) => {
    if (clip === null) dx.assign(dy);
    else wasm().quantClipGrad(x.ptr, dy.ptr, x.size, clip, dx.ptr);
  };
}

// Saturation and overflow of fixed-width registers: a layer's accumulator
// (the raw product, before bias and activation) or its output is held in a
// b-bit signed or unsigned register whose step is `lsb`. Saturate clamps to
// the range; wrap keeps the value modulo 2^b (two's complement overflow).
//
// The definition is the XNOR kernels' (src/wasm/binaryKernels.ts): a signed
// b-bit accumulator holds [-2^(b-1), 2^(b-1)-1], the final exact sum is
// clamped or wrapped. On a binary layer (integer dots, lsb 1) this transform
// and the kernel's accumulator limit give identical numbers; the XNOR runner
// uses the kernel's.
//
// Gradients: saturate passes dy inside the range and 0 outside (the exact
// derivative of a clamp, as Larq's clipped STE); wrap is the identity almost
// everywhere, so its straight-through gradient is dy. gradient: 'ste'
// passes dy everywhere for saturate too.
import { Tensor } from '../tensor/tensor.js';
import { record, accumulateGrad } from '../autograd/graph.js';
import type { CallContext, Layer, LayerTransform } from '../nn/layer.js';
import type { Sequential } from '../nn/sequential.js';
import { type LayerSelector, type Perturbation, selectLayers, hookLayers } from './perturbation.js';

export type OverflowMode = 'saturate' | 'wrap';

export interface IntRange { lo: number; hi: number; span: number }

/** The integer range of a b-bit register: signed [-2^(b-1), 2^(b-1)-1], unsigned [0, 2^b-1]. */
export function intRange(bits: number, signed: boolean): IntRange {
  if (!Number.isInteger(bits) || bits < 1 || bits > 32) throw new Error(`register bits must be an integer in 1..32, got ${bits}`);
  const span = 2 ** bits;
  return signed ? { lo: -(span / 2), hi: span / 2 - 1, span } : { lo: 0, hi: span - 1, span };
}

/** u (in register steps) as the register holds it. */
export function limitValue(u: number, r: IntRange, mode: OverflowMode): number {
  if (mode === 'saturate') return u < r.lo ? r.lo : u > r.hi ? r.hi : u;
  const m = (u - r.lo) % r.span;
  return (m < 0 ? m + r.span : m) + r.lo;
}

/** Elementwise limitValue(x / lsb) · lsb with the gradient described above. */
export function limitTensor(x: Tensor, r: IntRange, mode: OverflowMode, lsb: number, gradient: 'clipped' | 'ste'): Tensor {
  const out = new Tensor(x.shape);
  const src = x.data;
  const dst = out.data;
  if (lsb === 1) for (let i = 0; i < dst.length; i++) dst[i] = limitValue(src[i], r, mode);
  else for (let i = 0; i < dst.length; i++) dst[i] = limitValue(src[i] / lsb, r, mode) * lsb;
  return record(out, `limit_${mode}`, [x], (g) => {
    if (mode === 'wrap' || gradient === 'ste') return accumulateGrad(x, g.clone());
    const dx = new Tensor(x.shape);
    const xs = x.data;
    const gd = g.data;
    const d = dx.data;
    const lo = r.lo * lsb;
    const hi = r.hi * lsb;
    for (let i = 0; i < d.length; i++) d[i] = xs[i] >= lo && xs[i] <= hi ? gd[i] : 0;
    accumulateGrad(x, dx);
  });
}

export interface SaturationOptions {
  bits: number;
  /** Default true (two's complement). */
  signed?: boolean;
  /** Default 'saturate'. */
  mode?: OverflowMode;
  /** 'accumulator' (default): the raw product of a Dense/Conv2D; 'output': the layer's output. */
  target?: 'accumulator' | 'output';
  /** Value of one register step (default 1: the integer dot of a binary layer). */
  lsb?: number;
  /** Default 'all' (every kernel layer); with target 'output' any layer may be named. */
  layers?: LayerSelector;
  /** Default 'clipped' (see above). */
  gradient?: 'clipped' | 'ste';
}

/** What the XNOR kernels can run in place of the transform. */
export interface AccumulatorLimitTransform extends LayerTransform {
  readonly accumulatorLimit: { bits: number; mode: OverflowMode } | null;
}

export class Saturation implements Perturbation {
  readonly kind = 'saturation';
  readonly bits: number;
  readonly signed: boolean;
  readonly mode: OverflowMode;
  readonly target: 'accumulator' | 'output';
  readonly lsb: number;
  readonly layers: LayerSelector;
  readonly gradient: 'clipped' | 'ste';
  readonly range: IntRange;

  constructor(opts: SaturationOptions) {
    this.bits = opts.bits;
    this.signed = opts.signed ?? true;
    this.range = intRange(opts.bits, this.signed);
    this.mode = opts.mode ?? 'saturate';
    if (this.mode !== 'saturate' && this.mode !== 'wrap') throw new Error(`Saturation: mode must be saturate or wrap, got "${this.mode}"`);
    this.target = opts.target ?? 'accumulator';
    if (this.target !== 'accumulator' && this.target !== 'output') throw new Error(`Saturation: target must be accumulator or output, got "${this.target}"`);
    this.lsb = opts.lsb ?? 1;
    if (!(this.lsb > 0 && Number.isFinite(this.lsb))) throw new Error(`Saturation: lsb must be a positive number, got ${this.lsb}`);
    this.layers = opts.layers ?? 'all';
    this.gradient = opts.gradient ?? 'clipped';
  }

  transform(): AccumulatorLimitTransform {
    const inKernel = this.target === 'accumulator' && this.signed && this.lsb === 1;
    return {
      name: `saturation-${this.mode}-${this.bits}`,
      accumulatorLimit: inKernel ? { bits: this.bits, mode: this.mode } : null,
      apply: (x: Tensor, _ctx: CallContext, _layer: Layer) => limitTensor(x, this.range, this.mode, this.lsb, this.gradient),
    };
  }

  attach(model: Sequential): () => void {
    const acc = this.target === 'accumulator';
    const layers = selectLayers(model, this.layers, 'Saturation', acc);
    return hookLayers(layers, acc ? 'accumulatorTransforms' : 'outputTransforms', () => this.transform());
  }

  toJSON(): Record<string, unknown> {
    return {
      kind: this.kind, bits: this.bits, signed: this.signed, mode: this.mode, target: this.target, lsb: this.lsb,
      layers: this.layers, gradient: this.gradient,
    };
  }
}

export function isAccumulatorLimitTransform(t: LayerTransform): t is AccumulatorLimitTransform {
  return 'accumulatorLimit' in t;
}

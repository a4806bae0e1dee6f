// Fixed-width registers as an op: a value held in a b-bit signed or
// unsigned register whose step is `lsb`. Saturate clamps to the range; wrap
// keeps the value modulo 2^b (two's complement overflow). The definition is
// the XNOR kernels' accumulator limit (src/wasm/binaryKernels.ts), so an
// engine may run an AccumulatorHook's declared limit inside the kernel.
//
// Gradients: saturate passes dy inside the range and 0 outside (the exact
// derivative of a clamp, as Larq's clipped STE); wrap is the identity almost
// everywhere, so its straight-through gradient is dy. gradient: 'ste'
// passes dy everywhere for saturate too.
import { Tensor } from '../tensor/tensor.js';
import { record, accumulateGrad } from '../autograd/graph.js';
import { ConfigError } from '../errors.js';

export type OverflowMode = 'saturate' | 'wrap';

export interface IntRange { lo: number; hi: number; span: number }

/** The integer range of a b-bit register: signed [-2^(b-1), 2^(b-1)-1], unsigned [0, 2^b-1]. */
export function intRange(bits: number, signed: boolean): IntRange {
  if (!Number.isInteger(bits) || bits < 1 || bits > 32) throw new ConfigError(`register bits must be an integer in 1..32, got ${bits}`);
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

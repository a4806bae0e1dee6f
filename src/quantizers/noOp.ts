// NoOp: identity forward and gradient; only tags what it quantizes with a
// precision (NoOp(1) marks a kernel as binary for Bop and summary, e.g. a
// kernel that Bop keeps at ±1 without any latent weights).
import type { Tensor } from '../tensor/tensor.js';
import type { Quantizer } from './quantizer.js';

export class NoOp implements Quantizer {
  readonly className = 'NoOp';
  readonly precision: number;

  constructor(opts: { precision: number }) {
    const p = opts?.precision;
    if (!Number.isInteger(p) || p < 1) throw new Error(`NoOp: precision (bits) is required and must be a positive integer, got ${p}`);
    this.precision = p;
  }

  call(x: Tensor): Tensor {
    return x;
  }

  getConfig(): Record<string, unknown> {
    return { precision: this.precision };
  }
}

export function noOp(opts: { precision: number }): NoOp {
  return new NoOp(opts);
}

// User-defined quantizers from two elementwise functions: the forward value
// q(x) and the surrogate derivative used by the backward pass (dx = dy·q'(x)).
// For quantizers that need whole-tensor statistics, implement the Quantizer
// interface directly with any differentiable ops (their gradients compose).
import type { Tensor } from '../tensor/tensor.js';
import { type Quantizer, type QuantizerDescription, quantizeOp, viaViews } from './quantizer.js';

export interface CustomQuantizerSpec {
  /** Shown in summaries and errors; also the key under which registerQuantizer stores it. */
  name?: string;
  /** Bits of the output values. Larq treats a missing precision as 32 here too. */
  precision?: number;
  forward: (x: number) => number;
  /** d q / d x as the straight-through estimator defines it. */
  gradient: (x: number) => number;
  /** What the outputs are, if known (lets engines run it on codes, e.g. saturating multipliers). */
  description?: QuantizerDescription;
}

export class CustomQuantizer implements Quantizer {
  readonly className: string;
  readonly precision: number;
  private readonly spec: CustomQuantizerSpec;

  constructor(spec: CustomQuantizerSpec) {
    if (typeof spec?.forward !== 'function' || typeof spec.gradient !== 'function') {
      throw new Error('customQuantizer: forward and gradient must be functions of one number');
    }
    const p = spec.precision ?? 32;
    if (!Number.isInteger(p) || p < 1) throw new Error(`customQuantizer: precision must be a positive integer, got ${p}`);
    this.spec = spec;
    this.precision = p;
    this.className = spec.name ?? 'CustomQuantizer';
  }

  call(x: Tensor): Tensor {
    const { forward, gradient } = this.spec;
    return quantizeOp(this.className, x, viaViews((xs, y) => {
      for (let i = 0; i < xs.length; i++) y[i] = forward(xs[i]);
    }), viaViews((xs, dy, dx) => {
      for (let i = 0; i < xs.length; i++) dx[i] = dy[i] * gradient(xs[i]);
    }));
  }

  getConfig(): Record<string, unknown> {
    return { name: this.className, precision: this.precision };
  }

  describe(): QuantizerDescription {
    return this.spec.description ?? { levels: null, step: null };
  }
}

export function customQuantizer(spec: CustomQuantizerSpec): CustomQuantizer {
  return new CustomQuantizer(spec);
}

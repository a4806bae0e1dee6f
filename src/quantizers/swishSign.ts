// swish_sign (BNN+): sign forward; backward is the derivative of the
// "SignSwish" 2σ(βx)(1 + βx(1 − σ(βx))) − 1, written with tanh/cosh as Larq
// does. It has no window and turns slightly negative for |βx| > ~2.4; that is
// Larq's behaviour and is kept.
import type { Tensor } from '../tensor/tensor.js';
import { type Quantizer, type QuantizerDescription, SIGN_LEVELS, quantizeOp, viaViews, signForward } from './quantizer.js';

export interface SwishSignOptions {
  /** Steepness; the gradient at 0 equals beta. Default 5. */
  beta?: number;
}

export class SwishSign implements Quantizer {
  readonly className = 'SwishSign';
  readonly precision = 1;
  readonly beta: number;

  constructor(opts: SwishSignOptions = {}) {
    this.beta = opts.beta ?? 5;
    if (!Number.isFinite(this.beta)) throw new Error(`SwishSign: beta must be a finite number, got ${this.beta}`);
  }

  call(x: Tensor): Tensor {
    const beta = Math.fround(this.beta);
    return quantizeOp('swishSign', x, signForward, viaViews((xs, dy, dx) => {
      for (let i = 0; i < xs.length; i++) {
        const b = beta * xs[i];
        // For large |b| the factor underflows to ±0, as it does in Larq (where float32 cosh overflows).
        dx[i] = Math.fround(dy[i] * beta * (2 - b * Math.tanh(b / 2)) / (1 + Math.cosh(b)));
      }
    }));
  }

  getConfig(): Record<string, unknown> {
    return { beta: this.beta };
  }

  describe(): QuantizerDescription {
    return SIGN_LEVELS;
  }
}

export function swishSign(opts: SwishSignOptions = {}): SwishSign {
  return new SwishSign(opts);
}

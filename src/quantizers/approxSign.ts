// approx_sign (Bi-Real Net): the forward of ste_sign with a piecewise-linear
// approximation of the derivative of sign, 2 − 2|x| on [−1, 1] — closer to the
// true (Dirac) derivative than the box of ste_sign. No arguments in Larq.
import type { Tensor } from '../tensor/tensor.js';
import { type Quantizer, type QuantizerDescription, SIGN_LEVELS, quantizeOp, viaViews, signForward } from './quantizer.js';

function approxSignBackward(x: Float32Array, dy: Float32Array, dx: Float32Array): void {
  for (let i = 0; i < x.length; i++) {
    const a = Math.abs(x[i]);
    // Larq: (1 − |x|)·2·dy, each step a float32 op.
    dx[i] = a <= 1 ? Math.fround(Math.fround(Math.fround(1 - a) * 2) * dy[i]) : 0;
  }
}

export class ApproxSign implements Quantizer {
  readonly className = 'ApproxSign';
  readonly precision = 1;

  call(x: Tensor): Tensor {
    return quantizeOp('approxSign', x, signForward, viaViews(approxSignBackward));
  }

  getConfig(): Record<string, unknown> {
    return {};
  }

  describe(): QuantizerDescription {
    return SIGN_LEVELS;
  }
}

export function approxSign(): ApproxSign {
  return new ApproxSign();
}

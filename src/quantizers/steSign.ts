// ste_sign: binarize with Larq's sign (sign(0) = +1); the gradient passes
// unchanged where |x| <= clipValue (the hard-tanh STE of BinaryNet).
import type { Tensor } from '../tensor/tensor.js';
import { type Quantizer, type QuantizerDescription, SIGN_LEVELS, quantizeOp, clippedGradient, clipWindow, signForward } from './quantizer.js';

export interface SteSignOptions {
  /** Gradient window; null passes the gradient everywhere. Default 1. */
  clipValue?: number | null;
}

export class SteSign implements Quantizer {
  readonly className = 'SteSign';
  readonly precision = 1;
  readonly clipValue: number | null;
  private readonly clip: number | null;

  constructor(opts: SteSignOptions = {}) {
    this.clip = clipWindow(opts.clipValue, 1);
    this.clipValue = opts.clipValue === undefined ? 1 : opts.clipValue;
  }

  call(x: Tensor): Tensor {
    return quantizeOp('steSign', x, signForward, clippedGradient(this.clip));
  }

  getConfig(): Record<string, unknown> {
    return { clipValue: this.clipValue };
  }

  describe(): QuantizerDescription {
    return SIGN_LEVELS;
  }
}

export function steSign(opts: SteSignOptions = {}): SteSign {
  return new SteSign(opts);
}

// DoReFa k-bit quantizer (Larq string "dorefa_quantizer"). The core step
// round(u·n)/n, n = 2^k − 1, has an identity gradient; rounding is half to
// even as tf.round does, which decides the exact ties (u = 0.5).
//   activations: u = clip(x, 0, 1); gradient 1 on [0, 1] inclusive.
//   weights:     u = tanh(x)/(2·max|tanh x|) + 1/2, q = 2·Q(u) − 1; the max is a
//                constant for the gradient, which is (1 − tanh²x)/max|tanh x|.
import type { Tensor } from '../tensor/tensor.js';
import { type Quantizer, quantizeOp, roundHalfEven } from './quantizer.js';

export type DoReFaMode = 'activations' | 'weights';

export interface DoReFaOptions {
  /** Bits of the output. Default 2. */
  kBit?: number;
  /** Default "activations". */
  mode?: DoReFaMode;
}

const f = Math.fround;

function levels(u: number, n: number): number {
  return f(roundHalfEven(f(u * n)) / n);
}

export class DoReFa implements Quantizer {
  readonly className = 'DoReFa';
  readonly kBit: number;
  readonly mode: DoReFaMode;

  constructor(opts: DoReFaOptions = {}) {
    this.kBit = opts.kBit ?? 2;
    this.mode = opts.mode ?? 'activations';
    if (!Number.isInteger(this.kBit) || this.kBit < 1 || this.kBit > 24) {
      throw new Error(`DoReFa: kBit must be an integer in 1..24, got ${this.kBit}`);
    }
    if (this.mode !== 'activations' && this.mode !== 'weights') {
      throw new Error(`Invalid DoReFa quantizer mode "${String(this.mode)}"; expected "activations" or "weights"`);
    }
  }

  get precision(): number {
    return this.kBit;
  }

  call(x: Tensor): Tensor {
    const n = 2 ** this.kBit - 1;
    if (this.mode === 'activations') {
      return quantizeOp('dorefa', x, (xs, y) => {
        for (let i = 0; i < xs.length; i++) y[i] = levels(Math.min(Math.max(xs[i], 0), 1), n);
      }, (xs, dy, dx) => {
        for (let i = 0; i < xs.length; i++) dx[i] = xs[i] >= 0 && xs[i] <= 1 ? dy[i] : 0;
      });
    }
    let twoMax = 0;
    let t: Float32Array = new Float32Array(0);
    return quantizeOp('dorefa', x, (xs, y) => {
      t = new Float32Array(xs.length);
      let max = 0;
      for (let i = 0; i < xs.length; i++) {
        t[i] = Math.tanh(xs[i]);
        max = Math.max(max, Math.abs(t[i]));
      }
      twoMax = f(2 * max);
      for (let i = 0; i < xs.length; i++) {
        // divide_no_nan: an all-zero tensor maps to u = 1/2.
        const u = f((twoMax === 0 ? 0 : f(t[i] / twoMax)) + 0.5);
        y[i] = f(f(2 * levels(u, n)) - 1);
      }
    }, (_xs, dy, dx) => {
      for (let i = 0; i < dy.length; i++) {
        dx[i] = twoMax === 0 ? 0 : f(f(f(2 * dy[i]) / twoMax) * f(1 - f(t[i] * t[i])));
      }
    });
  }

  getConfig(): Record<string, unknown> {
    return { kBit: this.kBit, mode: this.mode };
  }
}

export function dorefa(opts: DoReFaOptions = {}): DoReFa {
  return new DoReFa(opts);
}

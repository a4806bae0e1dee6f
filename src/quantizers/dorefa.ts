// DoReFa k-bit quantizer (Larq string "dorefa_quantizer"). The core step
// round(u·n)/n, n = 2^k − 1, has an identity gradient; rounding is half to
// even as tf.round does, which decides the exact ties (u = 0.5).
//   activations: u = clip(x, 0, 1); gradient 1 on [0, 1] inclusive.
//   weights:     u = tanh(x)/(2·max|tanh x|) + 1/2, q = 2·Q(u) − 1; the max is a
//                constant for the gradient, which is (1 − tanh²x)/max|tanh x|.
import { Tensor } from '../tensor/tensor.js';
import { type Quantizer, type QuantizerDescription, quantizeOp } from './quantizer.js';
import { wasm } from '../wasm/module.js';

export type DoReFaMode = 'activations' | 'weights';

export interface DoReFaOptions {
  /** Bits of the output. Default 2. */
  kBit?: number;
  /** Default "activations". */
  mode?: DoReFaMode;
}

const f = Math.fround;

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
      // WASM kernels: f32x4.nearest rounds half to even, as tf.round does.
      return quantizeOp('dorefa', x, (xs, y) => wasm().quantDorefaActivations(xs.ptr, xs.size, n, y.ptr),
        (xs, dy, dx) => wasm().quantRangeGrad(xs.ptr, dy.ptr, xs.size, 0, 1, dx.ptr));
    }
    // tanh(x) is kept for the backward pass; it lives in the caller's scope like any op output.
    const t = new Tensor(x.shape);
    let twoMax = 0;
    return quantizeOp('dorefa', x, (xs, y) => {
      twoMax = f(2 * wasm().quantTanhAbsMax(xs.ptr, xs.size, t.ptr));
      wasm().quantDorefaWeights(t.ptr, xs.size, twoMax, n, y.ptr);
    }, (_xs, dy, dx) => wasm().quantDorefaWeightsGrad(t.ptr, dy.ptr, dy.size, twoMax, dx.ptr));
  }

  getConfig(): Record<string, unknown> {
    return { kBit: this.kBit, mode: this.mode };
  }

  /**
   * Activations: i/n for i = 0..n; weights: 2i/n - 1 (n = 2^k - 1), as the
   * float32 values the kernels compute; both are integer multiples of 1/n.
   */
  describe(): QuantizerDescription {
    const n = 2 ** this.kBit - 1;
    const levels = this.kBit > 8 ? null : Array.from({ length: n + 1 }, (_, i) =>
      this.mode === 'activations' ? f(i / n) : f(f(2 * f(i / n)) - 1));
    return { levels, step: 1 / n };
  }
}

export function dorefa(opts: DoReFaOptions = {}): DoReFa {
  return new DoReFa(opts);
}

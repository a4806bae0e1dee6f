// ste_tern: ternarize to {−1, 0, +1} around a threshold Δ, with the clipped
// STE gradient. Δ is fixed, or (Ternary Weight Networks) 0.7·mean|x| over the
// whole tensor, recomputed at every call. The forward is Larq's
// sign(sign(x + Δ) + sign(x − Δ)) with tf.sign (0 at 0), which decides the
// ties: x = Δ gives +1, x = −Δ gives −1.
import type { Tensor } from '../tensor/tensor.js';
import { type Quantizer, type QuantizerDescription, quantizeOp, viaViews, clippedGradient, clipWindow, tsign } from './quantizer.js';

export interface SteTernOptions {
  /** Δ when ternaryWeightNetworks is false. Default 0.05. */
  thresholdValue?: number;
  /** Use Δ = 0.7·mean(|x|) instead of thresholdValue. Default false. */
  ternaryWeightNetworks?: boolean;
  /** Gradient window; null passes the gradient everywhere. Default 1. */
  clipValue?: number | null;
}

export function ternarize(x: Float32Array, y: Float32Array, delta: number): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    y[i] = tsign(tsign(Math.fround(v + delta)) + tsign(Math.fround(v - delta)));
  }
}

export class SteTern implements Quantizer {
  readonly className = 'SteTern';
  readonly precision = 2;
  readonly thresholdValue: number;
  readonly ternaryWeightNetworks: boolean;
  readonly clipValue: number | null;
  private readonly clip: number | null;

  constructor(opts: SteTernOptions = {}) {
    this.thresholdValue = opts.thresholdValue ?? 0.05;
    if (!(this.thresholdValue >= 0)) throw new Error(`SteTern: thresholdValue must be >= 0, got ${this.thresholdValue}`);
    this.ternaryWeightNetworks = opts.ternaryWeightNetworks ?? false;
    this.clip = clipWindow(opts.clipValue, 1);
    this.clipValue = opts.clipValue === undefined ? 1 : opts.clipValue;
  }

  call(x: Tensor): Tensor {
    return quantizeOp('steTern', x, viaViews((xs, y) => {
      let delta = Math.fround(this.thresholdValue);
      if (this.ternaryWeightNetworks) {
        let s = 0;
        for (let i = 0; i < xs.length; i++) s += Math.abs(xs[i]);
        delta = Math.fround(Math.fround(0.7) * Math.fround(xs.length > 0 ? s / xs.length : 0));
      }
      ternarize(xs, y, delta);
    }), clippedGradient(this.clip));
  }

  getConfig(): Record<string, unknown> {
    return { thresholdValue: this.thresholdValue, ternaryWeightNetworks: this.ternaryWeightNetworks, clipValue: this.clipValue };
  }

  describe(): QuantizerDescription {
    return { levels: [-1, 0, 1], step: 1 };
  }
}

export function steTern(opts: SteTernOptions = {}): SteTern {
  return new SteTern(opts);
}

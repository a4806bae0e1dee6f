// magnitude_aware_sign (Bi-Real Net): sign scaled by the mean |x| of each
// slice along the last axis (one scale per output channel of a kernel), so
// the binary kernel keeps the magnitude of its float counterpart. The scale is
// treated as a constant in the backward pass (Larq's stop_gradient).
import type { Tensor } from '../tensor/tensor.js';
import { type Quantizer, quantizeOp, viaViews, clipWindow } from './quantizer.js';

export interface MagnitudeAwareSignOptions {
  /** Gradient window; null passes the gradient everywhere. Default 1. */
  clipValue?: number | null;
}

/** mean |x| over every axis but the last, one value per last-axis index (float32 result). */
export function lastAxisMeanAbs(x: Float32Array, channels: number): Float32Array {
  const rows = x.length / channels;
  const acc = new Float64Array(channels);
  for (let i = 0; i < x.length; i++) acc[i % channels] += Math.abs(x[i]);
  const s = new Float32Array(channels);
  for (let c = 0; c < channels; c++) s[c] = acc[c] / rows;
  return s;
}

export class MagnitudeAwareSign implements Quantizer {
  readonly className = 'MagnitudeAwareSign';
  readonly precision = 1;
  readonly clipValue: number | null;
  private readonly clip: number | null;

  constructor(opts: MagnitudeAwareSignOptions = {}) {
    this.clip = clipWindow(opts.clipValue, 1);
    this.clipValue = opts.clipValue === undefined ? 1 : opts.clipValue;
  }

  call(x: Tensor): Tensor {
    const C = x.rank === 0 ? 1 : x.shape[x.rank - 1];
    const clip = this.clip;
    let scale: Float32Array = new Float32Array(0);
    return quantizeOp('magnitudeAwareSign', x, viaViews((xs, y) => {
      scale = lastAxisMeanAbs(xs, C);
      for (let i = 0; i < xs.length; i++) y[i] = xs[i] >= 0 ? scale[i % C] : -scale[i % C];
    }), viaViews((xs, dy, dx) => {
      for (let i = 0; i < xs.length; i++) {
        dx[i] = clip === null || Math.abs(xs[i]) <= clip ? Math.fround(dy[i] * scale[i % C]) : 0;
      }
    }));
  }

  getConfig(): Record<string, unknown> {
    return { clipValue: this.clipValue };
  }
}

export function magnitudeAwareSign(opts: MagnitudeAwareSignOptions = {}): MagnitudeAwareSign {
  return new MagnitudeAwareSign(opts);
}

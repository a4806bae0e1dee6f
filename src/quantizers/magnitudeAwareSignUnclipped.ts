// larq_zoo's magnitude_aware_sign_unclipped (DoReFa-Net kernels): sign times
// one scale per layer, the mean |x| of the whole kernel; the gradient passes
// unchanged everywhere (identity pseudo-gradient). Precision 1.
import type { Tensor } from '../tensor/tensor.js';
import { type Quantizer, quantizeOp, viaViews } from './quantizer.js';

export class MagnitudeAwareSignUnclipped implements Quantizer {
  readonly className = 'MagnitudeAwareSignUnclipped';
  readonly precision = 1;

  call(x: Tensor): Tensor {
    return quantizeOp('magnitudeAwareSignUnclipped', x, viaViews((xs, y) => {
      let acc = 0;
      for (let i = 0; i < xs.length; i++) acc += Math.abs(xs[i]);
      const s = Math.fround(acc / Math.max(1, xs.length));
      for (let i = 0; i < xs.length; i++) y[i] = xs[i] >= 0 ? s : -s;
    }), viaViews((_xs, dy, dx) => {
      dx.set(dy);
    }));
  }

  getConfig(): Record<string, unknown> {
    return {};
  }
}

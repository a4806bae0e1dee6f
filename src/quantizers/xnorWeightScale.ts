// larq_zoo's xnor_weight_scale (XNOR-Net kernels): clip to [-1, 1], then
// sign scaled by the mean |x| of each output filter (every axis but the
// last). Precision 1. Backward: the straight-through sign inside [-1, 1]
// times the scale; the scale's own dependence on x is not differentiated
// (as MagnitudeAwareSign's stop_gradient; Larq differentiates it, a term of
// order 1/fan-in per weight).
import type { Tensor } from '../tensor/tensor.js';
import { type Quantizer, quantizeOp, viaViews } from './quantizer.js';

export class XnorWeightScale implements Quantizer {
  readonly className = 'XnorWeightScale';
  readonly precision = 1;

  call(x: Tensor): Tensor {
    const C = x.rank === 0 ? 1 : x.shape[x.rank - 1];
    let scale = new Float32Array(0);
    return quantizeOp('xnorWeightScale', x, viaViews((xs, y) => {
      const acc = new Float64Array(C);
      for (let i = 0; i < xs.length; i++) acc[i % C] += Math.min(1, Math.abs(xs[i]));
      scale = new Float32Array(C);
      for (let c = 0; c < C; c++) scale[c] = acc[c] / (xs.length / C);
      for (let i = 0; i < xs.length; i++) y[i] = xs[i] >= 0 ? scale[i % C] : -scale[i % C];
    }), viaViews((xs, dy, dx) => {
      for (let i = 0; i < xs.length; i++) dx[i] = Math.abs(xs[i]) <= 1 ? Math.fround(dy[i] * scale[i % C]) : 0;
    }));
  }

  getConfig(): Record<string, unknown> {
    return {};
  }
}

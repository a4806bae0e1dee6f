// Depthwise conv2d on NHWC input with a [KH, KW, C, M] kernel (Keras layout,
// M = depth multiplier): every input channel c is convolved with its own M
// filters, giving output channel c·M + m, as TensorFlow orders them. Zero
// padding for 'same'. Plain loops: the layer is rare in the presets and its
// cost is KH·KW·C·M per pixel, far below a full convolution's.
import { Tensor } from '../tensor/tensor.js';
import { ShapeError, shapeStr } from '../tensor/shape.js';
import { record, accumulateGrad } from '../autograd/graph.js';
import { windowGeometry, pair, type WindowGeometry } from './convGeometry.js';
import type { Conv2dOptions } from './conv2d.js';

export function depthwiseConv2dGeometry(x: Tensor, w: Tensor, opts: Conv2dOptions): WindowGeometry {
  if (w.rank !== 4) throw new ShapeError(`depthwiseConv2d: kernel must be [KH, KW, C, M], got ${shapeStr(w.shape)}`);
  const g = windowGeometry('depthwiseConv2d', x.shape, [w.shape[0], w.shape[1]],
    pair(opts.strides ?? 1, 'depthwiseConv2d strides'), opts.padding ?? 'valid');
  if (w.shape[2] !== g.C) {
    throw new ShapeError(`depthwiseConv2d: kernel ${shapeStr(w.shape)} expects ${w.shape[2]} input channels, input ${shapeStr(x.shape)} has ${g.C}`);
  }
  return g;
}

/**
 * Visits every (output pixel, kernel tap) pair that lands inside the input,
 * with the flat offsets of the output pixel, the input pixel and the tap.
 */
function forEachTap(geo: WindowGeometry, M: number, visit: (o: number, xi: number, wi: number) => void): void {
  const { N, H, W, C, KH, KW, SH, SW, PT, PL, OH, OW } = geo;
  const CM = C * M;
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const o = ((n * OH + oh) * OW + ow) * CM;
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * SH + kh - PT;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * SW + kw - PL;
            if (iw < 0 || iw >= W) continue;
            visit(o, ((n * H + ih) * W + iw) * C, (kh * KW + kw) * CM);
          }
        }
      }
    }
  }
}

export function depthwiseConv2d(x: Tensor, w: Tensor, opts: Conv2dOptions = {}): Tensor {
  const geo = depthwiseConv2dGeometry(x, w, opts);
  const { N, C, OH, OW } = geo;
  const M = w.shape[3];
  const out = Tensor.zeros([N, OH, OW, C * M]);
  {
    const xs = x.data;
    const ws = w.data;
    const ys = out.data;
    forEachTap(geo, M, (o, xi, wi) => {
      for (let c = 0; c < C; c++) {
        const xv = xs[xi + c];
        for (let m = 0; m < M; m++) ys[o + c * M + m] += xv * ws[wi + c * M + m];
      }
    });
  }
  return record(out, 'depthwiseConv2d', [x, w], (g) => {
    const dx = x.requiresGrad ? Tensor.zeros(x.shape) : null;
    const dw = w.requiresGrad ? Tensor.zeros(w.shape) : null;
    const xs = x.data;
    const ws = w.data;
    const gs = g.data;
    const dxs = dx?.data;
    const dws = dw?.data;
    forEachTap(geo, M, (o, xi, wi) => {
      for (let c = 0; c < C; c++) {
        const xv = xs[xi + c];
        let acc = 0;
        for (let m = 0; m < M; m++) {
          const gv = gs[o + c * M + m];
          acc += gv * ws[wi + c * M + m];
          if (dws) dws[wi + c * M + m] += gv * xv;
        }
        if (dxs) dxs[xi + c] += acc;
      }
    });
    if (dx) accumulateGrad(x, dx);
    if (dw) accumulateGrad(w, dw);
  });
}

// Average pooling on NHWC, Keras semantics: with 'same' padding, a window
// averages only the cells inside the image (padded cells are not counted).
import { Tensor } from '../tensor/tensor.js';
import { record, accumulateGrad } from '../autograd/graph.js';
import { windowGeometry, pair } from './convGeometry.js';
import type { Pool2dOptions } from './maxPool2d.js';

export function avgPool2d(x: Tensor, opts: Pool2dOptions = {}): Tensor {
  const pool = pair(opts.poolSize ?? 2, 'avgPool2d poolSize');
  const strides = pair(opts.strides ?? pool, 'avgPool2d strides');
  const { N, H, W, C, KH, KW, SH, SW, PT, PL, OH, OW } = windowGeometry('avgPool2d', x.shape, pool, strides, opts.padding ?? 'valid');
  const out = new Tensor([N, OH, OW, C]);
  const xd = x.data, yd = out.data;
  // Window bounds per output row/column (clipped to the image) and cell counts.
  const h0 = new Int32Array(OH), h1 = new Int32Array(OH), w0 = new Int32Array(OW), w1 = new Int32Array(OW);
  for (let i = 0; i < OH; i++) { h0[i] = Math.max(0, i * SH - PT); h1[i] = Math.min(H, i * SH - PT + KH); }
  for (let j = 0; j < OW; j++) { w0[j] = Math.max(0, j * SW - PL); w1[j] = Math.min(W, j * SW - PL + KW); }
  const acc = new Float64Array(C);
  for (let n = 0; n < N; n++) {
    for (let i = 0; i < OH; i++) {
      for (let j = 0; j < OW; j++) {
        acc.fill(0);
        for (let h = h0[i]; h < h1[i]; h++) {
          for (let w = w0[j]; w < w1[j]; w++) {
            const base = ((n * H + h) * W + w) * C;
            for (let c = 0; c < C; c++) acc[c] += xd[base + c];
          }
        }
        const inv = 1 / ((h1[i] - h0[i]) * (w1[j] - w0[j]));
        const ob = ((n * OH + i) * OW + j) * C;
        for (let c = 0; c < C; c++) yd[ob + c] = acc[c] * inv;
      }
    }
  }
  return record(out, 'avgPool2d', [x], (g) => {
    const dx = Tensor.zeros(x.shape);
    const gd = g.data, dd = dx.data;
    for (let n = 0; n < N; n++) {
      for (let i = 0; i < OH; i++) {
        for (let j = 0; j < OW; j++) {
          const inv = 1 / ((h1[i] - h0[i]) * (w1[j] - w0[j]));
          const ob = ((n * OH + i) * OW + j) * C;
          for (let h = h0[i]; h < h1[i]; h++) {
            for (let w = w0[j]; w < w1[j]; w++) {
              const base = ((n * H + h) * W + w) * C;
              for (let c = 0; c < C; c++) dd[base + c] += gd[ob + c] * inv;
            }
          }
        }
      }
    }
    accumulateGrad(x, dx);
  });
}

/** Mean over height and width: [N, H, W, C] -> [N, C]. */
export function globalAvgPool2d(x: Tensor): Tensor {
  const [N, H, W, C] = x.shape;
  const out = new Tensor([N, C]);
  const xd = x.data, yd = out.data;
  const inv = 1 / (H * W);
  const acc = new Float64Array(C);
  for (let n = 0; n < N; n++) {
    acc.fill(0);
    for (let p = 0; p < H * W; p++) {
      const base = (n * H * W + p) * C;
      for (let c = 0; c < C; c++) acc[c] += xd[base + c];
    }
    for (let c = 0; c < C; c++) yd[n * C + c] = acc[c] * inv;
  }
  return record(out, 'globalAvgPool2d', [x], (g) => {
    const dx = new Tensor(x.shape);
    const gd = g.data, dd = dx.data;
    for (let n = 0; n < N; n++) {
      for (let p = 0; p < H * W; p++) {
        const base = (n * H * W + p) * C;
        for (let c = 0; c < C; c++) dd[base + c] = gd[n * C + c] * inv;
      }
    }
    accumulateGrad(x, dx);
  });
}

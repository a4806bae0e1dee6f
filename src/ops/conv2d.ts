// conv2d on NHWC input with HWIO weights [KH, KW, C, OC] (Keras layout), as
// im2col + GEMM: the patch matrix cols[N·OH·OW, KH·KW·C] times W viewed as
// [KH·KW·C, OC] gives the NHWC output directly. Backward reuses cols for the
// weight gradient (colsᵀ·g) and scatters g·Wᵀ back with col2im. When g is
// mostly zeros (behind a max-pool) both products skip the zeros, bit-identically
// (sparseGemm.ts), and the weight gradient reads patches from x instead of cols.
import { Tensor } from '../tensor/tensor.js';
import { ShapeError, shapeStr } from '../tensor/shape.js';
import { record, accumulateGrad, needsGrad } from '../autograd/graph.js';
import { wasm } from '../wasm/module.js';
import { gemm } from './gemm.js';
import { useSparseBackward, convWeightGradSparse, gemmSparseNT } from './sparseGemm.js';
import { windowGeometry, pair, type Padding, type WindowGeometry } from './convGeometry.js';

export interface Conv2dOptions {
  strides?: number | [number, number];
  padding?: Padding;
  /**
   * Computes the forward output instead of im2col + GEMM (the XNOR-popcount
   * path of binarized layers); the gradient stays the float one, and the
   * patch matrix is then built only if the backward pass needs it (not when
   * the output gradient is sparse).
   */
  forward?: (x: Tensor, w: Tensor, geometry: WindowGeometry) => Tensor;
}

function isPointwise(g: WindowGeometry): boolean {
  return g.KH === 1 && g.KW === 1 && g.SH === 1 && g.SW === 1 && g.PT + g.PL + g.PB + g.PR === 0;
}

export function conv2dGeometry(x: Tensor, w: Tensor, opts: Conv2dOptions): WindowGeometry {
  if (w.rank !== 4) throw new ShapeError(`conv2d: kernel must be [KH, KW, C, OC], got ${shapeStr(w.shape)}`);
  const g = windowGeometry('conv2d', x.shape, [w.shape[0], w.shape[1]], pair(opts.strides ?? 1, 'conv2d strides'),
    opts.padding ?? 'valid');
  if (w.shape[2] !== g.C) {
    throw new ShapeError(`conv2d: kernel ${shapeStr(w.shape)} expects ${w.shape[2]} input channels, input ${shapeStr(x.shape)} has ${g.C}`);
  }
  return g;
}

export function conv2d(x: Tensor, w: Tensor, opts: Conv2dOptions = {}): Tensor {
  const geo = conv2dGeometry(x, w, opts);
  const { N, H, W, C, KH, KW, SH, SW, PT, PL, OH, OW } = geo;
  const OC = w.shape[3];
  const M = N * OH * OW;
  const K = KH * KW * C;
  const k = wasm();
  const pointwise = isPointwise(geo);
  const patches = (): Tensor => {
    if (pointwise) return x;
    const c = new Tensor([M, K]);
    k.im2col(x.ptr, N, H, W, C, KH, KW, SH, SW, PT, PL, OH, OW, c.ptr);
    return c;
  };
  let cols: Tensor | null = null;
  let out: Tensor;
  if (opts.forward) {
    out = opts.forward(x, w, geo);
  } else {
    cols = patches();
    out = new Tensor([N, OH, OW, OC]);
    gemm(false, false, M, OC, K, cols.ptr, w.ptr, out.ptr);
  }
  if (!needsGrad(x, w)) {
    if (cols && !pointwise) cols.dispose();
    return out;
  }
  return record(out, 'conv2d', [x, w], (g) => {
    const sparse = useSparseBackward(g.ptr, geo, OC);
    if (w.requiresGrad) {
      const dw = new Tensor(w.shape);
      if (sparse) {
        convWeightGradSparse(x.ptr, geo, g.ptr, OC, dw.ptr);
      } else {
        cols ??= patches();
        gemm(true, false, K, OC, M, cols.ptr, g.ptr, dw.ptr);
      }
      accumulateGrad(w, dw);
    }
    if (x.requiresGrad) {
      const dx = new Tensor(x.shape);
      const dcols = pointwise ? dx : new Tensor([M, K]);
      if (sparse) gemmSparseNT(M, K, OC, g.ptr, w.ptr, dcols.ptr);
      else gemm(false, true, M, K, OC, g.ptr, w.ptr, dcols.ptr);
      if (!pointwise) {
        k.col2im(dcols.ptr, N, H, W, C, KH, KW, SH, SW, PT, PL, OH, OW, dx.ptr);
        dcols.dispose();
      }
      accumulateGrad(x, dx);
    }
    if (cols && !pointwise) cols.dispose();
  });
}

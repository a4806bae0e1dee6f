// conv2d on NHWC input with HWIO weights [KH, KW, C, OC] (Keras layout), as
// im2col + GEMM: the patch matrix cols[N·OH·OW, KH·KW·C] times W viewed as
// [KH·KW·C, OC] gives the NHWC output directly. Backward reuses cols for the
// weight gradient (colsᵀ·g) and scatters g·Wᵀ back with col2im. When g is
// mostly zeros (behind a max-pool) both products skip the zeros, bit-identically
// (sparseGemm.ts): the weight gradient reads patches from x instead of cols, and
// the input gradient adds each row of g·Wᵀ onto dx as it is computed.
import { Tensor } from '../tensor/tensor.js';
import { ShapeError, shapeStr } from '../tensor/shape.js';
import { record, accumulateGrad, needsGrad } from '../autograd/graph.js';
import { gemm } from './gemm.js';
import { splitCall, PARALLEL_MIN_BYTES } from './parallel.js';
import { useSparseBackward, convWeightGradSparse, convInputGradSparse, gemmSparseNT } from './sparseGemm.js';
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
  const pointwise = isPointwise(geo);
  // Bytes of one image of x and of its rows of the patch matrix (im2col and col2im split the batch by images).
  const xImg = 4 * H * W * C, colsImg = 4 * OH * OW * K;
  const patches = (): Tensor => {
    if (pointwise) return x;
    const c = new Tensor([M, K]);
    splitCall('im2col', N, 1, 4 * (x.size + M * K), 0, (s, e) =>
      [x.ptr + s * xImg, e - s, H, W, C, KH, KW, SH, SW, PT, PL, OH, OW, c.ptr + s * colsImg], PARALLEL_MIN_BYTES);
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
      if (pointwise) {
        if (sparse) gemmSparseNT(M, K, OC, g.ptr, w.ptr, dx.ptr);
        else gemm(false, true, M, K, OC, g.ptr, w.ptr, dx.ptr);
      } else if (sparse) {
        convInputGradSparse(g.ptr, geo, OC, w.ptr, dx.ptr);
      } else {
        const dcols = new Tensor([M, K]);
        gemm(false, true, M, K, OC, g.ptr, w.ptr, dcols.ptr);
        splitCall('col2im', N, 1, 4 * (x.size + M * K), 0, (s, e) =>
          [dcols.ptr + s * colsImg, e - s, H, W, C, KH, KW, SH, SW, PT, PL, OH, OW, dx.ptr + s * xImg], PARALLEL_MIN_BYTES);
        dcols.dispose();
      }
      accumulateGrad(x, dx);
    }
    if (cols && !pointwise) cols.dispose();
  });
}

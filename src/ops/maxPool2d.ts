// Max-pooling on NHWC. The forward pass keeps the flat index of each window's
// maximum so that the backward pass is a scatter; both split the batch into
// the same image ranges across threads.
import { Tensor } from '../tensor/tensor.js';
import { record, accumulateGrad, needsGrad } from '../autograd/graph.js';
import { splitCall, callRanges, PARALLEL_MIN_BYTES } from './parallel.js';
import { windowGeometry, pair, type Padding } from './convGeometry.js';

export interface Pool2dOptions {
  poolSize?: number | [number, number];
  /** Defaults to poolSize, as in Keras. */
  strides?: number | [number, number];
  padding?: Padding;
}

export function maxPool2d(x: Tensor, opts: Pool2dOptions = {}): Tensor {
  const pool = pair(opts.poolSize ?? 2, 'maxPool2d poolSize');
  const strides = pair(opts.strides ?? pool, 'maxPool2d strides');
  const { N, H, W, C, KH, KW, SH, SW, PT, PL, OH, OW } = windowGeometry('maxPool2d', x.shape, pool, strides,
    opts.padding ?? 'valid');
  const out = new Tensor([N, OH, OW, C]);
  const argmax = new Tensor([N, OH, OW, C], 'int32');
  // By images on the thread pool; each range's argmax indices count from its first image.
  const xImg = 4 * H * W * C, yImg = 4 * OH * OW * C;
  const ranges = splitCall('maxPool2dForward', N, 1, x.size * 4 + out.size * 8, 0, (s, e) =>
    [x.ptr + s * xImg, e - s, H, W, C, KH, KW, SH, SW, PT, PL, OH, OW, out.ptr + s * yImg, argmax.ptr + s * yImg],
  PARALLEL_MIN_BYTES);
  if (!needsGrad(x)) {
    argmax.dispose();
    return out;
  }
  return record(out, 'maxPool2d', [x], (g) => {
    const dx = new Tensor(x.shape);
    // Windows that never overlap (the usual pool size = stride) write dX once, without the scatter's zero fill.
    if (SH >= KH && SW >= KW) {
      callRanges('maxPool2dBackwardDisjoint', ranges, (s, e) =>
        [g.ptr + s * yImg, argmax.ptr + s * yImg, e - s, H, W, C, KH, KW, SH, SW, PT, PL, OH, OW, dx.ptr + s * xImg]);
    } else {
      callRanges('maxPool2dBackward', ranges, (s, e) =>
        [g.ptr + s * yImg, argmax.ptr + s * yImg, (e - s) * (yImg / 4), dx.ptr + s * xImg, (e - s) * (xImg / 4)]);
    }
    accumulateGrad(x, dx);
  });
}

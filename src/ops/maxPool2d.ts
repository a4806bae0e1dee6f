// Max-pooling on NHWC. The forward pass keeps the flat index of each window's
// maximum so that the backward pass is a scatter.
import { Tensor } from '../tensor/tensor.js';
import { record, accumulateGrad, needsGrad } from '../autograd/graph.js';
import { wasm } from '../wasm/module.js';
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
  wasm().maxPool2dForward(x.ptr, N, H, W, C, KH, KW, SH, SW, PT, PL, OH, OW, out.ptr, argmax.ptr);
  if (!needsGrad(x)) {
    argmax.dispose();
    return out;
  }
  return record(out, 'maxPool2d', [x], (g) => {
    const dx = new Tensor(x.shape);
    wasm().maxPool2dBackward(g.ptr, argmax.ptr, out.size, dx.ptr, x.size);
    accumulateGrad(x, dx);
  });
}

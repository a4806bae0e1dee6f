// Constant padding of NHWC images. Quantized convolutions with pad_values != 0
// use it to pad the already-quantized input (with +1, say) and then convolve
// with 'valid', as Larq does, because the conv kernel's own 'same' padding is
// always zero. The gradient is the interior slice of the output gradient.
import { Tensor } from '../tensor/tensor.js';
import { ShapeError, shapeStr } from '../tensor/shape.js';
import { record, accumulateGrad } from '../autograd/graph.js';

export interface Pads {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

export function pad2d(x: Tensor, pads: Pads, value = 0): Tensor {
  if (x.rank !== 4) throw new ShapeError(`pad2d: input must be NHWC (rank 4), got ${shapeStr(x.shape)}`);
  const { top, bottom, left, right } = pads;
  if (![top, bottom, left, right].every((p) => Number.isInteger(p) && p >= 0)) {
    throw new Error(`pad2d: paddings must be non-negative integers, got ${JSON.stringify(pads)}`);
  }
  const [N, H, W, C] = x.shape;
  const OH = H + top + bottom;
  const OW = W + left + right;
  const out = new Tensor([N, OH, OW, C]);
  const rowLen = W * C;
  {
    const xs = x.data;
    const ys = out.data;
    // Only the border gets the pad value: every other element is copied from x.
    const outRow = OW * C;
    for (let n = 0; n < N; n++) {
      const img = n * OH * outRow;
      ys.fill(value, img, img + top * outRow);
      for (let h = 0; h < H; h++) {
        const src = (n * H + h) * rowLen;
        const dst = img + (h + top) * outRow;
        ys.fill(value, dst, dst + left * C);
        ys.set(xs.subarray(src, src + rowLen), dst + left * C);
        ys.fill(value, dst + (left + W) * C, dst + outRow);
      }
      ys.fill(value, img + (top + H) * outRow, img + OH * outRow);
    }
  }
  return record(out, 'pad2d', [x], (g) => {
    const dx = new Tensor(x.shape);
    const gs = g.data;
    const ds = dx.data;
    for (let n = 0; n < N; n++) {
      for (let h = 0; h < H; h++) {
        const dst = (n * H + h) * rowLen;
        const src = ((n * OH + h + top) * OW + left) * C;
        ds.set(gs.subarray(src, src + rowLen), dst);
      }
    }
    accumulateGrad(x, dx);
  });
}

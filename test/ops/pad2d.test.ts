// pad2d against a naive reference: every combination of zero and non-zero
// pads on each side, odd sizes, one and several channels, several images.
import { describe, it, expect } from 'vitest';
import { Tensor } from '../../src/tensor/tensor.js';
import { pad2d, type Pads } from '../../src/ops/pad2d.js';

function padRef(x: Float32Array, [N, H, W, C]: number[], p: Pads, value: number): Float32Array {
  const OH = H + p.top + p.bottom, OW = W + p.left + p.right;
  const y = new Float32Array(N * OH * OW * C);
  for (let n = 0; n < N; n++) for (let h = 0; h < OH; h++) for (let w = 0; w < OW; w++) for (let c = 0; c < C; c++) {
    const ih = h - p.top, iw = w - p.left;
    const inside = ih >= 0 && ih < H && iw >= 0 && iw < W;
    y[((n * OH + h) * OW + w) * C + c] = inside ? x[((n * H + ih) * W + iw) * C + c] : value;
  }
  return y;
}

describe('pad2d', () => {
  const shapes = [[1, 1, 1, 1], [2, 3, 5, 1], [3, 4, 3, 3]];
  for (const shape of shapes) {
    it(`forward equals the reference for every side padded or not, input ${shape}`, () => {
      const size = shape.reduce((a, b) => a * b);
      const x = Tensor.from(Array.from({ length: size }, (_, i) => i + 1), shape);
      for (let m = 0; m < 16; m++) {
        const p: Pads = { top: m & 1 ? 2 : 0, bottom: m & 2 ? 1 : 0, left: m & 4 ? 1 : 0, right: m & 8 ? 3 : 0 };
        const y = pad2d(x, p, -7);
        expect(y.shape).toEqual([shape[0], shape[1] + p.top + p.bottom, shape[2] + p.left + p.right, shape[3]]);
        expect(Array.from(y.data)).toEqual(Array.from(padRef(x.data, shape, p, -7)));
        y.dispose();
      }
      x.dispose();
    });
  }
});

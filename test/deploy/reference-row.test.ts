// The fused binary conv + max-pool (assembly/infer-xpool.ts) gives the rows
// equal to a repeated corner row (an image's uniform background) that
// row's bits, computed once per image, instead of counting them again. The
// engine must stay bit-equal to model.predict whether a window has none,
// some or all of its pixels equal to the reference, for AND and OR pool
// channels, more than 64 channels, rows of 5, 9 and 23 words (the pairs in
// registers, the any-length single pixel, the carry-save pairs), partial
// windows at 'same'-padded edges, and images with no repeated corner.
import { describe, it, expect } from 'vitest';
import { Tensor } from '../../src/tensor/tensor.js';
import { tidy } from '../../src/tensor/scope.js';
import { Rng } from '../../src/tensor/random.js';
import { randomizeBatchNorm } from '../helpers/batchNorm.js';
import { Sequential } from '../../src/nn/sequential.js';
import { QuantConv2D } from '../../src/nn/layers/quantConv2D.js';
import { QuantDense } from '../../src/nn/layers/quantDense.js';
import { BatchNormalization } from '../../src/nn/layers/batchNormalization.js';
import { MaxPool2D } from '../../src/nn/layers/maxPool2D.js';
import { Flatten } from '../../src/nn/layers/flatten.js';
import { compile } from '../../src/deploy/index.js';

const bin = { inputQuantizer: 'ste_sign', kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip' } as const;

/**
 * Image 0 all background, image 1 random everywhere (no repeated corner),
 * the others background with a few 8-bit blobs, one touching a corner.
 */
function images(n: number, H: number, W: number, rng: Rng): Float32Array {
  const x = new Float32Array(n * H * W).fill(-1);
  for (let i = 0; i < H * W; i++) x[H * W + i] = Math.floor(rng.uniform() * 256) / 127.5 - 1;
  for (let i = 2; i < n; i++) {
    for (let b = 0; b < 3; b++) {
      const y0 = b === 0 ? 0 : rng.int(H), x0 = b === 0 ? 0 : rng.int(W), h = 1 + rng.int(H >> 1), w = 1 + rng.int(W >> 1);
      for (let y = y0; y < Math.min(H, y0 + h); y++) for (let xx = x0; xx < Math.min(W, x0 + w); xx++) {
        x[(i * H + y) * W + xx] = Math.floor(rng.uniform() * 256) / 127.5 - 1;
      }
    }
  }
  return x;
}

const cases = [
  { H: 16, W: 15, mid: 32, filters: 70, pad: 'valid' as const },
  { H: 13, W: 14, mid: 64, filters: 20, pad: 'same' as const },
  { H: 12, W: 12, mid: 160, filters: 9, pad: 'valid' as const },
];

describe('binary conv + max-pool: rows equal to a repeated corner take its bits', () => {
  for (const c of cases) {
    it(`${c.H}x${c.W}, ${c.mid} channels in (${Math.ceil((9 * c.mid) / 64)}-word rows), ${c.filters} filters, pool padding ${c.pad}`, () => {
      const rng = new Rng(c.mid + c.filters);
      const model = new Sequential([
        new QuantConv2D({ filters: c.mid, kernelSize: 3, kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip', useBias: false }),
        new BatchNormalization(),
        new QuantConv2D({ filters: c.filters, kernelSize: 3, useBias: false, ...bin }),
        new MaxPool2D({ poolSize: 2, padding: c.pad }),
        new BatchNormalization(),
        new Flatten(),
        new QuantDense({ units: 5, ...bin }),
      ], { inputShape: [c.H, c.W, 1], seed: c.mid });
      // negative gammas: OR pool channels next to AND ones
      for (const l of model.layers) randomizeBatchNorm(l, rng, { meanSpread: 2, varianceScale: 4, varianceFloor: 0.05, gammas: true });
      const n = 7;
      const x = images(n, c.H, c.W, rng);
      const plan = compile(model);
      const ref = tidy(() => model.predict(Tensor.from(x, [n, c.H, c.W, 1]), { logits: true }).data.slice());
      expect(plan.run(x).logits).toEqual(ref);
      // one image at a time as well (a reference per image)
      for (let i = 0; i < n; i++) expect(plan.run(x.subarray(i * c.H * c.W, (i + 1) * c.H * c.W)).logits).toEqual(ref.subarray(i * 5, (i + 1) * 5));
      plan.dispose();
      model.dispose();
    });
  }
});

// The float-input sign conv skips the pixels whose window holds only the
// image's background value (assembly/infer-signrows.ts: their sums are the
// same ±bg terms in the same order, their bits a per-channel constant). The
// engine must stay bit-equal to model.predict on images with uniform
// backgrounds (0 with -0 mixed in, -1 as normalised MNIST has, 0.3 whose
// sums round; all-background images; a foreground first pixel; blobs at
// the edges), on awkward shapes: widths over 32 (two pixel groups), odd
// widths, 1 and 3 channels, 'same' padding with pad value 1 and 0, kernels
// 3x3 and 5x2, with and without the fused 2x2 max-pool.
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

// means near 0 and negative gammas: the zero-window bits differ by channel
function randomizeBn(model: Sequential, rng: Rng): void {
  for (const l of model.layers) randomizeBatchNorm(l, rng, { meanSpread: 2, varianceScale: 4, varianceFloor: 0.05, gammas: true });
}

/** Background bg with a few rectangles of 8-bit values and some ±0; image 0 all background, image 1 with a foreground first pixel. */
function images(n: number, H: number, W: number, C: number, bg: number, rng: Rng): Float32Array {
  const x = new Float32Array(n * H * W * C).fill(bg);
  for (let c = 0; c < C; c++) x[H * W * C + c] = 0.5;
  for (let i = 1; i < n; i++) {
    for (let b = 0; b < 3; b++) {
      const y0 = rng.int(H), x0 = rng.int(W), h = 1 + rng.int(H >> 1), w = 1 + rng.int(W >> 1);
      for (let y = y0; y < Math.min(H, y0 + h); y++) for (let xx = x0; xx < Math.min(W, x0 + w); xx++) for (let c = 0; c < C; c++) {
        const r = rng.uniform();
        x[((i * H + y) * W + xx) * C + c] = r < 0.2 ? -0 : r < 0.3 ? 0 : Math.floor(rng.uniform() * 256) / 255;
      }
    }
  }
  return x;
}

const cases = [
  { H: 12, W: 45, C: 1, k: [3, 3] as [number, number], padding: 'valid' as const, padValues: 0, pool: true, bg: 0 },
  { H: 11, W: 37, C: 3, k: [5, 2] as [number, number], padding: 'same' as const, padValues: 1, pool: false, bg: -1 },
  { H: 9, W: 33, C: 1, k: [3, 3] as [number, number], padding: 'same' as const, padValues: 0, pool: false, bg: 0.3 },
  { H: 14, W: 70, C: 2, k: [3, 3] as [number, number], padding: 'same' as const, padValues: 0, pool: true, bg: 0 },
  { H: 28, W: 28, C: 1, k: [3, 3] as [number, number], padding: 'valid' as const, padValues: 0, pool: true, bg: -1 },
  { H: 10, W: 41, C: 1, k: [3, 3] as [number, number], padding: 'same' as const, padValues: 1, pool: true, bg: 0.3 },
  // pooled row pairs whose windows share kernel rows of two chunks (3 channels x 2 columns), and none (2 x 2 on 1 channel)
  { H: 12, W: 38, C: 3, k: [3, 2] as [number, number], padding: 'same' as const, padValues: 0, pool: true, bg: 0 },
  { H: 13, W: 34, C: 1, k: [2, 2] as [number, number], padding: 'valid' as const, padValues: 0, pool: true, bg: 0 },
];

describe('float-input sign conv: background skip is bit-exact', () => {
  for (const c of cases) {
    it(`${c.H}x${c.W}x${c.C}, kernel ${c.k.join('x')}, ${c.padding} pad ${c.padValues}${c.pool ? ', pooled' : ''}, background ${c.bg}`, () => {
      const rng = new Rng(c.W * 31 + c.C);
      const model = new Sequential([
        new QuantConv2D({ filters: 37, kernelSize: c.k, padding: c.padding, padValues: c.padValues, useBias: true,
          kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip' }),
        ...(c.pool ? [new MaxPool2D({ poolSize: 2 })] : []),
        new BatchNormalization(),
        new QuantConv2D({ filters: 8, kernelSize: 3, ...bin }),
        new BatchNormalization(),
        new Flatten(),
        new QuantDense({ units: 5, ...bin }),
      ], { inputShape: [c.H, c.W, c.C], seed: c.H + c.W });
      randomizeBn(model, rng);
      const bias = (model.layers[0] as QuantConv2D).bias!;
      // some biases exactly 0: ties at the threshold for all-zero windows
      for (let o = 0; o < bias.size; o++) bias.value.data[o] = o % 4 === 0 ? 0 : (rng.uniform() - 0.5) * 0.5;
      // ... and a BatchNorm that keeps 0 at 0 there: thresholds exactly 0 (a zero window is then +1)
      const bn = model.layers.find((l) => l instanceof BatchNormalization)!;
      for (let o = 0; o < bias.size; o += 4) {
        bn.movingMean!.value.data[o] = 0;
        bn.beta!.value.data[o] = 0;
      }
      const n = 6;
      const x = images(n, c.H, c.W, c.C, c.bg, rng);
      const plan = compile(model);
      const ref = tidy(() => model.predict(Tensor.from(x, [n, c.H, c.W, c.C]), { logits: true }).data.slice());
      expect(plan.run(x).logits).toEqual(ref);
      plan.dispose();
      model.dispose();
    });
  }
});

// The float-input sign conv takes integer sums for images of 8-bit values
// (assembly/infer-signint.ts): a channel's bit is decided from the exact
// integer sum when it is farther than the float rounding bound from the
// threshold, and by the float path's own sum otherwise. These models put
// every threshold of the first layer exactly on a multiple of 1/255 and
// feed images of a few small values, so that many windows sum exactly to
// their channel's threshold and only the float fallback can give
// model.predict's bits (a threshold has the parity the sums can reach:
// with [-1, 1] images every u is odd, so a sum of K of them has K's
// parity). Shapes: 1, 2, 3, 5, 8 and 15 channels (125 and 128 taps, the
// largest integer cases, with full-scale images whose sums reach 255 K; 135
// taps, which take the float path), widths over 32 and 64, vertical stride
// 2, 70 channels (two pixel words), 'same' padding with pad values 0 and 1,
// with and without the fused pool, [0, 1] and [-1, 1] scalings, an image
// with a value off the 1/255 grid in the same batch, and a wide image of
// background with foreground only in its middle 32-pixel group (the
// background skip inside a row); and two plans run in turn (the layer's
// setup lives in each plan, the per-call workspace is shared).
import { describe, it, expect } from 'vitest';
import { Tensor } from '../../src/tensor/tensor.js';
import { tidy } from '../../src/tensor/scope.js';
import { Rng } from '../../src/tensor/random.js';
import { Sequential } from '../../src/nn/sequential.js';
import { QuantConv2D } from '../../src/nn/layers/quantConv2D.js';
import { QuantDense } from '../../src/nn/layers/quantDense.js';
import { BatchNormalization } from '../../src/nn/layers/batchNormalization.js';
import { MaxPool2D } from '../../src/nn/layers/maxPool2D.js';
import { Flatten } from '../../src/nn/layers/flatten.js';
import { compile } from '../../src/deploy/index.js';

const bin = { inputQuantizer: 'ste_sign', kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip' } as const;

interface Case {
  H: number; W: number; C: number; k: [number, number]; padding: 'valid' | 'same'; padValues: 0 | 1; pool: boolean; signed: boolean;
  strides?: [number, number]; filters?: number;
  /** Images of ±1 only (sums up to ±255 K), or background with foreground in columns 34-60 only. */
  images?: 'full-scale' | 'middle';
}

const cases: Case[] = [
  { H: 28, W: 28, C: 1, k: [3, 3], padding: 'valid', padValues: 0, pool: true, signed: true },
  { H: 13, W: 45, C: 3, k: [3, 3], padding: 'same', padValues: 0, pool: false, signed: false },
  { H: 12, W: 38, C: 2, k: [5, 2], padding: 'same', padValues: 1, pool: true, signed: true },
  { H: 9, W: 70, C: 1, k: [3, 3], padding: 'same', padValues: 0, pool: true, signed: false },
  { H: 8, W: 11, C: 5, k: [5, 5], padding: 'same', padValues: 1, pool: false, signed: false },
  { H: 8, W: 11, C: 15, k: [3, 3], padding: 'valid', padValues: 0, pool: false, signed: true },
  { H: 9, W: 13, C: 8, k: [4, 4], padding: 'valid', padValues: 0, pool: false, signed: true, images: 'full-scale' },
  { H: 8, W: 9, C: 5, k: [5, 5], padding: 'same', padValues: 1, pool: false, signed: false, images: 'full-scale' },
  { H: 15, W: 37, C: 1, k: [3, 3], padding: 'same', padValues: 0, pool: false, signed: true, strides: [2, 1], filters: 70 },
  { H: 10, W: 100, C: 1, k: [3, 3], padding: 'valid', padValues: 0, pool: true, signed: true, images: 'middle' },
  // channel triples (pixel patterns): two triples under a pool's row pairs, the widest kernel row they take, and past it
  { H: 12, W: 40, C: 6, k: [3, 3], padding: 'same', padValues: 1, pool: true, signed: true },
  { H: 7, W: 32, C: 3, k: [3, 9], padding: 'same', padValues: 0, pool: false, signed: false },
  { H: 7, W: 32, C: 3, k: [1, 11], padding: 'same', padValues: 1, pool: false, signed: true },
];

/** Images of u/255 (signed: u odd, as b/127.5 - 1 gives; else u = b as b/255 gives) with u from a few small values, some full-scale; image 1 has one value off the grid. */
function images(n: number, c: Case, rng: Rng): Float32Array {
  const x = new Float32Array(n * c.H * c.W * c.C);
  const small = c.images === 'full-scale' ? (c.signed ? [-255, 255] : [0, 255]) : c.signed ? [-255, -3, -1, 1, 3, 255] : [0, 1, 2, 3, 255];
  const value = (u: number) => (c.signed ? Math.fround((u + 255) / 2 / 127.5 - 1) : Math.fround(u / 255));
  for (let i = 0; i < x.length; i++) {
    const col = Math.floor(i / c.C) % c.W;
    const background = c.images === 'middle' && (col < 34 || col > 60);
    x[i] = value(background ? small[0] : small[rng.int(small.length)]);
  }
  x[c.H * c.W * c.C + 5] = 0.3;
  return x;
}

/** The case's model (thresholds on the 1/255 grid) and a batch of its images. */
function setUp(c: Case): { model: Sequential; x: Float32Array; n: number } {
  const rng = new Rng(c.W * 7 + c.C);
  const filters = c.filters ?? 37;
  const taps = c.k[0] * c.k[1] * c.C;
  const model = new Sequential([
    new QuantConv2D({ filters, kernelSize: c.k, strides: c.strides, padding: c.padding, padValues: c.padValues, useBias: false,
      kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip' }),
    ...(c.pool ? [new MaxPool2D({ poolSize: 2 })] : []),
    new BatchNormalization(),
    new QuantConv2D({ filters: 8, kernelSize: 3, padding: 'same', ...bin }),
    new BatchNormalization(),
    new Flatten(),
    new QuantDense({ units: 5, ...bin }),
  ], { inputShape: [c.H, c.W, c.C], seed: c.H + c.W + c.C });
  // thresholds m/255 that the sums can reach (for [-1, 1] images, of K's parity; full-scale
  // images: multiples of 255, up to the largest sums), gammas of both signs
  const bn = model.layers.find((l) => l instanceof BatchNormalization) as BatchNormalization;
  for (let o = 0; o < filters; o++) {
    const r = rng.int(9) - 4;
    const m = c.images === 'full-scale' ? 255 * (c.signed ? 2 * r + (taps % 2) : r) : c.signed ? 2 * r + (taps % 2) : r;
    bn.movingMean!.value.data[o] = Math.fround(m / 255);
    bn.movingVariance!.value.data[o] = 0.5 + rng.uniform();
    bn.beta!.value.data[o] = 0;
    bn.gamma!.value.data[o] = o % 3 === 0 ? -0.7 : 1.3;
  }
  const n = 5;
  const x = images(n, c, rng);
  return { model, x, n };
}

const logitsOf = (model: Sequential, x: Float32Array, n: number, c: Case) =>
  tidy(() => model.predict(Tensor.from(x, [n, c.H, c.W, c.C]), { logits: true }).data.slice());

describe('float-input sign conv on 8-bit images: integer sums, bit-exact', () => {
  for (const c of cases) {
    it(`${c.H}x${c.W}x${c.C}, kernel ${c.k.join('x')} (${c.k[0] * c.k[1] * c.C} taps)${c.strides ? `, strides ${c.strides.join('x')}` : ''}, ${c.filters ?? 37} filters, ${c.padding} pad ${c.padValues}${c.pool ? ', pooled' : ''}, ${c.signed ? '[-1, 1]' : '[0, 1]'}${c.images ? `, ${c.images}` : ''}`, () => {
      const { model, x, n } = setUp(c);
      const plan = compile(model);
      expect(plan.run(x).logits).toEqual(logitsOf(model, x, n, c));
      plan.dispose();
      model.dispose();
    });
  }

  // The layer's tap table and integer bounds are computed once per plan and
  // the per-call workspace is shared by every plan: plans of different
  // shapes run in turn (one of them cropped by its pool) keep their results.
  it('two plans run in turn: each keeps its own layer setup', () => {
    const a = cases[0], b = cases[3];
    const A = setUp(a), B = setUp(b);
    const planA = compile(A.model), planB = compile(B.model);
    const refA = logitsOf(A.model, A.x, A.n, a), refB = logitsOf(B.model, B.x, B.n, b);
    for (let round = 0; round < 2; round++) {
      expect(planA.run(A.x).logits).toEqual(refA);
      expect(planB.run(B.x).logits).toEqual(refB);
      expect(planA.run(A.x.subarray(0, a.H * a.W * a.C)).logits).toEqual(refA.subarray(0, 5));
    }
    for (const p of [planA, planB]) p.dispose();
    A.model.dispose();
    B.model.dispose();
  });
});

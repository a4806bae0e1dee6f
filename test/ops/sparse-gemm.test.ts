// conv2d's sparse-gradient backward (assembly/sgemmSparse.ts via
// src/ops/sparseGemm.ts) must be bit-identical to im2col + sgemm on the same
// operands: that is what lets the backward pick either by density. Values
// span 12 binary orders of magnitude so that any change of summation order or
// grouping shows in the low bits (checked: a float64 sum differs from sgemm's).
import { describe, it, expect, afterAll } from 'vitest';
import { alloc, free, f32View, u32View } from '../../src/wasm/memory.js';
import { wasm } from '../../src/wasm/module.js';
import { Rng } from '../../src/tensor/random.js';
import { gemm } from '../../src/ops/gemm.js';
import { gemmSparseNT, convWeightGradSparse, convInputGradSparse, density, setSparseBackward, sparseBackwardStats } from '../../src/ops/sparseGemm.js';
import { loadMnist, take } from '../../src/data/index.js';
import { larqMnist } from '../../src/nn/models/larqMnist.js';
import { Adam } from '../../src/optim/adam.js';
import { fit } from '../../src/train/fit.js';
import { windowGeometry, type Padding } from '../../src/ops/convGeometry.js';
import { setThreads } from '../../src/wasm/threads.js';
import { conv2d } from '../../src/ops/conv2d.js';
import { maxPool2d } from '../../src/ops/maxPool2d.js';
import { gradCheck, randomTensor } from '../helpers/gradcheck.js';

const GUARD = 8;
const SENTINEL = -5555.5;

function buffer(n: number): { ptr: number; view: () => Float32Array; bits: () => Uint32Array; guardOk: () => boolean } {
  const ptr = alloc((n + GUARD) * 4);
  f32View(ptr, n + GUARD).fill(SENTINEL);
  return {
    ptr,
    view: () => f32View(ptr, n),
    bits: () => u32View(ptr, n),
    guardOk: () => f32View(ptr + n * 4, GUARD).every((v) => v === SENTINEL),
  };
}

/** Random floats of magnitude 2^-6..2^6 with both signs; a fraction `keep` of them non-zero. */
function fill(v: Float32Array, rng: Rng, keep = 1): void {
  for (let i = 0; i < v.length; i++) {
    v[i] = rng.uniform() < keep ? (rng.uniform() * 2 - 1) * 2 ** Math.floor(rng.uniform() * 12 - 6) : 0;
  }
}

function firstDiff(a: Uint32Array, b: Uint32Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

interface ConvCase { x: [number, number, number, number]; k: number; OC: number; stride: number; padding: Padding }
// Channel counts around the kernels' 32-wide strips, stride 2, 'same' padding,
// more than 512 patch rows and more than 512 output channels (several reduction blocks).
const CONVS: ConvCase[] = [
  { x: [1, 3, 3, 1], k: 1, OC: 1, stride: 1, padding: 'valid' },
  { x: [2, 5, 6, 3], k: 3, OC: 5, stride: 1, padding: 'same' },
  { x: [3, 13, 13, 32], k: 3, OC: 64, stride: 1, padding: 'valid' },
  { x: [2, 9, 8, 33], k: 3, OC: 7, stride: 2, padding: 'same' },
  { x: [1, 7, 7, 70], k: 2, OC: 65, stride: 1, padding: 'same' },
  { x: [4, 14, 14, 16], k: 5, OC: 9, stride: 1, padding: 'same' },
  { x: [5, 6, 6, 64], k: 1, OC: 130, stride: 1, padding: 'valid' },
  // more than 512 output channels: the patch gradient's reduction runs in blocks too
  { x: [2, 4, 4, 8], k: 1, OC: 600, stride: 1, padding: 'valid' },
];
const DENSITIES = [0, 0.03, 0.2, 0.6, 1];

afterAll(() => setThreads(1));

describe('sparse-gradient conv2d backward is bit-identical to im2col + sgemm (+ col2im)', () => {
  for (const threads of [1, 2]) {
    it(`weight gradient colsᵀ·g, patch gradient g·Wᵀ and input gradient col2im(g·Wᵀ), ${threads} thread(s), densities ${DENSITIES.join('/')}`, () => {
      setThreads(threads);
      const rng = new Rng(31 + threads);
      for (const cv of CONVS) {
        const geo = windowGeometry('test', cv.x, [cv.k, cv.k], [cv.stride, cv.stride], cv.padding);
        const { N, H, W, C, KH, KW, SH, SW, PT, PL, OH, OW } = geo;
        const M = N * OH * OW, K = KH * KW * C, OC = cv.OC;
        for (const keep of DENSITIES) {
          const x = buffer(N * H * W * C), cols = buffer(M * K), w = buffer(K * OC), g = buffer(M * OC);
          const dwDense = buffer(K * OC), dwSparse = buffer(K * OC), dcDense = buffer(M * K), dcSparse = buffer(M * K);
          const dxDense = buffer(N * H * W * C), dxSparse = buffer(N * H * W * C);
          try {
            fill(x.view(), rng);
            fill(w.view(), rng);
            fill(g.view(), rng, keep);
            wasm().im2col(x.ptr, N, H, W, C, KH, KW, SH, SW, PT, PL, OH, OW, cols.ptr);
            gemm(true, false, K, OC, M, cols.ptr, g.ptr, dwDense.ptr);
            convWeightGradSparse(x.ptr, geo, g.ptr, OC, dwSparse.ptr);
            gemm(false, true, M, K, OC, g.ptr, w.ptr, dcDense.ptr);
            gemmSparseNT(M, K, OC, g.ptr, w.ptr, dcSparse.ptr);
            // The input gradient with the patch rows added as they are made, against col2im of the dense rows.
            wasm().col2im(dcDense.ptr, N, H, W, C, KH, KW, SH, SW, PT, PL, OH, OW, dxDense.ptr);
            convInputGradSparse(g.ptr, geo, OC, w.ptr, dxSparse.ptr);
            const tag = `x ${cv.x} k ${cv.k} OC ${OC} stride ${cv.stride} ${cv.padding}, density ${keep}`;
            expect(firstDiff(dwSparse.bits(), dwDense.bits()), `dW ${tag}`).toBe(-1);
            expect(firstDiff(dcSparse.bits(), dcDense.bits()), `dcols ${tag}`).toBe(-1);
            expect(firstDiff(dxSparse.bits(), dxDense.bits()), `dX ${tag}`).toBe(-1);
            expect(dwSparse.guardOk() && dcSparse.guardOk() && dxSparse.guardOk(), `guard overwritten, ${tag}`).toBe(true);
          } finally {
            for (const b of [x, cols, w, g, dwDense, dwSparse, dcDense, dcSparse, dxDense, dxSparse]) free(b.ptr);
          }
        }
      }
    });
  }

  it('the comparison can fail: a float64 sum of the same terms differs from sgemm in the low bits', () => {
    setThreads(1);
    const [M, N, K] = [1100, 8, 16];
    const rng = new Rng(5);
    const cols = buffer(M * K), g = buffer(M * N), dw = buffer(K * N);
    try {
      fill(cols.view(), rng);
      fill(g.view(), rng, 0.2);
      gemm(true, false, K, N, M, cols.ptr, g.ptr, dw.ptr);
      const c = cols.view(), gv = g.view(), got = dw.view();
      let differ = 0;
      for (let i = 0; i < K; i++) {
        for (let j = 0; j < N; j++) {
          let s = 0;
          for (let m = 0; m < M; m++) s += c[m * K + i] * gv[m * N + j];
          if (Math.fround(s) !== got[i * N + j]) differ++;
        }
      }
      expect(differ).toBeGreaterThan(K * N / 4);
    } finally {
      for (const b of [cols, g, dw]) free(b.ptr);
    }
  });

  it('density counts non-zeros and NaN, not zeros of either sign', () => {
    const b = buffer(11);
    try {
      b.view().set([0, -0, 1, NaN, 0, 0, 0, -3, 0, 0, 1e-40]);
      expect(density(b.ptr, 11)).toBeCloseTo(4 / 11, 12);
      expect(density(b.ptr, 0)).toBe(0);
    } finally {
      free(b.ptr);
    }
  });

  it('conv2d followed by max-pool (a sparse output gradient) passes the finite-difference check', () => {
    setThreads(1);
    const rng = new Rng(77);
    const x = randomTensor([2, 9, 9, 32], rng, -1, 1);
    const w = randomTensor([3, 3, 32, 5], rng, -1, 1);
    // 3x3 pooling of the 9x9 output: 9 of 81 pixels per channel get a gradient
    // (11 % of g, 32 input channels), so the sparse kernels compute both
    // gradients. A small step keeps every window's maximum where it is.
    const before = sparseBackwardStats().sparse;
    gradCheck(([a, b]) => maxPool2d(conv2d(a, b, { padding: 'same' }), { poolSize: 3 }), [x, w], { eps: 1e-3 });
    expect(sparseBackwardStats().sparse).toBeGreaterThan(before);
    x.dispose();
    w.dispose();
  });

  it('training the binarized larq-mnist gives bit-identical weights with and without the sparse backward', () => {
    setThreads(1);
    const data = take(loadMnist({ split: 'train' }), 192);
    const weights = (sparse: boolean): { w: Float32Array[]; sparseCalls: number } => {
      setSparseBackward(sparse);
      const before = sparseBackwardStats().sparse;
      const model = larqMnist({ seed: 3 });
      try {
        fit(model, data, { epochs: 1, batchSize: 64, optimizer: new Adam(), seed: 3, verbose: 'quiet' });
        return { w: model.variables.map((v) => v.value.data.slice()), sparseCalls: sparseBackwardStats().sparse - before };
      } finally {
        model.dispose();
        setSparseBackward(true);
      }
    };
    const on = weights(true), off = weights(false);
    // conv2 (32 input channels, behind a max-pool) takes the sparse path once per step, 3 steps.
    expect(on.sparseCalls).toBeGreaterThanOrEqual(3);
    expect(off.sparseCalls).toBe(0);
    expect(on.w.length).toBe(off.w.length);
    on.w.forEach((a, i) => expect(firstDiff(new Uint32Array(a.buffer), new Uint32Array(off.w[i].buffer)), `weight ${i}`).toBe(-1));
  });
});

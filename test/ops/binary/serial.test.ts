// 2-bit DoReFa bit-serial kernels against an integer reference, the
// accumulator limit against saturating / wrapping integer arithmetic, and
// binary max-pool against a float max-pool of ±1 values.
import { describe, it, expect } from 'vitest';
import { Rng } from '../../../src/tensor/random.js';
import { alloc, free, f32View, i32View } from '../../../src/wasm/memory.js';
import {
  packActivations, packRows, packWeights, unpackActivations, binaryConv2d, binaryDense, binaryMaxPool2d,
  dorefa2Conv2d, dorefa2Dense, samePad, NO_PAD, type KernelPath, type Pad,
} from '../../../src/ops/binary/index.js';

function put(a: Float32Array): number {
  const p = alloc(a.length * 4);
  f32View(p, a.length).set(a);
  return p;
}

function mismatch(a: ArrayLike<number>, b: ArrayLike<number>): string | null {
  if (a.length !== b.length) return `length ${a.length} vs ${b.length}`;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `at ${i}: ${a[i]} vs ${b[i]}`;
  return null;
}

// tf.round: half to even.
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
// DoReFa k=2 activation code of x: round(3 * clip(x, 0, 1)) in float32.
const actCode = (x: number) => roundHalfEven(Math.fround(Math.fround(Math.min(1, Math.max(0, x))) * 3));
// Weight code b of w = (2b - 3)/3.
const wCode = (w: number) => Math.round((w + 1) * 1.5);

// Activations mostly on the grid {0,1/3,2/3,1}, some off it (including exact
// ties 0.5 -> 1.5 -> 2 and values outside [0, 1]) to exercise the rounding.
function activations(rng: Rng, n: number): Float32Array {
  // 0.5, 1/6 and 5/6 land exactly on ties of round(3x) (1.5, 0.5, 2.5) in float32
  const offGrid = [0.5, 1 / 6, 5 / 6, 0.17, 1.4, -0.3, 0.83];
  return Float32Array.from({ length: n }, () => (rng.uniform() < 0.1 ? offGrid[rng.int(offGrid.length)] : rng.int(4) / 3));
}
const weights = (rng: Rng, n: number) => Float32Array.from({ length: n }, () => (2 * rng.int(4) - 3) / 3);

describe('2-bit DoReFa bit-serial kernels', () => {
  for (const [M, K, N] of [[1, 1, 1], [5, 63, 7], [9, 130, 13], [64, 1000, 70]]) {
    it(`dense M=${M} K=${K} N=${N}: D = 2*sum(a*b) - 3*sum(a) = 9*sum(x*w)`, () => {
      const rng = new Rng(M + K + N);
      const x = activations(rng, M * K), w = weights(rng, K * N);
      const want = new Int32Array(M * N);
      const real = new Float64Array(M * N);
      for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) {
        let d = 0, r = 0;
        for (let k = 0; k < K; k++) {
          const a = actCode(x[m * K + k]), b = wCode(w[k * N + n]);
          d += 2 * a * b - 3 * a;
          r += (a / 3) * ((2 * b - 3) / 3);
        }
        want[m * N + n] = d;
        real[m * N + n] = r;
      }
      const xp = put(x), wp = put(w);
      const xb = packRows(xp, M, K, { planes: 2 }), wb = packWeights(wp, [K, N], { planes: 2 });
      const r = dorefa2Dense(xb, wb);
      const got = i32View(r.ptr, M * N);
      expect(mismatch(got, want)).toBeNull();
      for (let i = 0; i < M * N; i++) expect(got[i] / 9).toBeCloseTo(real[i], 9);
      free(r.ptr); xb.dispose(); wb.dispose(); free(xp); free(wp);
    });
  }

  for (const [H, W, C, OC, Kk, S, same] of [[7, 5, 3, 4, 3, 1, true], [9, 8, 65, 6, 3, 2, true], [6, 7, 64, 65, 5, 1, true], [8, 8, 130, 5, 1, 1, false]] as const) {
    it(`conv ${H}x${W}x${C}->${OC} k${Kk} s${S} ${same ? 'same' : 'valid'} (zero padding)`, () => {
      const rng = new Rng(H * W + C);
      const N = 2;
      const x = activations(rng, N * H * W * C), w = weights(rng, Kk * Kk * C * OC);
      const pad: Pad = same ? samePad(H, W, Kk, Kk, S) : NO_PAD;
      const OH = Math.floor((H + pad.top + pad.bottom - Kk) / S) + 1, OW = Math.floor((W + pad.left + pad.right - Kk) / S) + 1;
      const want = new Int32Array(N * OH * OW * OC);
      for (let n = 0; n < N; n++) for (let oy = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) for (let o = 0; o < OC; o++) {
        let d = 0;
        for (let kh = 0; kh < Kk; kh++) for (let kw = 0; kw < Kk; kw++) {
          const iy = oy * S - pad.top + kh, ix = ox * S - pad.left + kw;
          if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue; // zero padding: x = 0, a = 0
          for (let c = 0; c < C; c++) {
            const a = actCode(x[((n * H + iy) * W + ix) * C + c]), b = wCode(w[((kh * Kk + kw) * C + c) * OC + o]);
            d += 2 * a * b - 3 * a;
          }
        }
        want[((n * OH + oy) * OW + ox) * OC + o] = d;
      }
      const xp = put(x), wp = put(w);
      const xb = packActivations(xp, [N, H, W, C], { pad, planes: 2 }), wb = packWeights(wp, [Kk, Kk, C, OC], { planes: 2 });
      const r = dorefa2Conv2d(xb, wb, { strides: S });
      expect(r.shape).toEqual([N, OH, OW, OC]);
      expect(mismatch(i32View(r.ptr, want.length), want)).toBeNull();
      free(r.ptr); xb.dispose(); wb.dispose(); free(xp); free(wp);
    });
  }

  it('packs activation codes that unpack to a/3', () => {
    const rng = new Rng(3);
    const x = activations(rng, 2 * 3 * 67);
    const xp = put(x), out = alloc(x.length * 4);
    const p = packActivations(xp, [2, 3, 1, 67], { planes: 2 });
    unpackActivations(p, out);
    expect(mismatch(f32View(out, x.length), Array.from(x, (v) => Math.fround(actCode(v) / 3)))).toBeNull();
    p.dispose(); free(xp); free(out);
  });
});

describe('accumulator limit', () => {
  const saturate = (d: number, b: number) => Math.min(2 ** (b - 1) - 1, Math.max(-(2 ** (b - 1)), d));
  const wrap = (d: number, b: number) => {
    const m = 2 ** b;
    return ((((d + 2 ** (b - 1)) % m) + m) % m) - 2 ** (b - 1);
  };
  const paths: KernelPath[] = ['scalar', 'v128', 'hybrid', 'csa'];

  for (const bits of [1, 3, 5, 8, 12]) {
    it(`${bits}-bit saturate and wrap, dense, conv and 2-bit`, () => {
      const rng = new Rng(bits);
      const M = 13, K = 200, N = 11;
      const x = Float32Array.from({ length: M * K }, () => rng.uniform() - 0.4);
      const w = Float32Array.from({ length: K * N }, () => rng.uniform() - 0.6);
      const xp = put(x), wp = put(w);
      const xb = packRows(xp, M, K), wb = packWeights(wp, [K, N]);
      const exact = binaryDense(xb, wb);
      const d = Array.from(i32View(exact.ptr, M * N));
      for (const path of paths) {
        const s = binaryDense(xb, wb, { accumulator: { bits, mode: 'saturate' }, path });
        expect(mismatch(i32View(s.ptr, M * N), d.map((v) => saturate(v, bits))), path).toBeNull();
        const r = binaryDense(xb, wb, { accumulator: { bits, mode: 'wrap' }, path });
        expect(mismatch(i32View(r.ptr, M * N), d.map((v) => wrap(v, bits))), path).toBeNull();
        free(s.ptr); free(r.ptr);
      }
      // conv: same definition on the (edge-corrected) dot
      const img = put(Float32Array.from({ length: 6 * 7 * 70 }, () => rng.uniform() - 0.5));
      const cw = put(Float32Array.from({ length: 9 * 70 * 5 }, () => rng.uniform() - 0.5));
      const ib = packActivations(img, [1, 6, 7, 70], { pad: samePad(6, 7, 3, 3) }), kb = packWeights(cw, [3, 3, 70, 5]);
      const ce = Array.from(i32View(binaryConv2d(ib, kb).ptr, 6 * 7 * 5));
      const cs = binaryConv2d(ib, kb, { accumulator: { bits, mode: 'wrap' } });
      expect(mismatch(i32View(cs.ptr, ce.length), ce.map((v) => wrap(v, bits)))).toBeNull();
      // 2-bit: limit applies to D
      const qx = put(activations(rng, M * K)), qw = put(weights(rng, K * N));
      const qxb = packRows(qx, M, K, { planes: 2 }), qwb = packWeights(qw, [K, N], { planes: 2 });
      const qe = Array.from(i32View(dorefa2Dense(qxb, qwb).ptr, M * N));
      const qs = dorefa2Dense(qxb, qwb, { accumulator: { bits, mode: 'saturate' } });
      expect(mismatch(i32View(qs.ptr, M * N), qe.map((v) => saturate(v, bits)))).toBeNull();
    });
  }
});

describe('binary max-pool', () => {
  for (const [H, W, C, k, s, padding] of [[7, 9, 3, 2, 2, 'same'], [8, 8, 64, 2, 2, 'valid'], [9, 7, 130, 3, 2, 'same'], [5, 5, 65, 3, 1, 'same'], [6, 5, 1, 3, 3, 'valid']] as const) {
    it(`${H}x${W}x${C} pool ${k} stride ${s} ${padding} equals float max-pool of ±1`, () => {
      const rng = new Rng(H * 31 + C);
      const N = 2;
      const x = Float32Array.from({ length: N * H * W * C }, () => (rng.uniform() < 0.7 ? -1 : 1));
      const pad = padding === 'same' ? samePad(H, W, k, k, s) : NO_PAD;
      const OH = padding === 'same' ? Math.ceil(H / s) : Math.floor((H - k) / s) + 1;
      const OW = padding === 'same' ? Math.ceil(W / s) : Math.floor((W - k) / s) + 1;
      const want = new Float32Array(N * OH * OW * C);
      for (let n = 0; n < N; n++) for (let oy = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) for (let c = 0; c < C; c++) {
        let m = -Infinity;
        for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) {
          const iy = oy * s - pad.top + i, ix = ox * s - pad.left + j;
          if (iy >= 0 && iy < H && ix >= 0 && ix < W) m = Math.max(m, x[((n * H + iy) * W + ix) * C + c]);
        }
        want[((n * OH + oy) * OW + ox) * C + c] = m;
      }
      const xp = put(x), back = alloc(want.length * 4);
      const xb = packActivations(xp, [N, H, W, C]);
      const r = binaryMaxPool2d(xb, k, { strides: s, padding });
      expect(r.shape).toEqual([N, OH, OW, C]);
      unpackActivations({ ...xb, ptr: r.ptr, H: OH, W: OW }, back);
      expect(mismatch(f32View(back, want.length), want)).toBeNull();
      free(r.ptr); free(back); xb.dispose(); free(xp);
    });
  }
});

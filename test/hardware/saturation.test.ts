// Saturation / wrap against integer references, the XNOR kernels'
// accumulator limit against the float-path transform (exactly equal), the
// straight-through gradients, ADC quantisation and saturating multipliers.
import { describe, it, expect } from 'vitest';
import { Tensor } from '../../src/tensor/tensor.js';
import { tidy } from '../../src/tensor/scope.js';
import { Rng } from '../../src/tensor/random.js';
import { backward, noGrad } from '../../src/autograd/graph.js';
import { matmul } from '../../src/ops/matmul.js';
import { conv2d } from '../../src/ops/conv2d.js';
import { i32View, alloc, free } from '../../src/wasm/memory.js';
import { packRows, packWeights, packActivations, binaryDense, binaryConv2d, samePad, NO_PAD } from '../../src/ops/binary/index.js';
import { Sequential } from '../../src/nn/sequential.js';
import { Flatten } from '../../src/nn/layers/flatten.js';
import { QuantDense } from '../../src/nn/layers/quantDense.js';
import { QuantConv2D } from '../../src/nn/layers/quantConv2D.js';
import { intRange, limitValue, limitTensor, Saturation } from '../../src/hardware/saturation.js';
import { ADC, adcQuantize } from '../../src/hardware/adc.js';
import { SaturatingMultiplier } from '../../src/hardware/multiplier.js';
import { withPerturbations } from '../../src/hardware/perturbation.js';
import { DoReFa } from '../../src/quantizers/index.js';

const sgn = (v: number) => (v < 0 ? -1 : 1);

/** Independent references: JS int32 shifts for two's complement, masks for unsigned. */
function refSigned(v: number, b: number, mode: 'saturate' | 'wrap'): number {
  if (mode === 'saturate') return Math.max(-(2 ** (b - 1)), Math.min(2 ** (b - 1) - 1, v));
  return b === 32 ? v | 0 : (v << (32 - b)) >> (32 - b);
}
function refUnsigned(v: number, b: number, mode: 'saturate' | 'wrap'): number {
  if (mode === 'saturate') return Math.max(0, Math.min(2 ** b - 1, v));
  return b === 32 ? v >>> 0 : v & (2 ** b - 1);
}

function signs(n: number, rng: Rng): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform() * 2 - 1;
  return a;
}

describe('register limits', () => {
  it('saturate and wrap match the integer references, signed and unsigned, 1..31 bits', () => {
    const rng = new Rng(1);
    for (let b = 1; b <= 31; b++) {
      const s = intRange(b, true);
      const u = intRange(b, false);
      for (let i = 0; i < 300; i++) {
        const v = Math.floor((rng.uniform() * 2 - 1) * 2 ** Math.min(30, b + 2));
        for (const mode of ['saturate', 'wrap'] as const) {
          expect(limitValue(v, s, mode)).toBe(refSigned(v, b, mode));
          expect(limitValue(v, u, mode)).toBe(refUnsigned(v, b, mode));
        }
      }
      for (const edge of [s.lo, s.hi, s.lo - 1, s.hi + 1]) expect(limitValue(edge, s, 'wrap')).toBe(refSigned(edge, b, 'wrap'));
    }
  });

  it('limitTensor with an lsb clips in units of the lsb', () => {
    tidy(() => {
      const x = Tensor.from([0.3, -0.9, 0.51, 1.2]);
      const y = limitTensor(x, intRange(3, true), 'saturate', 0.125, 'clipped').toArray(); // range [-0.5, 0.375]
      expect(Array.from(y)).toEqual([0.3, -0.5, 0.375, 0.375].map(Math.fround));
    });
  });

  it('gradients: saturate passes dy inside [lo, hi] (inclusive) and 0 outside; wrap and ste pass dy', () => {
    tidy(() => {
      const r = intRange(4, true); // [-8, 7]
      const xs = [-9, -8, -3, 7, 7.5, 12];
      const g = Tensor.from([1, 2, 3, 4, 5, 6]);
      const grad = (mode: 'saturate' | 'wrap', gr: 'clipped' | 'ste') => {
        const x = Tensor.from(xs);
        x.requiresGrad = true;
        backward(limitTensor(x, r, mode, 1, gr), g);
        return Array.from(x.grad!.toArray());
      };
      expect(grad('saturate', 'clipped')).toEqual([0, 2, 3, 4, 0, 0]);
      expect(grad('saturate', 'ste')).toEqual([1, 2, 3, 4, 5, 6]);
      expect(grad('wrap', 'clipped')).toEqual([1, 2, 3, 4, 5, 6]);
    });
  });
});

describe('XNOR accumulator limit == float-path Saturation, exactly', () => {
  const bitsList = [2, 4, 5, 7, 8, 10, 16];

  it('binary dense (K = 1000, dots up to ±1000)', () => {
    const rng = new Rng(3);
    const M = 9, K = 1000, N = 13;
    const xv = signs(M * K, rng);
    const wv = signs(K * N, rng);
    tidy(() => {
      const xb = Tensor.from(xv.map(sgn), [M, K]);
      const wb = Tensor.from(wv.map(sgn), [K, N]);
      const dot = noGrad(() => matmul(xb, wb));
      const x = Tensor.from(xv, [M, K]);
      const w = Tensor.from(wv, [K, N]);
      const xp = packRows(x.ptr, M, K);
      const wp = packWeights(w.ptr, [K, N]);
      const out = alloc(M * N * 4);
      for (const bits of bitsList) for (const mode of ['saturate', 'wrap'] as const) {
        binaryDense(xp, wp, { output: { kind: 'int' }, accumulator: { bits, mode }, into: out });
        const kernel = Array.from(i32View(out, M * N));
        const sat = new Saturation({ bits, mode }).hook();
        const float = Array.from(sat.apply(dot, { training: false, rng: new Rng(0) }, null as never).toArray());
        expect(kernel).toEqual(float);
        expect(sat.accumulatorLimit).toEqual({ bits, mode });
      }
      free(out);
      xp.dispose();
      wp.dispose();
    });
  });

  it('binary conv2d: valid/same, pad values 0 and 1, stride 2', () => {
    const rng = new Rng(4);
    for (const [padding, padValue, S] of [['valid', 0, 1], ['same', 0, 1], ['same', 1, 2]] as const) {
      const N = 2, H = 7, W = 6, C = 70, OC = 9, KH = 3;
      const xv = signs(N * H * W * C, rng);
      const wv = signs(KH * KH * C * OC, rng);
      tidy(() => {
        // float path: binarized input, explicit pad value, float conv
        let xb = Tensor.from(xv.map(sgn), [N, H, W, C]);
        const pad = padding === 'same' ? samePad(H, W, KH, KH, S) : NO_PAD;
        if (padValue === 1) {
          const Hp = H + pad.top + pad.bottom, Wp = W + pad.left + pad.right;
          const p = Tensor.full([N, Hp, Wp, C], 1);
          const d = p.data, s = xb.data;
          for (let n = 0; n < N; n++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < C; c++) {
            d[((n * Hp + y + pad.top) * Wp + x + pad.left) * C + c] = s[((n * H + y) * W + x) * C + c];
          }
          xb = p;
        }
        const wb = Tensor.from(wv.map(sgn), [KH, KH, C, OC]);
        const dot = noGrad(() => conv2d(xb, wb, { strides: S, padding: padValue === 1 ? 'valid' : padding }));
        const x = Tensor.from(xv, [N, H, W, C]);
        const w = Tensor.from(wv, [KH, KH, C, OC]);
        const xp = packActivations(x.ptr, [N, H, W, C], { pad });
        const wp = packWeights(w.ptr, [KH, KH, C, OC]);
        for (const bits of bitsList) for (const mode of ['saturate', 'wrap'] as const) {
          const r = binaryConv2d(xp, wp, { strides: S, padValue, output: { kind: 'int' }, accumulator: { bits, mode } });
          const kernel = Array.from(i32View(r.ptr, dot.size));
          free(r.ptr);
          const float = Array.from(new Saturation({ bits, mode }).hook().apply(dot, { training: false, rng: new Rng(0) }, null as never).toArray());
          expect(kernel).toEqual(float);
        }
        xp.dispose();
        wp.dispose();
      });
    }
  });
});

describe('ADC', () => {
  it('quantises to 2^b levels over [lo, hi], clamping outside', () => {
    tidy(() => {
      const x = Tensor.from([-5, -1, -0.34, 0, 0.2, 0.99, 3]);
      const y = Array.from(adcQuantize(x, 2, -1, 1).toArray()); // levels -1, -1/3, 1/3, 1
      const l = [-1, -1 / 3, 1 / 3, 1].map(Math.fround);
      expect(y).toEqual([l[0], l[0], l[1], l[2], l[2], l[3], l[3]]);
      // every output is one of the 2^b levels; error within half a step inside the range
      const r = new Rng(2);
      const v = Tensor.from(Array.from({ length: 1000 }, () => r.uniform() * 20 - 10));
      const q = adcQuantize(v, 5, -8, 8).toArray();
      const step = 16 / 31;
      const vs = v.toArray();
      for (let i = 0; i < q.length; i++) {
        const k = (q[i] + 8) / step;
        expect(Math.abs(k - Math.round(k))).toBeLessThan(1e-4);
        if (Math.abs(vs[i]) <= 8) expect(Math.abs(q[i] - vs[i])).toBeLessThanOrEqual(step / 2 + 1e-6);
      }
    });
  });

  it("range 'fan-in' is ±K of each layer; STE gradient inside the range", () => {
    const m = new Sequential([new Flatten(), new QuantDense({ units: 5, inputQuantizer: 'ste_sign', kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip' })], { inputShape: [6], seed: 1 });
    const d = new ADC({ bits: 3, range: 'fan-in' }).attach(m);
    tidy(() => {
      const x = Tensor.from([1, -1, 1, 1, -1, 1], [1, 6]);
      const y = noGrad(() => m.call(x, { training: false, rng: new Rng(0) })).toArray();
      const levels = Array.from({ length: 8 }, (_, i) => Math.fround(-6 + i * 12 / 7));
      for (const v of y) expect(levels).toContain(v);
    });
    d();
    tidy(() => {
      const x = Tensor.from([-3, -2, 0.4, 2, 2.5]);
      x.requiresGrad = true;
      backward(adcQuantize(x, 3, -2, 2), Tensor.from([1, 1, 1, 1, 1]));
      expect(Array.from(x.grad!.toArray())).toEqual([0, 1, 1, 1, 0]);
    });
    m.dispose();
  });
});

describe('SaturatingMultiplier', () => {
  /** Reference: integer codes, each product clamped, summed. */
  function reference(a: number[][], c: number[][], lo: number, hi: number): number[][] {
    return a.map((row) => c[0].map((_, n) => row.reduce((s, ak, k) => s + Math.max(lo, Math.min(hi, ak * c[k][n])), 0)));
  }

  it('clamps every product of a 2-bit DoReFa dense layer (integer reference)', () => {
    const K = 37, N = 6, M = 5;
    const layer = new QuantDense({ units: N, inputQuantizer: new DoReFa({ kBit: 2 }), kernelQuantizer: new DoReFa({ kBit: 2, mode: 'weights' }), useBias: false });
    const m = new Sequential([layer], { inputShape: [K], seed: 2 });
    const rng = new Rng(3);
    tidy(() => {
      const xv = Array.from({ length: M * K }, () => rng.uniform() * 1.2 - 0.1);
      const x = Tensor.from(xv, [M, K]);
      const xq = noGrad(() => layer.inputQuantizer!.call(x)).toArray();
      const wq = noGrad(() => layer.kernelQuantizer!.call(layer.kernel!.value)).toArray();
      const a = Array.from({ length: M }, (_, i) => Array.from({ length: K }, (_, k) => Math.round(xq[i * K + k] * 3)));
      const c = Array.from({ length: K }, (_, k) => Array.from({ length: N }, (_, n) => Math.round(wq[k * N + n] * 3)));
      for (const [bits, signed] of [[2, true], [3, true], [2, false], [4, true]] as const) {
        const r = intRange(bits, signed);
        const ref = reference(a, c, r.lo, r.hi).flat().map((v) => v / 9);
        const y = withPerturbations(m, [new SaturatingMultiplier({ bits, signed })], () => noGrad(() => m.call(x, { training: false, rng: new Rng(0) })).toArray());
        for (let i = 0; i < ref.length; i++) expect(y[i]).toBeCloseTo(ref[i], 5);
      }
      // detached: the plain product again, and the instance call wrapper is gone
      const plain = noGrad(() => m.call(x, { training: false, rng: new Rng(0) })).toArray();
      const full = reference(a, c, -1e9, 1e9).flat().map((v) => v / 9);
      for (let i = 0; i < full.length; i++) expect(plain[i]).toBeCloseTo(full[i], 5);
      expect(layer.hooks.count()).toBe(0);
    });
    m.dispose();
  });

  it('on a binary conv: clamps ±1 products (unsigned 1-bit keeps only +1 products), straight-through gradient', () => {
    const conv = new QuantConv2D({ filters: 3, kernelSize: 2, inputQuantizer: 'ste_sign', kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip', useBias: false });
    const m = new Sequential([conv], { inputShape: [4, 4, 2], seed: 1 });
    tidy(() => {
      const rng = new Rng(5);
      const x = Tensor.from(Array.from({ length: 32 }, () => rng.uniform() * 2 - 1), [1, 4, 4, 2]);
      const xs = x.toArray().map(sgn);
      const ws = conv.kernel!.value.toArray().map(sgn);
      const y = withPerturbations(m, [new SaturatingMultiplier({ bits: 1, signed: false })], () => noGrad(() => m.call(x, { training: false, rng: new Rng(0) })).toArray());
      for (let oy = 0; oy < 3; oy++) for (let ox = 0; ox < 3; ox++) for (let o = 0; o < 3; o++) {
        let s = 0;
        for (let ky = 0; ky < 2; ky++) for (let kx = 0; kx < 2; kx++) for (let c = 0; c < 2; c++) {
          s += Math.max(0, xs[((oy + ky) * 4 + ox + kx) * 2 + c] * ws[((ky * 2 + kx) * 2 + c) * 3 + o]);
        }
        expect(y[(oy * 3 + ox) * 3 + o]).toBe(s);
      }
      // the gradient reaching the latent kernel is the one of the unlimited product
      const grads = (perturbed: boolean) => {
        const run = () => {
          const out = m.call(x, { training: true, rng: new Rng(0) });
          backward(out, Tensor.full(out.shape, 1));
        };
        if (perturbed) withPerturbations(m, [new SaturatingMultiplier({ bits: 1, signed: false })], run);
        else run();
        const g = conv.kernel!.value.grad!.toArray();
        m.zeroGrad();
        return g;
      };
      expect(grads(true)).toEqual(grads(false));
    });
    m.dispose();
  });

  it('a float input on the 8-bit pixel grid with a binary kernel: two products over the kernel levels (integer reference)', () => {
    const K = 90, N = 4, M = 3;
    const layer = new QuantDense({ units: N, kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip', useBias: false });
    const m = new Sequential([layer], { inputShape: [K], seed: 4 });
    const rng = new Rng(8);
    tidy(() => {
      // pixels p in 0..255 scaled as the data loaders do: x = p/127.5 - 1 (codes 2p - 255 of step 1/255)
      const pix = Array.from({ length: M * K }, () => Math.floor(rng.uniform() * 256));
      const x = Tensor.from(pix.map((p) => p / 127.5 - 1), [M, K]);
      const ws = layer.kernel!.value.toArray().map(sgn);
      for (const [bits, signed] of [[8, false], [8, true], [6, true]] as const) {
        const r = intRange(bits, signed);
        const y = withPerturbations(m, [new SaturatingMultiplier({ bits, signed, floatInputStep: 1 / 255 })],
          () => noGrad(() => m.call(x, { training: false, rng: new Rng(0) })).toArray());
        for (let i = 0; i < M; i++) for (let n = 0; n < N; n++) {
          let s = 0;
          for (let k = 0; k < K; k++) s += Math.max(r.lo, Math.min(r.hi, (2 * pix[i * K + k] - 255) * ws[k * N + n]));
          expect(y[i * N + n]).toBeCloseTo(s / 255, 3);
        }
      }
    });
    m.dispose();
  });

  it("binaryEncoding 'xnor': bits counted in an unsigned counter, 2·count − K with K the taps of each output (zero and one padding)", () => {
    const rng = new Rng(11);
    for (const padValues of [0, 1]) {
      const conv = new QuantConv2D({ filters: 5, kernelSize: 3, padding: 'same', padValues, inputQuantizer: 'ste_sign', kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip', useBias: false });
      const m = new Sequential([conv], { inputShape: [5, 4, 6], seed: 3 });
      tidy(() => {
        const x = Tensor.from(Array.from({ length: 5 * 4 * 6 }, () => rng.uniform() * 2 - 1), [1, 5, 4, 6]);
        const xs = x.toArray().map(sgn);
        const ws = conv.kernel!.value.toArray().map(sgn);
        for (const [bits, mode] of [[5, 'saturate'], [4, 'wrap'], [8, 'saturate']] as const) {
          const r = intRange(bits, false);
          const y = withPerturbations(m, [new SaturatingMultiplier({ bits, mode, binaryEncoding: 'xnor' })],
            () => noGrad(() => m.call(x, { training: false, rng: new Rng(0) })).toArray());
          for (let oy = 0; oy < 5; oy++) for (let ox = 0; ox < 4; ox++) for (let o = 0; o < 5; o++) {
            let count = 0;
            let taps = 0;
            for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) for (let c = 0; c < 6; c++) {
              const iy = oy + ky - 1;
              const ix = ox + kx - 1;
              const inside = iy >= 0 && iy < 5 && ix >= 0 && ix < 4;
              if (!inside && padValues === 0) continue; // a zero pad cell is no tap
              const v = inside ? xs[(iy * 4 + ix) * 6 + c] : 1;
              taps++;
              if (v * ws[((ky * 3 + kx) * 6 + c) * 5 + o] > 0) count++;
            }
            const held = mode === 'saturate' ? Math.min(count, r.hi) : count % r.span;
            expect(y[(oy * 4 + ox) * 5 + o]).toBe(2 * held - taps);
          }
        }
      });
      m.dispose();
    }
  });

  it('refuses layers whose input and kernel both take many values, and bad options', () => {
    const m = new Sequential([new QuantDense({ units: 2, kernelQuantizer: new DoReFa({ kBit: 8, mode: 'weights' }) })], { inputShape: [100] });
    tidy(() => {
      const x = Tensor.from(Array.from({ length: 100 }, (_, i) => i / 100), [1, 100]);
      expect(() => withPerturbations(m, [new SaturatingMultiplier({ bits: 8, inputStep: 0.01 })], () => noGrad(() => m.call(x, { training: false, rng: new Rng(0) }))))
        .toThrow(/both take more than 64 values/);
      expect(() => new SaturatingMultiplier({ bits: 8 }).attach(m)).toThrow(/inputStep/);
    });
    expect(() => new SaturatingMultiplier({ bits: 8, floatInputStep: -1 })).toThrow(/positive/);
    expect(() => new SaturatingMultiplier({ bits: 8, binaryEncoding: 'bits' as never })).toThrow(/binaryEncoding/);
    m.dispose();
  });
});

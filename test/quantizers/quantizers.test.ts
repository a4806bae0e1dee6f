// Every quantizer's forward and straight-through gradient against its
// formula (docs/larq-semantics.md §1) on random inputs and on the edge cases
// (|x| == clip, x == 0, ties), plus the doc's test vectors (§6.5, §6.7).
import { describe, it, expect } from 'vitest';
import { Tensor } from '../../src/tensor/tensor.js';
import { tidy } from '../../src/tensor/scope.js';
import { Rng } from '../../src/tensor/random.js';
import { backward } from '../../src/autograd/graph.js';
import {
  type Quantizer, SteSign, ApproxSign, SwishSign, MagnitudeAwareSign, SteTern, SteHeaviside, DoReFa, NoOp,
  customQuantizer, getQuantizer, registerQuantizer, quantizerNames, weightClip, getConstraint, FlipRatio,
  roundHalfEven,
} from '../../src/quantizers/index.js';

interface Run { q: number[]; g: number[] }

/** Forward on `values`, then backward with dy (default random), returning q(x) and dL/dx, plus the dy used. */
function run(quantizer: Quantizer, values: number[], shape: number[] = [values.length], dy?: number[]): Run & { dy: number[] } {
  const dys = dy ?? values.map((_, i) => ((i * 7919) % 13) / 6.5 - 1 + 0.03);
  return tidy(() => {
    const x = Tensor.from(values, shape);
    x.requiresGrad = true;
    const y = quantizer.call(x);
    const q = Array.from(y.data);
    backward(y, Tensor.from(dys, shape));
    return { q, g: Array.from(x.grad!.data), dy: Array.from(Float32Array.from(dys)) };
  });
}

const EDGES = [0, -0, 1, -1, 0.5, -0.5, 2, -2, 1e-30, -1e-30, Math.fround(1.0000001), -Math.fround(1.0000001)];

function randomValues(n: number, seed: number, extra: number[] = []): number[] {
  const rng = new Rng(seed);
  const v = Array.from({ length: n }, () => Math.fround(rng.uniform() * 4 - 2));
  return [...v, ...EDGES, ...extra].map(Math.fround);
}

function expectClose(actual: number[], expected: number[], rtol = 1e-5, atol = 1e-7): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    const ok = Math.abs(actual[i] - expected[i]) <= atol + rtol * Math.abs(expected[i]);
    if (!ok) expect.fail(`index ${i}: got ${actual[i]}, expected ${expected[i]}`);
  }
}

const sign = (x: number) => (x >= 0 ? 1 : -1);

describe('ste_sign', () => {
  it('forward is sign with sign(0) = +1; gradient dy·1[|x| <= 1]', () => {
    const xs = randomValues(500, 1);
    const r = run(new SteSign(), xs);
    expect(r.q).toEqual(xs.map(sign));
    expect(r.g).toEqual(xs.map((x, i) => (Math.abs(x) <= 1 ? r.dy[i] : 0)));
  });

  it('the doc vectors (§6.5), dy = 1', () => {
    const xs = [-2, -1, -0.5, -0.05, 0, 0.03, 0.05, 0.5, 1, 2];
    const r = run(new SteSign(), xs, undefined, xs.map(() => 1));
    expect(r.q).toEqual([-1, -1, -1, -1, 1, 1, 1, 1, 1, 1]);
    expect(r.g).toEqual([0, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
  });

  it('clipValue 0.5 is inclusive in float32; null passes everything', () => {
    const xs = [-0.6, -0.5, 0.5, 0.6, 0.49];
    expect(run(new SteSign({ clipValue: 0.5 }), xs, undefined, xs.map(() => 1)).g).toEqual([0, 1, 1, 0, 1]);
    const big = [-100, -2, 0, 3, 1e6];
    expect(run(new SteSign({ clipValue: null }), big, undefined, big.map(() => 1)).g).toEqual([1, 1, 1, 1, 1]);
    // 0.6 is not exact in float32: x = fround(0.6) sits exactly on the float32 clip value.
    expect(run(new SteSign({ clipValue: 0.6 }), [Math.fround(0.6)], undefined, [1]).g).toEqual([1]);
  });

  it('the gradient is stopped, not flipped, beyond the window on random dy', () => {
    const xs = randomValues(200, 2);
    const r = run(new SteSign({ clipValue: 1.5 }), xs);
    expect(r.g).toEqual(xs.map((x, i) => (Math.abs(x) <= 1.5 ? r.dy[i] : 0)));
  });
});

describe('approx_sign', () => {
  it('forward as ste_sign; gradient dy·(2 − 2|x|) on |x| <= 1', () => {
    const xs = randomValues(500, 3);
    const r = run(new ApproxSign(), xs);
    expect(r.q).toEqual(xs.map(sign));
    expectClose(r.g, xs.map((x, i) => (Math.abs(x) <= 1 ? (2 - 2 * Math.abs(x)) * r.dy[i] : 0)));
  });

  it('the doc vectors', () => {
    const xs = [-2, -1, -0.5, -0.05, 0, 0.03, 0.05, 0.5, 1, 2];
    expectClose(run(new ApproxSign(), xs, undefined, xs.map(() => 1)).g, [0, 0, 1, 1.9, 2, 1.94, 1.9, 1, 0, 0]);
  });
});

describe('swish_sign', () => {
  const swishGrad = (x: number, beta: number) => {
    const b = beta * x;
    return (beta * (2 - b * Math.tanh(b / 2))) / (1 + Math.cosh(b));
  };

  it('forward as ste_sign; gradient β(2 − βx·tanh(βx/2))/(1 + cosh βx) without a window', () => {
    for (const beta of [5, 10, 1.5]) {
      const xs = randomValues(300, 4);
      const r = run(new SwishSign({ beta }), xs);
      expect(r.q).toEqual(xs.map(sign));
      expectClose(r.g, xs.map((x, i) => swishGrad(x, beta) * r.dy[i]), 1e-5, 1e-9);
    }
  });

  it('the doc vectors (β = 5 and β = 10)', () => {
    const xs = [-2, -1, -0.5, -0.05, 0, 0.03, 0.05, 0.5, 1, 2, 0.25];
    expectClose(run(new SwishSign(), xs, undefined, xs.map(() => 1)).g,
      [-0.00363125, -0.194992, -0.0846216, 4.84616, 5, 4.94407, 4.84616, -0.0846216, -0.194992, -0.00363125, 2.26205]);
    expectClose(run(new SwishSign({ beta: 10 }), [0, -0.5, 0.5, -1, 1], undefined, [1, 1, 1, 1, 1]).g,
      [10, -0.389985, -0.389985, -0.0072625, -0.0072625]);
  });

  it('is finite (→ 0) far out', () => {
    const g = run(new SwishSign(), [-1000, 1000, 30], undefined, [1, 1, 1]).g;
    for (const v of g) {
      expect(Number.isFinite(v)).toBe(true);
      expect(Math.abs(v)).toBeLessThan(1e-30);
    }
  });
});

describe('magnitude_aware_sign', () => {
  it('the doc vector: per-column scale, clipped gradient times the scale', () => {
    const r = run(new MagnitudeAwareSign(), [0.5, -3, -1.5, 1], [2, 2], [1, 1, 1, 1]);
    expect(r.q).toEqual([1, -2, -1, 2]);
    expect(r.g).toEqual([1, 0, 0, 2]);
  });

  it('random conv kernel: one scale per output channel (last axis)', () => {
    const shape = [3, 3, 4, 5];
    const n = 3 * 3 * 4 * 5;
    const xs = randomValues(n - EDGES.length, 5);
    const r = run(new MagnitudeAwareSign(), xs, shape);
    const scale = [0, 1, 2, 3, 4].map((c) => {
      let s = 0;
      for (let i = c; i < n; i += 5) s += Math.abs(xs[i]);
      return s / (n / 5);
    });
    expectClose(r.q, xs.map((x, i) => sign(x) * scale[i % 5]));
    expectClose(r.g, xs.map((x, i) => (Math.abs(x) <= 1 ? r.dy[i] * scale[i % 5] : 0)));
  });
});

describe('ste_tern', () => {
  it('forward: +1 above Δ, −1 below −Δ, 0 inside, ±1 exactly at ±Δ; gradient dy·1[|x| <= 1]', () => {
    const d = Math.fround(0.05);
    const xs = randomValues(500, 6, [d, -d, Math.fround(0.049), -Math.fround(0.049)]);
    const r = run(new SteTern(), xs);
    expect(r.q).toEqual(xs.map((x) => (x >= d ? 1 : x <= -d ? -1 : 0)));
    expect(r.g).toEqual(xs.map((x, i) => (Math.abs(x) <= 1 ? r.dy[i] : 0)));
  });

  it('the doc vectors', () => {
    const xs = [-2, -1, -0.5, -0.05, 0, 0.03, 0.05, 0.5, 1, 2];
    const r = run(new SteTern(), xs, undefined, xs.map(() => 1));
    expect(r.q).toEqual([-1, -1, -1, -1, 0, 0, 1, 1, 1, 1]);
    expect(r.g).toEqual([0, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
  });

  it('ternary weight networks: Δ = 0.7·mean|x| over the whole tensor', () => {
    const r = run(new SteTern({ ternaryWeightNetworks: true }), [0.1, -0.5, 0.9, -0.02], [2, 2]);
    expect(r.q).toEqual([0, -1, 1, 0]);
    const zero = run(new SteTern({ ternaryWeightNetworks: true }), [0, 0, 0], [3]);
    expect(zero.q).toEqual([0, 0, 0]);
  });

  it('threshold and clip options', () => {
    const r = run(new SteTern({ thresholdValue: 0.5, clipValue: null }), [-3, -0.5, -0.2, 0.2, 0.5, 3], undefined, [1, 1, 1, 1, 1, 1]);
    expect(r.q).toEqual([-1, -1, 0, 0, 1, 1]);
    expect(r.g).toEqual([1, 1, 1, 1, 1, 1]);
  });
});

describe('ste_heaviside', () => {
  it('forward 1 for x > 0 else 0 (q(0) = 0); symmetric clipped gradient', () => {
    const xs = randomValues(500, 7);
    const r = run(new SteHeaviside(), xs);
    expect(r.q).toEqual(xs.map((x) => (x > 0 ? 1 : 0)));
    expect(r.g).toEqual(xs.map((x, i) => (Math.abs(x) <= 1 ? r.dy[i] : 0)));
    const v = run(new SteHeaviside(), [-2, -1, -0.5, 0, 0.03, 1, 2], undefined, [1, 1, 1, 1, 1, 1, 1]);
    expect(v.q).toEqual([0, 0, 0, 0, 1, 1, 1]);
    expect(v.g).toEqual([0, 1, 1, 1, 1, 1, 0]);
  });
});

describe('DoReFa', () => {
  it('activations: the doc table for k = 1..4 (half-even ties) and the [0, 1] gradient', () => {
    const xs = [-0.5, 0, 0.13, 0.25, 0.5, 0.8, 1, 1.5];
    const expected: Record<number, number[]> = {
      1: [0, 0, 0, 0, 0, 1, 1, 1],
      2: [0, 0, 0, 1 / 3, 2 / 3, 2 / 3, 1, 1],
      3: [0, 0, 1 / 7, 2 / 7, 4 / 7, 6 / 7, 1, 1],
      4: [0, 0, 2 / 15, 4 / 15, 8 / 15, 12 / 15, 1, 1],
    };
    for (const k of [1, 2, 3, 4]) {
      const r = run(new DoReFa({ kBit: k }), xs, undefined, xs.map(() => 1));
      expectClose(r.q, expected[k]);
      expect(r.g).toEqual([0, 1, 1, 1, 1, 1, 1, 0]);
    }
  });

  it('activations on random inputs: round-half-even(clip(x)·n)/n', () => {
    for (const k of [1, 2, 4, 8]) {
      const n = 2 ** k - 1;
      const xs = randomValues(400, 8 + k);
      const r = run(new DoReFa({ kBit: k, mode: 'activations' }), xs);
      expectClose(r.q, xs.map((x) => roundHalfEven(Math.fround(Math.min(Math.max(x, 0), 1) * n)) / n));
      expect(r.g).toEqual(xs.map((x, i) => (x >= 0 && x <= 1 ? r.dy[i] : 0)));
    }
  });

  it('weights: the doc vector w = [0, 0.5, −1, 2]', () => {
    const w = [0, 0.5, -1, 2];
    const one = w.map(() => 1);
    expect(run(new DoReFa({ kBit: 1, mode: 'weights' }), w, undefined, one).q).toEqual([-1, 1, -1, 1]);
    expectClose(run(new DoReFa({ kBit: 2, mode: 'weights' }), w, undefined, one).q, [1 / 3, 1 / 3, -1, 1]);
    const r4 = run(new DoReFa({ kBit: 4, mode: 'weights' }), w, undefined, one);
    expectClose(r4.q, [1 / 15, 7 / 15, -11 / 15, 1]);
    expectClose(r4.g, [1.037315, 0.815794, 0.435646, 0.073287]);
  });

  it('weights on random inputs: 2·Q(tanh x/(2 max|tanh|) + 1/2) − 1, gradient (1 − tanh²)/max', () => {
    for (const k of [1, 2, 3, 4]) {
      const n = 2 ** k - 1;
      const xs = randomValues(300, 20 + k);
      const D = Math.max(...xs.map((x) => Math.abs(Math.tanh(x))));
      const r = run(new DoReFa({ kBit: k, mode: 'weights' }), xs);
      const want = xs.map((x) => 2 * (roundHalfEven(Math.fround(Math.fround(Math.tanh(x) / (2 * D) + 0.5) * n)) / n) - 1);
      expectClose(r.q, want, 1e-5, 1e-6);
      expectClose(r.g, xs.map((x, i) => (r.dy[i] * (1 - Math.tanh(x) ** 2)) / D), 1e-5, 1e-7);
      // The largest |tanh| maps exactly to ±1.
      const iMax = xs.findIndex((x) => Math.abs(Math.tanh(x)) === D);
      expect(Math.abs(r.q[iMax])).toBe(1);
    }
  });

  it('weights on an all-zero tensor: q = 2·round(n/2)/n − 1, gradient 0', () => {
    for (const [k, q] of [[1, -1], [2, 1 / 3], [4, 1 / 15]] as const) {
      const r = run(new DoReFa({ kBit: k, mode: 'weights' }), [0, 0, 0]);
      expectClose(r.q, [q, q, q]);
      expect(r.g).toEqual([0, 0, 0]);
    }
  });

  it('precision is kBit; an invalid mode throws', () => {
    expect(new DoReFa({ kBit: 4 }).precision).toBe(4);
    expect(new DoReFa().precision).toBe(2);
    expect(() => new DoReFa({ mode: 'bias' as never })).toThrow(/Invalid DoReFa quantizer mode/);
  });
});

describe('WASM kernels: vector bodies and scalar tails agree', () => {
  it('ste_sign and DoReFa activations on every length 1..11 with the edge values in every lane', () => {
    const pool = [0, -0, 1, -1, 0.5, 1.5, -1.5, Math.fround(1 / 30), 0.2, 0.7, 1e-30];
    for (let n = 1; n <= 11; n++) {
      for (let shift = 0; shift < pool.length; shift++) {
        const xs = Array.from({ length: n }, (_, i) => pool[(i + shift) % pool.length]);
        const s = run(new SteSign(), xs);
        expect(s.q).toEqual(xs.map(sign));
        expect(s.g).toEqual(xs.map((x, i) => (Math.abs(x) <= 1 ? s.dy[i] : 0)));
        const d = run(new DoReFa({ kBit: 3 }), xs);
        expect(d.q).toEqual(xs.map((x) => Math.fround(roundHalfEven(Math.fround(Math.min(Math.max(x, 0), 1) * 7)) / 7)));
        expect(d.g).toEqual(xs.map((x, i) => (x >= 0 && x <= 1 ? d.dy[i] : 0)));
      }
    }
  });
});

describe('NoOp, custom quantizers and names', () => {
  it('NoOp is the identity with a precision tag', () => {
    const xs = randomValues(50, 30);
    const r = run(new NoOp({ precision: 1 }), xs);
    expect(r.q).toEqual(xs);
    expect(r.g).toEqual(r.dy);
    expect(new NoOp({ precision: 1 }).precision).toBe(1);
    expect(() => new NoOp({} as never)).toThrow(/precision/);
  });

  it('a custom quantizer uses its forward and gradient', () => {
    const q = customQuantizer({ name: 'round_ste', precision: 8, forward: (x) => Math.round(x * 4) / 4, gradient: (x) => (Math.abs(x) < 1 ? 0.5 : 0) });
    const xs = randomValues(100, 31);
    const r = run(q, xs);
    expectClose(r.q, xs.map((x) => Math.round(x * 4) / 4));
    expectClose(r.g, xs.map((x, i) => (Math.abs(x) < 1 ? 0.5 * r.dy[i] : 0)));
    expect(q.precision).toBe(8);
    expect(customQuantizer({ forward: (x) => x, gradient: () => 1 }).precision).toBe(32);
  });

  it('a user-defined Quantizer object and a registered name resolve', () => {
    const mine: Quantizer = { className: 'Mine', precision: 3, call: (x) => x, getConfig: () => ({}) };
    expect(getQuantizer(mine)).toBe(mine);
    registerQuantizer('my_test_quantizer', () => customQuantizer({ name: 'my_test_quantizer', precision: 2, forward: Math.sign, gradient: () => 1 }));
    expect(getQuantizer('my_test_quantizer')!.precision).toBe(2);
    expect(() => registerQuantizer('ste_sign', () => mine)).toThrow(/already/);
  });

  it("Larq's string names give default instances; unknown names throw", () => {
    const expected: [string, string, number][] = [
      ['ste_sign', 'SteSign', 1], ['approx_sign', 'ApproxSign', 1], ['swish_sign', 'SwishSign', 1],
      ['magnitude_aware_sign', 'MagnitudeAwareSign', 1], ['ste_tern', 'SteTern', 2],
      ['ste_heaviside', 'SteHeaviside', 1], ['dorefa_quantizer', 'DoReFa', 2],
      ['SteSign', 'SteSign', 1], ['DoReFa', 'DoReFa', 2], ['DoReFaQuantizer', 'DoReFa', 2],
    ];
    for (const [name, cls, p] of expected) {
      const q = getQuantizer(name)!;
      expect(q.className).toBe(cls);
      expect(q.precision).toBe(p);
    }
    expect((getQuantizer('ste_sign') as SteSign).clipValue).toBe(1);
    expect((getQuantizer('swish_sign') as SwishSign).beta).toBe(5);
    expect((getQuantizer('ste_tern') as SteTern).thresholdValue).toBe(0.05);
    expect((getQuantizer('dorefa_quantizer') as DoReFa).mode).toBe('activations');
    expect(getQuantizer('ste_sign')).not.toBe(getQuantizer('ste_sign'));
    expect(getQuantizer(null)).toBeNull();
    expect(() => getQuantizer('dorefa')).toThrow(/unknown quantizer "dorefa"/);
    expect(() => getQuantizer('NoOp')).toThrow(/precision/);
    expect(quantizerNames()).toContain('ste_heaviside');
  });
});

describe('weight_clip', () => {
  it('clips in place to [−c, c]', () => {
    for (const [c, want] of [[1, [-1, -1, 0.3, 1, 1]], [0.5, [-0.5, -0.5, 0.3, 0.5, 0.5]]] as const) {
      const t = Tensor.from([-1.5, -1, 0.3, 1, 2]);
      weightClip(c)(t);
      expectClose(Array.from(t.data), want.map(Math.fround), 0, 0);
      t.dispose();
    }
    const t = Tensor.from([-1.5, 0.2, 7]);
    getConstraint('weight_clip')!(t);
    expectClose(Array.from(t.data), [-1, 0.2, 1].map(Math.fround), 0, 0);
    t.dispose();
    expect(getConstraint('WeightClip')).not.toBeNull();
    expect(getConstraint(null)).toBeNull();
    expect(() => getConstraint('clip')).toThrow(/unknown constraint/);
  });
});

describe('FlipRatio', () => {
  it('the docstring example: (1,1), (2,2), (1,2) → 0, 1, 0.75', () => {
    const m = new FlipRatio();
    const results: number[] = [];
    for (const v of [[1, 1], [2, 2], [1, 2]]) {
      m.update(v);
      results.push(m.result());
    }
    expect(results).toEqual([0, 1, 0.75]);
  });

  it('kernel sign changes; reset keeps the previous values and skips the first update', () => {
    const m = new FlipRatio();
    m.update([1, -1, 1, -1]);
    m.update([1, 1, 1, -1]);
    m.update([-1, 1, 1, -1]);
    expect(m.result()).toBe(0.25);
    m.reset();
    m.update([-1, 1, -1, -1]);
    expect(m.result()).toBe(0);
    m.update([-1, 1, -1, 1]);
    expect(m.result()).toBe(0.25);
  });

  it('updateSigns on weights in linear memory (SIMD kernel) counts exactly what the JavaScript loop counts', () => {
    // Chunk lengths around the kernel's 16-wide steps; -0, NaN and exact zeros included.
    const lengths = [1, 15, 16, 17, 100, 4099];
    const rng = new Rng(12);
    const tensors = lengths.map((n) => Tensor.zeros([n]));
    const onHeap = new FlipRatio(), plain = new FlipRatio();
    try {
      for (let step = 0; step < 6; step++) {
        for (const t of tensors) {
          const d = t.data;
          for (let i = 0; i < d.length; i++) {
            const r = rng.uniform();
            if (step > 0 && r < 0.7) continue; // most weights keep their value
            d[i] = r < 0.75 ? -0 : r < 0.8 ? NaN : r < 0.85 ? 0 : rng.uniform() * 2 - 1;
          }
        }
        onHeap.updateSigns(tensors.map((t) => t.data));
        plain.updateSigns(tensors.map((t) => Array.from(t.data)));
        expect(onHeap.result()).toBe(plain.result());
      }
      expect(plain.result()).toBeGreaterThan(0);
      expect(plain.steps).toBe(5);
    } finally {
      onHeap.dispose();
      plain.dispose();
      for (const t of tensors) t.dispose();
    }
  });
});

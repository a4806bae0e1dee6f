// Output noise: injected noise has the requested mean and std (absolute and
// relative), is off when asked (bit-identical outputs), passes the gradient
// unchanged, and the NoisyLayer wrapper behaves like the unwrapped layer
// plus noise.
import { describe, it, expect } from 'vitest';
import { Tensor } from '../../src/tensor/tensor.js';
import { tidy } from '../../src/tensor/scope.js';
import { Rng } from '../../src/tensor/random.js';
import { noGrad } from '../../src/autograd/graph.js';
import { Sequential } from '../../src/nn/sequential.js';
import { QuantDense } from '../../src/nn/layers/quantDense.js';
import { Flatten } from '../../src/nn/layers/flatten.js';
import { GaussianNoise, addGaussianNoise, tensorStd } from '../../src/hardware/noise.js';
import { NoisyLayer, noisy } from '../../src/hardware/noisyLayer.js';
import { withPerturbations } from '../../src/hardware/perturbation.js';
import { Chip } from '../../src/hardware/chip.js';
import { fillGaussian, gaussian, addGaussian } from '../../src/hardware/gaussian.js';
import { normalCdf } from '../../src/hardware/stats.js';
import { gradCheck, randomTensor } from '../helpers/gradcheck.js';
import { smallBnn, smallMlp } from './fixtures.js';

function moments(a: ArrayLike<number>): { mean: number; std: number } {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  const mean = s / a.length;
  let ss = 0;
  for (let i = 0; i < a.length; i++) ss += (a[i] - mean) ** 2;
  return { mean, std: Math.sqrt(ss / a.length) };
}

describe('ziggurat normal draws', () => {
  it('match N(0, 1): moments, central and tail probabilities over 2M draws', () => {
    const n = 2_000_000;
    const z = fillGaussian(new Float32Array(n), new Rng(11));
    const m = moments(z);
    let k4 = 0;
    const count = [0, 0, 0, 0];
    const bounds = [0.5, 1, 2, 3.442619855899]; // the last is where the tail algorithm takes over
    for (const v of z) {
      k4 += v ** 4;
      for (let j = 0; j < 4; j++) if (Math.abs(v) > bounds[j]) count[j]++;
    }
    expect(Math.abs(m.mean)).toBeLessThan(4 / Math.sqrt(n));
    expect(Math.abs(m.std - 1)).toBeLessThan(4 / Math.sqrt(2 * n));
    expect(Math.abs(k4 / n - 3)).toBeLessThan(4 * Math.sqrt(96 / n));
    for (let j = 0; j < 4; j++) {
      const p = 2 * normalCdf(-bounds[j]);
      expect(Math.abs(count[j] / n - p)).toBeLessThan(4 * Math.sqrt(p * (1 - p) / n));
    }
  });
});

describe('noise kernels (WebAssembly) against their JavaScript definitions', () => {
  it('addGaussian draws bit for bit what src[i] + std·gaussian(rng) per element gives, slow path and tail included', () => {
    tidy(() => {
      const n = 300_000; // ~3600 slow-path draws, ~170 of them in the tail (iz = 0)
      const x = randomTensor([n], new Rng(4), -3, 3);
      const src = x.toArray();
      const ref = new Rng(21);
      const want = new Float32Array(n);
      for (let i = 0; i < n; i++) want[i] = src[i] + 0.37 * gaussian(ref);
      const rng = new Rng(21);
      const out = Tensor.zeros([n]);
      addGaussian(x.ptr, out.ptr, n, 0.37, rng);
      const got = out.toArray();
      let bad = -1;
      for (let i = 0; i < n && bad < 0; i++) if (!Object.is(got[i], want[i])) bad = i;
      expect(bad, `first differing element ${bad}`).toBe(-1);
      expect(rng.nextU32(), 'generator state afterwards').toBe(ref.nextU32());
      // in place
      const inPlace = new Rng(21);
      addGaussian(x.ptr, x.ptr, n, 0.37, inPlace);
      expect(x.toArray().every((v, i) => Object.is(v, want[i]))).toBe(true);
    });
  });

  it('tensorStd equals the float64 two-pass definition bit for bit', () => {
    tidy(() => {
      const rng = new Rng(8);
      for (const [n, lo, hi] of [[1, -1, 1], [7, 0, 1e-3], [4099, -5e4, 3e4], [250_000, -2, 9]] as const) {
        const x = randomTensor([n], rng, lo, hi);
        expect(Object.is(tensorStd(x), moments(x.toArray()).std), `n ${n}`).toBe(true);
      }
    });
  });
});

describe('GaussianNoise', () => {
  it('injects zero-mean noise of the requested std (200k draws)', () => {
    tidy(() => {
      const x = Tensor.zeros([200_000]);
      const y = addGaussianNoise(x, 0.3, new Rng(1)).toArray();
      const m = moments(y);
      // std error of the mean 0.3/sqrt(2e5) = 6.7e-4; of the std ~4.7e-4
      expect(Math.abs(m.mean)).toBeLessThan(3e-3);
      expect(Math.abs(m.std - 0.3)).toBeLessThan(3e-3);
    });
  });

  it('relative sigma scales with the std of each output tensor', () => {
    const m = smallMlp(3);
    const x = randomTensor([2000, 8, 8, 1], new Rng(2));
    const ctx = { training: true, rng: new Rng(4) };
    const clean = noGrad(() => m.call(x, ctx).toArray());
    const noisyOut = withPerturbations(m, [new GaussianNoise({ sigma: 0.5, relative: true, layers: [m.layers[3].name] })],
      () => noGrad(() => m.call(x, ctx).toArray()));
    const diff = noisyOut.map((v, i) => v - clean[i]);
    const expected = 0.5 * moments(clean).std;
    const got = moments(diff);
    // 6000 draws: 4 standard errors of the mean and of the std
    expect(Math.abs(got.mean)).toBeLessThan(4 * expected / Math.sqrt(6000));
    expect(Math.abs(got.std / expected - 1)).toBeLessThan(4 / Math.sqrt(2 * 6000));
    x.dispose();
    m.dispose();
  });

  it('off (sigma 0, or evaluation without evaluation: true, or detached) gives bit-identical outputs', () => {
    const m = smallBnn(1);
    const x = randomTensor([6, 12, 12, 2], new Rng(3));
    const run = (training: boolean) => noGrad(() => m.call(x, { training, rng: new Rng(9) }).toArray());
    const clean = run(false);
    expect(withPerturbations(m, [new GaussianNoise({ sigma: 0 })], () => run(false))).toEqual(clean);
    expect(withPerturbations(m, [new GaussianNoise({ sigma: 0, evaluation: true })], () => run(false))).toEqual(clean);
    expect(withPerturbations(m, [new GaussianNoise({ sigma: 0.5 })], () => run(false))).toEqual(clean);
    expect(withPerturbations(m, [new GaussianNoise({ sigma: 0.5, evaluation: true })], () => run(false))).not.toEqual(clean);
    expect(run(false)).toEqual(clean); // detached again
    for (const l of m.layers) expect(l.hooks.count('output')).toBe(0);
    x.dispose();
    m.dispose();
  });

  it('is on in training by default and draws from the chip streams when a chip is given', () => {
    const m = smallMlp(2);
    const x = randomTensor([4, 8, 8, 1], new Rng(5));
    const out = (ctx: Parameters<Sequential['call']>[1]) => noGrad(() => m.call(x, ctx).toArray());
    withPerturbations(m, [new GaussianNoise({ sigma: 0.2, evaluation: true })], () => {
      expect(out({ training: true, rng: new Rng(1) })).toEqual(out({ training: true, rng: new Rng(1) }));
      expect(out({ training: true, rng: new Rng(1) })).not.toEqual(out({ training: true, rng: new Rng(2) }));
      const c1 = new Chip(77);
      const first = out({ training: false, rng: new Rng(0), chip: c1 });
      expect(out({ training: false, rng: new Rng(0), chip: new Chip(77) })).toEqual(first);
      expect(out({ training: false, rng: new Rng(0), chip: new Chip(78) })).not.toEqual(first);
      // a chip's noise is temporal: the next forward pass draws new noise
      expect(out({ training: false, rng: new Rng(0), chip: c1 })).not.toEqual(first);
    });
    x.dispose();
    m.dispose();
  });

  it('passes the gradient unchanged (finite differences through a noisy layer with fixed draws)', () => {
    const x = randomTensor([3, 5], new Rng(6));
    gradCheck(([a]) => addGaussianNoise(a, 0.7, new Rng(3)), [x], { eps: 1e-2 });
    x.dispose();
  });

  it('rejects bad options and unknown layers', () => {
    const m = smallMlp(1);
    expect(() => new GaussianNoise({ sigma: -1 })).toThrow(/non-negative/);
    expect(() => new GaussianNoise({ sigma: 1, layers: ['nope'] }).attach(m)).toThrow(/no layer "nope"/);
    m.dispose();
  });
});

describe('NoisyLayer', () => {
  const bin = { inputQuantizer: 'ste_sign', kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip', useBias: false } as const;
  const build = (wrap: boolean) => new Sequential([
    new Flatten(),
    wrap ? noisy(new QuantDense({ units: 16, ...bin }), { sigma: 0.25 }) : new QuantDense({ units: 16, ...bin }),
    new QuantDense({ units: 3, ...bin }),
  ], { inputShape: [4, 4, 1], seed: 5 });

  it('shares the inner layer\'s weights and names, and equals the plain model plus noise', () => {
    const plain = build(false);
    const wrapped = build(true);
    expect(wrapped.layers[1]).toBeInstanceOf(NoisyLayer);
    expect(wrapped.variables.map((v) => v.name)).toEqual(plain.variables.map((v) => v.name));
    expect(wrapped.countParams()).toBe(plain.countParams());
    for (let i = 0; i < plain.variables.length; i++) expect(wrapped.variables[i].value.toArray()).toEqual(plain.variables[i].value.toArray());
    const x = randomTensor([5, 4, 4, 1], new Rng(1));
    const evalOut = (m: Sequential) => noGrad(() => m.call(x, { training: false, rng: new Rng(2) }).toArray());
    expect(evalOut(wrapped)).toEqual(evalOut(plain)); // evaluation: off by default
    // in training the wrapper's output is the inner output plus N(0, 0.25²) noise
    const inner = (wrapped.layers[1] as NoisyLayer).inner;
    const diffs: number[] = [];
    for (let s = 0; s < 50; s++) {
      tidy(() => noGrad(() => {
        const h = wrapped.layers[0].apply(x, { training: true, rng: new Rng(0) });
        const a = inner.apply(h, { training: true, rng: new Rng(0) }).toArray();
        const b = wrapped.layers[1].apply(h, { training: true, rng: new Rng(100 + s) }).toArray();
        for (let i = 0; i < a.length; i++) diffs.push(b[i] - a[i]);
      }));
    }
    const m = moments(diffs);
    expect(Math.abs(m.mean)).toBeLessThan(0.02);
    expect(Math.abs(m.std - 0.25)).toBeLessThan(0.015);
    x.dispose();
    plain.dispose();
    wrapped.dispose();
  });

  it('lets model-wide kernel perturbations reach the wrapped layer', async () => {
    const { BitFlips } = await import('../../src/hardware/bitflips.js');
    const wrapped = build(true);
    const inner = (wrapped.layers[1] as NoisyLayer).inner;
    const detach = new BitFlips({ rate: 0.1 }).attach(wrapped);
    expect(inner.hooks.count('kernel')).toBe(1);
    detach();
    expect(inner.hooks.count('kernel')).toBe(0);
    wrapped.dispose();
  });
});

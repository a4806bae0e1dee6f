// Process variation: the deviation of each model has the requested
// statistics, per-chip draws are fixed and per-forward draws are not, the
// digital form flips signs at Phi(-1/sigma), and gradients are exact.
import { describe, it, expect } from 'vitest';
import { Tensor } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/random.js';
import { noGrad, backward } from '../../src/autograd/graph.js';
import type { CallContext } from '../../src/nn/layer.js';
import { Dense } from '../../src/nn/layers/dense.js';
import { Sequential } from '../../src/nn/sequential.js';
import { ProcessVariation, signFlipProbability } from '../../src/hardware/variation.js';
import { Chip } from '../../src/hardware/chip.js';
import { normalCdf } from '../../src/hardware/stats.js';
import { gradCheck } from '../helpers/gradcheck.js';
import { smallMlp, smallBnn } from './fixtures.js';

/** A float Dense model whose kernel we set, to observe the varied kernel directly. */
function denseModel(kernel: Float32Array, K: number, N: number): Sequential {
  const m = new Sequential([new Dense({ units: N, useBias: false, name: 'fc' })], { inputShape: [K] });
  m.layers[0].variables[0].value.data.set(kernel);
  return m;
}

function variedKernel(m: Sequential, ctx: CallContext): Float32Array {
  const l = m.layers[0] as Dense;
  return noGrad(() => l.effectiveKernels(ctx)[0].toArray());
}

function moments(a: ArrayLike<number>): { mean: number; std: number } {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  const mean = s / a.length;
  let ss = 0;
  for (let i = 0; i < a.length; i++) ss += (a[i] - mean) ** 2;
  return { mean, std: Math.sqrt(ss / a.length) };
}

const K = 200;
const N = 250; // 50k weights

describe('ProcessVariation statistics', () => {
  const w = new Float32Array(K * N);
  new Rng(1).fillUniform(w, -0.5, 0.5);
  w[7] = -0.8; // max |w|
  const ctx: CallContext = { training: false, rng: new Rng(2), chip: new Chip(3) };

  it('additive: w + sigma·max|w|·eps', () => {
    const m = denseModel(w, K, N);
    const v = new ProcessVariation({ model: 'additive', sigma: 0.1, layers: 'all' });
    v.attach(m);
    const d = variedKernel(m, ctx).map((x, i) => (x - w[i]) / 0.8);
    const s = moments(d);
    expect(Math.abs(s.mean)).toBeLessThan(2e-3);
    expect(Math.abs(s.std - 0.1)).toBeLessThan(2e-3);
    m.dispose();
  });

  it('multiplicative: w·(1 + sigma·eps)', () => {
    const m = denseModel(w, K, N);
    new ProcessVariation({ model: 'multiplicative', sigma: 0.2, layers: 'all' }).attach(m);
    const r = variedKernel(m, ctx).map((x, i) => x / w[i] - 1);
    const s = moments(r);
    expect(Math.abs(s.mean)).toBeLessThan(4e-3);
    expect(Math.abs(s.std - 0.2)).toBeLessThan(4e-3);
    m.dispose();
  });

  it('lognormal: log(w\'/w) ~ N(0, sigma²) and no sign changes', () => {
    const m = denseModel(w, K, N);
    new ProcessVariation({ model: 'lognormal', sigma: 0.5, layers: 'all' }).attach(m);
    const v = variedKernel(m, ctx);
    const l = v.map((x, i) => Math.log(x / w[i]));
    const s = moments(l);
    expect(Math.abs(s.mean)).toBeLessThan(0.01);
    expect(Math.abs(s.std - 0.5)).toBeLessThan(0.01);
    expect(v.every((x, i) => Math.sign(x) === Math.sign(w[i]))).toBe(true);
    m.dispose();
  });

  it('per chip: fixed for a chip across forward passes; per forward: fresh each pass', () => {
    const m = denseModel(w, K, N);
    const d1 = new ProcessVariation({ model: 'additive', sigma: 0.1, layers: 'all' }).attach(m);
    const a = variedKernel(m, { training: false, rng: new Rng(1), chip: new Chip(3) });
    expect(variedKernel(m, { training: false, rng: new Rng(2), chip: new Chip(3) })).toEqual(a);
    expect(variedKernel(m, { training: true, rng: new Rng(2) })).toEqual(variedKernel(m, { training: true, rng: new Rng(5) })); // default chip
    expect(variedKernel(m, { training: false, rng: new Rng(2), chip: new Chip(4) })).not.toEqual(a);
    d1();
    new ProcessVariation({ model: 'additive', sigma: 0.1, layers: 'all', mode: 'per-forward' }).attach(m);
    const r = new Rng(8);
    const p1 = variedKernel(m, { training: true, rng: r });
    const p2 = variedKernel(m, { training: true, rng: r });
    expect(p2).not.toEqual(p1);
    m.dispose();
  });

  it('digital form: sign flips at Phi(-1/sigma) per binary weight', () => {
    expect(signFlipProbability('multiplicative', 0.5)).toBeCloseTo(normalCdf(-2), 12);
    expect(signFlipProbability('lognormal', 0.5)).toBe(0);
    // the analog multiplicative model really does flip that share of ±1 cells
    const ones = new Float32Array(K * N).fill(1);
    const m = denseModel(ones, K, N);
    new ProcessVariation({ model: 'multiplicative', sigma: 0.5, layers: 'all' }).attach(m);
    const analogFlips = variedKernel(m, ctx).filter((x) => x < 0).length / (K * N);
    const p = normalCdf(-2); // 0.02275
    const tol = 4 * Math.sqrt(p * (1 - p) / (K * N));
    expect(Math.abs(analogFlips - p)).toBeLessThan(tol);
    m.dispose();
    // the digital form on a binarized model
    const b = smallMlp(1);
    new ProcessVariation({ model: 'multiplicative', sigma: 0.5, layers: 'binary', binary: 'digital' }).attach(b);
    let flips = 0;
    let n = 0;
    for (let c = 0; c < 20; c++) {
      const l = b.layers[1] as Dense;
      noGrad(() => {
        const clean = l.quantizeKernel(l.kernelSlots()[0]).toArray();
        const d = l.effectiveKernels({ training: false, rng: new Rng(0), chip: Chip.nth(1, c) })[0].toArray();
        for (let i = 0; i < d.length; i++) if (d[i] !== clean[i]) flips++;
        n += d.length;
      });
    }
    expect(Math.abs(flips / n - p)).toBeLessThan(4 * Math.sqrt(p * (1 - p) / n));
    b.dispose();
  });

  it('rejects what does not exist', () => {
    expect(() => new ProcessVariation({ model: 'lognormal', sigma: 0.1, binary: 'digital' })).toThrow(/never changes a sign/);
    const f = denseModel(new Float32Array(K * N), K, N);
    expect(() => new ProcessVariation({ model: 'additive', sigma: 0.1, layers: 'all', binary: 'digital' }).attach(f)).toThrow(/binary kernels/);
    f.dispose();
  });

  it('default layers are the dense ones only; "all" reaches the convolutions too', () => {
    const m = smallBnn(1);
    const d = new ProcessVariation({ model: 'additive', sigma: 0.1 }).attach(m);
    expect(m.layers.filter((l) => l.hooks.count('kernel') > 0).map((l) => l.className)).toEqual(['quant_dense', 'dense']);
    d();
    new ProcessVariation({ model: 'additive', sigma: 0.1, layers: 'all' }).attach(m);
    expect(m.layers.filter((l) => l.hooks.count('kernel') > 0)).toHaveLength(5);
    m.dispose();
  });
});

describe('ProcessVariation gradients', () => {
  const apply = (l: Dense, k: Tensor) => l.hooks.list('kernel')[0].apply(k, { training: false, rng: new Rng(0), chip: new Chip(1) }, { layer: l, kernel: 'kernel' });

  for (const model of ['multiplicative', 'lognormal'] as const) {
    it(`${model}: exact gradient with eps fixed (finite differences)`, () => {
      const m = denseModel(new Float32Array(12).map((_, i) => (i - 5.5) / 6), 3, 4);
      new ProcessVariation({ model, sigma: 0.3, layers: 'all' }).attach(m);
      const l = m.layers[0] as Dense;
      const k = l.kernel!.value.clone();
      gradCheck(([w]) => apply(l, w), [k], { eps: 1e-3 });
      k.dispose();
      m.dispose();
    });
  }

  it('additive: the gradient is the identity (the deviation, scale max|w| included, is a constant)', () => {
    const m = denseModel(new Float32Array(12).map((_, i) => (i - 5.5) / 6), 3, 4);
    new ProcessVariation({ model: 'additive', sigma: 0.3, layers: 'all' }).attach(m);
    const l = m.layers[0] as Dense;
    const k = l.kernel!.value.clone();
    k.requiresGrad = true;
    const g = Tensor.from(Array.from({ length: 12 }, (_, i) => i * 0.25 - 1), [3, 4]);
    const y = apply(l, k);
    expect(y.toArray()).not.toEqual(k.toArray());
    backward(y, g);
    expect(k.grad!.toArray()).toEqual(g.toArray());
    for (const t of [k, g, y]) t.dispose();
    m.dispose();
  });
});

// Chips: seeded, serialisable, the same draws for every model with the same
// layer names (common random numbers); Monte-Carlo summary statistics.
import { describe, it, expect } from 'vitest';
import { Chip, hashKey, drawKey } from '../../src/hardware/chip.js';
import { chipStats, percentile, tQuantile, normalQuantile, normalCdf } from '../../src/hardware/stats.js';
import { ProcessVariation } from '../../src/hardware/variation.js';
import { BitFlips } from '../../src/hardware/bitflips.js';
import { withPerturbations } from '../../src/hardware/perturbation.js';
import { noGrad } from '../../src/autograd/graph.js';
import { Rng } from '../../src/tensor/random.js';
import type { Sequential } from '../../src/nn/sequential.js';
import type { Dense } from '../../src/nn/layers/dense.js';
import { smallMlp } from './fixtures.js';

/** The kernel the first QuantDense of `m` uses under `chip`. */
function effectiveKernel(m: Sequential, chip: Chip | undefined, layer = 1): Float32Array {
  const l = m.layers[layer] as Dense;
  return noGrad(() => l.effectiveKernels({ training: false, rng: new Rng(123), chip })[0].toArray());
}

describe('Chip', () => {
  it('is fully described by its seed and round-trips through JSON', () => {
    const c = Chip.nth(42, 3);
    const back = Chip.fromJSON(JSON.parse(JSON.stringify(c)));
    expect(back.seed).toBe(c.seed);
    expect(back.index).toBe(3);
    const a = c.rng('variation/dense/kernel');
    const b = back.rng('variation/dense/kernel');
    for (let i = 0; i < 100; i++) expect(a.nextU32()).toBe(b.nextU32());
    expect(() => Chip.fromJSON({ kind: 'xnorkit-chip', version: 2, seed: 1 })).toThrow(/version/);
    expect(() => Chip.fromJSON({ seed: 1 })).toThrow(/not a serialised chip/);
  });

  it('gives chip i the same seed whatever the population size, and different chips different seeds', () => {
    const small = Chip.population(7, 5).map((c) => c.seed);
    const big = Chip.population(7, 50).map((c) => c.seed);
    expect(big.slice(0, 5)).toEqual(small);
    expect(new Set(big).size).toBe(50);
    expect(Chip.population(8, 5).map((c) => c.seed)).not.toEqual(small);
  });

  it('keys draws by name, not by the order of requests', () => {
    const c = new Chip(9);
    const first = c.rng('a').nextU32();
    c.rng('b').nextU32();
    expect(c.rng('a').nextU32()).toBe(first);
    expect(hashKey(9, 'a')).not.toBe(hashKey(9, 'b'));
    expect(hashKey(9, 'a')).not.toBe(hashKey(10, 'a'));
    // streams continue across calls and rewind on reset
    const s1 = [c.stream('n').uniform(), c.stream('n').uniform()];
    c.reset();
    expect([c.stream('n').uniform(), c.stream('n').uniform()]).toEqual(s1);
    expect(s1[0]).not.toBe(s1[1]);
  });

  it('fixed-per-chip variation is reproducible from the seed and identical across two models with the same layer names', () => {
    const m1 = smallMlp(1);
    const m2 = smallMlp(2); // other weights, same layer names and shapes
    const chip = Chip.nth(5, 0);
    const v = () => new ProcessVariation({ model: 'additive', sigma: 0.3, layers: 'all' });
    const d1 = withPerturbations(m1, [v()], () => effectiveKernel(m1, chip));
    const d1again = withPerturbations(m1, [v()], () => effectiveKernel(Object.assign(m1), Chip.fromJSON(chip.toJSON())));
    const d2 = withPerturbations(m2, [v()], () => effectiveKernel(m2, chip));
    const clean1 = effectiveKernel(m1, chip);
    const clean2 = effectiveKernel(m2, chip);
    expect(d1again).toEqual(d1);
    // ±1 kernels: max|w| = 1, so the deviation itself is sigma·eps in both models, drawn identically
    const dev1 = d1.map((x, i) => x - clean1[i]);
    const dev2 = d2.map((x, i) => x - clean2[i]);
    // equal up to the float32 rounding of w + d around w = +1 or -1
    for (let i = 0; i < dev1.length; i++) expect(Math.abs(dev1[i] - dev2[i])).toBeLessThan(1e-6);
    expect(dev1.some((x) => x !== 0)).toBe(true);
    // another chip draws other deviations
    const other = withPerturbations(m1, [v()], () => effectiveKernel(m1, Chip.nth(5, 1)));
    expect(other).not.toEqual(d1);
    m1.dispose();
    m2.dispose();
  });

  it('per-chip bit flips hit the same weights in two models with the same layer names', () => {
    const m1 = smallMlp(1);
    const m2 = smallMlp(2);
    const chip = Chip.nth(11, 4);
    const f = () => new BitFlips({ rate: 0.1 });
    const flipped = (m: Sequential) => {
      const clean = effectiveKernel(m, chip);
      const w = withPerturbations(m, [f()], () => effectiveKernel(m, chip));
      return Array.from(w, (x, i) => (x !== clean[i] ? 1 : 0) as number);
    };
    const a = flipped(m1);
    expect(flipped(m2)).toEqual(a);
    expect(a.reduce((s, x) => s + x, 0)).toBeGreaterThan(0);
    m1.dispose();
    m2.dispose();
  });

  it('names draws (perturbation, layer, variable)', () => {
    expect(drawKey('variation', 'quant_dense', 'kernel')).toBe('variation/quant_dense/kernel');
  });
});

describe('chip statistics', () => {
  it('percentile interpolates like numpy', () => {
    expect(percentile([1, 2, 3, 4, 5], 5)).toBeCloseTo(1.2, 12);
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([7], 5)).toBe(7);
  });

  it('t and normal quantiles match the tables', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.05)).toBeCloseTo(-1.644854, 5);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    const table: [number, number][] = [[1, 12.7062], [2, 4.3027], [3, 3.1824], [4, 2.7764], [9, 2.2622], [19, 2.0930], [99, 1.9842]];
    for (const [nu, t] of table) expect(Math.abs(tQuantile(0.975, nu) - t)).toBeLessThan(1e-4);
    expect(tQuantile(0.025, 9)).toBeCloseTo(-2.2622, 4);
  });

  it('summarises accuracies: mean, sample std, p5, yield, t interval', () => {
    const acc = [0.9, 0.92, 0.94, 0.96, 0.98];
    const s = chipStats(acc, 0.93);
    expect(s.mean).toBeCloseTo(0.94, 12);
    expect(s.std).toBeCloseTo(Math.sqrt(0.004 / 4), 12);
    expect(s.yield).toBeCloseTo(0.6, 12);
    const half = 2.7764 * s.std / Math.sqrt(5);
    expect(s.ci95[0]).toBeCloseTo(0.94 - half, 4);
    expect(s.ci95[1]).toBeCloseTo(0.94 + half, 4);
    expect(s.p5).toBeCloseTo(0.904, 12);
    const one = chipStats([0.5], 0.9);
    expect(one.std).toBe(0);
    expect(one.ci95).toEqual([0.5, 0.5]);
  });
});

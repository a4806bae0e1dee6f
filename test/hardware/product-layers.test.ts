// Every product layer honours the hook points (issue 11): perturbations on a
// depthwise and a separable convolution change their outputs, `layers: 'all'`
// reaches them, and each detaches back to the clean model bit for bit.
import { describe, it, expect } from 'vitest';
import { Rng } from '../../src/tensor/random.js';
import { noGrad } from '../../src/autograd/graph.js';
import { Sequential } from '../../src/nn/sequential.js';
import { QuantDepthwiseConv2D } from '../../src/nn/layers/quantDepthwiseConv2D.js';
import { QuantSeparableConv2D } from '../../src/nn/layers/quantSeparableConv2D.js';
import { Flatten } from '../../src/nn/layers/flatten.js';
import { Dense } from '../../src/nn/layers/dense.js';
import { GaussianNoise } from '../../src/hardware/noise.js';
import { ProcessVariation } from '../../src/hardware/variation.js';
import { BitFlips } from '../../src/hardware/bitflips.js';
import { Saturation } from '../../src/hardware/saturation.js';
import { ADC } from '../../src/hardware/adc.js';
import { SaturatingMultiplier } from '../../src/hardware/multiplier.js';
import { selectLayers, withPerturbations, type Perturbation } from '../../src/hardware/perturbation.js';
import { Chip } from '../../src/hardware/chip.js';
import { randomTensor } from '../helpers/gradcheck.js';

const bin = { inputQuantizer: 'ste_sign', depthwiseQuantizer: 'ste_sign', depthwiseConstraint: 'weight_clip' } as const;

function model(): Sequential {
  return new Sequential([
    new QuantDepthwiseConv2D({ kernelSize: 3, padding: 'same', padValues: 1, depthMultiplier: 2, useBias: false, ...bin, name: 'dw' }),
    new QuantSeparableConv2D({
      filters: 5, kernelSize: 3, strides: 2, ...bin, pointwiseQuantizer: 'ste_sign', pointwiseConstraint: 'weight_clip', name: 'sep',
    }),
    new Flatten(),
    new Dense({ units: 3, name: 'out' }),
  ], { inputShape: [9, 9, 3], seed: 2 });
}

/** Outputs of layer `name` (its own output, through the model up to it) on chip 0. */
function layerOutput(m: Sequential, upTo: number): Float32Array {
  const x = randomTensor([2, 9, 9, 3], new Rng(5));
  const ctx = { training: false, rng: new Rng(0), chip: Chip.nth(1, 0) };
  const out = noGrad(() => {
    let y = x;
    for (let i = 0; i <= upTo; i++) y = m.layers[i].apply(y, ctx);
    return y.toArray();
  });
  x.dispose();
  return out;
}

describe('perturbations on depthwise and separable layers', () => {
  it("layers: 'all' and 'conv' select them; 'binary' too when every kernel is binary", () => {
    const m = model();
    expect(selectLayers(m, 'all', 't', true).map((l) => l.name)).toEqual(['dw', 'sep', 'out']);
    expect(selectLayers(m, 'conv', 't', true).map((l) => l.name)).toEqual(['dw', 'sep']);
    expect(selectLayers(m, 'binary', 't', true).map((l) => l.name)).toEqual(['dw', 'sep']);
    m.dispose();
  });

  const cases: [string, () => Perturbation][] = [
    ['output noise', () => new GaussianNoise({ sigma: 0.5, evaluation: true, layers: 'all' })],
    ['analog variation of every kernel', () => new ProcessVariation({ model: 'additive', sigma: 0.5, layers: 'all' })],
    ['digital variation (sign flips)', () => new ProcessVariation({ model: 'multiplicative', sigma: 0.8, layers: 'binary', binary: 'digital' })],
    ['bit flips', () => new BitFlips({ rate: 0.2 })],
    ['accumulator saturation', () => new Saturation({ bits: 2, layers: 'conv' })],
    ['ADC', () => new ADC({ bits: 2, range: 'fan-in', layers: 'conv' })],
  ];
  for (const [name, make] of cases) {
    it(`${name} changes both layers' outputs and detaches cleanly`, () => {
      const m = model();
      const clean = [layerOutput(m, 0), layerOutput(m, 1)];
      const perturbed = withPerturbations(m, [make()], () => [layerOutput(m, 0), layerOutput(m, 1)]);
      expect(perturbed[0]).not.toEqual(clean[0]);
      expect(perturbed[1]).not.toEqual(clean[1]);
      expect([layerOutput(m, 0), layerOutput(m, 1)]).toEqual(clean);
      for (const l of m.layers) expect(l.hooks.count()).toBe(0);
      m.dispose();
    });
  }

  it('per-chip variation draws differ between the two kernels of a separable layer', () => {
    const m = model();
    const sep = m.layers[1] as QuantSeparableConv2D;
    const ctx = { training: false, rng: new Rng(0), chip: Chip.nth(3, 1) };
    const [dwClean, pwClean] = noGrad(() => sep.kernelSlots().map((s) => sep.quantizeKernel(s).toArray()));
    const [dw, pw] = withPerturbations(m, [new BitFlips({ rate: 0.3 })], () => noGrad(() => sep.effectiveKernels(ctx).map((k) => k.toArray())));
    const changed = (a: Float32Array, b: Float32Array) => a.filter((v, i) => v !== b[i]).length;
    expect(changed(dw, dwClean)).toBeGreaterThan(0);
    expect(changed(pw, pwClean)).toBeGreaterThan(0);
    m.dispose();
  });

  it('a saturating multiplier works on a depthwise layer and refuses a separable one with a clear error', () => {
    const m = model();
    const clean = layerOutput(m, 0);
    const sat = withPerturbations(m, [new SaturatingMultiplier({ bits: 1, signed: false, layers: ['dw'] })], () => layerOutput(m, 0));
    // unsigned 1-bit register: every -1 product becomes 0
    expect(sat).not.toEqual(clean);
    expect(() => new SaturatingMultiplier({ bits: 8, layers: ['sep'] }).attach(m)).toThrow(/separable|chains 2 products/);
    expect(m.layers.every((l) => l.hooks.count() === 0)).toBe(true);
    m.dispose();
  });
});

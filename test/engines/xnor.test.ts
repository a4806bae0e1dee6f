// The XNOR engine equals the autograd engine exactly: errors applied to
// packed words, accumulator limits inside the kernel, weight changes added to
// shared clean dots, channel-sparse first layers; a zero rate is
// bit-identical to the clean model.
import { describe, it, expect } from 'vitest';
import { Tensor } from '../../src/tensor/tensor.js';
import { tidy } from '../../src/tensor/scope.js';
import { Rng } from '../../src/tensor/random.js';
import { noGrad, } from '../../src/autograd/graph.js';
import { packWeights } from '../../src/ops/binary/index.js';
import type { CallContext } from '../../src/nn/layer.js';
import type { Sequential } from '../../src/nn/sequential.js';
import { drawBitErrors, applyBitErrors, BIT_OK, } from '../../src/hardware/bitErrors.js';
import { BitFlips } from '../../src/hardware/bitflips.js';
import { Saturation } from '../../src/hardware/saturation.js';
import { ProcessVariation } from '../../src/hardware/variation.js';
import { GaussianNoise } from '../../src/hardware/noise.js';
import { attachAll, type Perturbation } from '../../src/hardware/perturbation.js';
import { Chip } from '../../src/hardware/chip.js';
import { xnorEngine, packedPathBlocker } from '../../src/engines/xnor/runner.js';
import { SharedBatch } from '../../src/engines/engine.js';
import { floatEngine } from '../../src/hardware/montecarlo.js';
import { randomTensor } from '../helpers/gradcheck.js';
import { smallBnn } from '../hardware/fixtures.js';
import { QuantDense } from '../../src/nn/layers/quantDense.js';
import { QuantConv2D } from '../../src/nn/layers/quantConv2D.js';
import { setXnorKernels } from '../../src/nn/layers/xnorPath.js';
import type { Layer } from '../../src/nn/layer.js';
import type { ProductLayer } from '../../src/nn/productLayer.js';
import { weightChanges, dotsWithChanges } from '../../src/engines/xnor/weightDeltas.js';

const bin = { inputQuantizer: 'ste_sign', kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip', useBias: false } as const;

/** Logits on one chip; the float engine runs with the layers' own XNOR kernels off, as a pure float reference. */
function logits(model: Sequential, engine: typeof floatEngine, x: Tensor, chip: Chip | undefined, shared?: SharedBatch): Float32Array {
  const ctx: CallContext = { training: false, rng: new Rng(0), chip };
  chip?.reset();
  const pureFloat = engine === floatEngine;
  if (pureFloat) setXnorKernels(false);
  const r = engine(model, ctx);
  try {
    return tidy(() => (shared ? r.runLayers!(x, ctx, 0, model.layers.length, shared) : r.run(x, ctx)).toArray());
  } finally {
    r.dispose();
    if (pureFloat) setXnorKernels(true);
  }
}

describe('weight changes added to shared clean dots', () => {
  it('equal the kernel on the perturbed weights (conv valid/same, pad 0/1, stride 2; dense)', () => {
    const rng = new Rng(12);
    const cases: [string, () => Layer][] = [
      ['conv same pad0', () => new QuantConv2D({ filters: 70, kernelSize: 3, padding: 'same', ...bin })],
      ['conv same pad1 stride2', () => new QuantConv2D({ filters: 9, kernelSize: 3, padding: 'same', padValues: 1, strides: 2, ...bin })],
      ['conv valid', () => new QuantConv2D({ filters: 5, kernelSize: 2, ...bin })],
      ['dense', () => new QuantDense({ units: 13, ...bin })],
    ];
    for (const [name, make] of cases) {
      const l = make() as ProductLayer & { kernel: NonNullable<QuantDense['kernel']> };
      const dense = l instanceof QuantDense;
      l.build(dense ? [130] : [7, 6, 66], new Rng(3));
      tidy(() => {
        const x = randomTensor(dense ? [4, 130] : [2, 7, 6, 66], rng);
        const signs = Tensor.from(l.kernel!.value.toArray().map((v) => (v < 0 ? -1 : 1)), l.kernel!.shape);
        const codes = drawBitErrors(rng, signs.size, { flip: 0.05, stuck0: 0.02, stuck1: 0.02 });
        const perturbed = noGrad(() => applyBitErrors(signs, codes));
        const changes = weightChanges(signs.toArray(), perturbed.toArray());
        expect(changes.length).toBeGreaterThan(0);
        const cleanW = packWeights(signs.ptr, signs.shape);
        const got = new Float32Array(dense ? 4 * 13 : l.outputShape!.reduce((a, b) => a * b, 2));
        const shared = new SharedBatch();
        shared.share(x);
        dotsWithChanges(l, x, cleanW, changes, got, shared);
        shared.release();
        // reference: the float op on binarized input and perturbed kernel
        l.kernel!.value.assign(perturbed);
        // the layer's own float forward (the XNOR kernels off: a true float reference)
        setXnorKernels(false);
        const ref = noGrad(() => l.call(x, { training: false, rng: new Rng(0) })).toArray();
        setXnorKernels(true);
        expect(Array.from(got)).toEqual(Array.from(ref));
        cleanW.dispose();
      });
      l.dispose();
      void name;
    }
  });
});

/** Output channels of the first layer whose weights this chip changes. */
function withChip(m: Sequential, ctx: CallContext): number {
  const l = m.layers[0] as ProductLayer;
  const [slot] = l.kernelSlots();
  const codes = l.hooks.list('kernel')[0].bitErrors!(ctx, { layer: l, kernel: slot.name }, slot.variable.size);
  const OC = slot.variable.shape[3];
  const ch = new Set<number>();
  codes.forEach((c, i) => { if (c !== BIT_OK) ch.add(i % OC); });
  return ch.size;
}

describe('float path == XNOR path', () => {
  const cases: [string, () => Perturbation[]][] = [
    ['none', () => []],
    ['bit flips', () => [new BitFlips({ rate: 0.05 })]],
    ['bit flips + stuck-at', () => [new BitFlips({ rate: 0.02, stuckAt0: 0.01, stuckAt1: 0.01 })]],
    ['accumulator saturate 4 bits', () => [new Saturation({ bits: 4 })]],
    ['accumulator wrap 7 bits + flips', () => [new BitFlips({ rate: 0.01 }), new Saturation({ bits: 7, mode: 'wrap' })]],
    ['digital variation + output noise', () => [new ProcessVariation({ model: 'additive', sigma: 0.4, layers: 'binary', binary: 'digital' }), new GaussianNoise({ sigma: 0.3, relative: true, evaluation: true })]],
  ];

  it('the small CNN has packed layers (2 XNOR convs incl. "same" and >64 channels, 1 XNOR dense)', () => {
    const m = smallBnn(1);
    expect(m.layers.map((l) => packedPathBlocker(l) === null)).toEqual([false, false, true, false, false, true, false, false, true, false, false]);
    m.dispose();
  });

  for (const [name, make] of cases) {
    it(`identical logits: ${name}`, () => {
      const m = smallBnn(7);
      // non-trivial BatchNorm statistics so that signs after BN are not all alike
      for (const v of m.variables) if (v.name.endsWith('moving_mean')) new Rng(3).fillUniform(v.value.data, -2, 2);
      const x = randomTensor([5, 12, 12, 2], new Rng(4));
      const clean = logits(m, floatEngine, x, undefined);
      const detach = attachAll(m, make());
      for (let c = 0; c < 3; c++) {
        const chip = Chip.nth(9, c);
        const f = logits(m, floatEngine, x, chip);
        const b = logits(m, xnorEngine, x, chip);
        expect(b).toEqual(f);
        if (name === 'none') expect(f).toEqual(clean);
        else expect(f).not.toEqual(clean);
      }
      detach();
      x.dispose();
      m.dispose();
    });
  }

  it('fused bit chains decide ties exactly as the float BatchNorm (moving means on integer dots)', () => {
    const m = smallBnn(9);
    const r = new Rng(21);
    for (const v of m.variables) {
      const d = v.value.data;
      if (v.name.endsWith('moving_mean')) for (let i = 0; i < d.length; i++) d[i] = 2 * Math.round(r.uniform() * 8 - 4);
      if (v.name.endsWith('moving_variance')) r.fillUniform(d, 0.3, 3);
      if (v.name.endsWith('gamma')) r.fillUniform(d, 0.2, 2);
      if (v.name.endsWith('beta')) for (let i = 0; i < d.length; i++) d[i] = r.uniform() < 0.5 ? 0 : r.uniform() - 0.5;
    }
    const x = randomTensor([6, 12, 12, 2], new Rng(22));
    const detach = attachAll(m, [new BitFlips({ rate: 0.02 })]);
    for (let c = 0; c < 4; c++) expect(logits(m, xnorEngine, x, Chip.nth(5, c))).toEqual(logits(m, floatEngine, x, Chip.nth(5, c)));
    detach();
    x.dispose();
    m.dispose();
  });

  it('a shared input through the channel-sparse first layer and the weight-delta packed layers gives the same logits', () => {
    const m = smallBnn(4);
    for (const v of m.variables) if (v.name.endsWith('moving_mean')) new Rng(5).fillUniform(v.value.data, -2, 2);
    const x = randomTensor([5, 12, 12, 2], new Rng(6));
    const detach = attachAll(m, [new BitFlips({ rate: 0.01 })]);
    let sparseChips = 0;
    for (let c = 0; c < 12; c++) {
      const chip = Chip.nth(3, c);
      const ctx: CallContext = { training: false, rng: new Rng(0), chip };
      const changed = withChip(m, ctx);
      if (changed > 0 && changed <= 4) sparseChips++;
      const f = logits(m, floatEngine, x, chip);
      const shared = new SharedBatch();
      shared.share(x);
      expect(logits(m, xnorEngine, x, chip, shared)).toEqual(f);
      shared.release();
    }
    expect(sparseChips).toBeGreaterThan(0);
    detach();
    x.dispose();
    m.dispose();
  });

  it('rate 0 is bit-identical to the unperturbed model, on both paths', () => {
    const m = smallBnn(3);
    const x = randomTensor([4, 12, 12, 2], new Rng(8));
    const clean = noGrad(() => m.predict(x, { logits: true }).toArray());
    const detach = attachAll(m, [new BitFlips({ rate: 0 }), new ProcessVariation({ model: 'multiplicative', sigma: 0, layers: 'all' }), new GaussianNoise({ sigma: 0, evaluation: true })]);
    for (const e of [floatEngine, xnorEngine]) expect(logits(m, e, x, Chip.nth(1, 0))).toEqual(clean);
    detach();
    x.dispose();
    m.dispose();
  });

  it('BitFlips only accepts binary kernels', () => {
    const m = smallBnn(1);
    expect(() => new BitFlips({ rate: 0.1, layers: 'all' }).attach(m)).toThrow(/32-bit kernel/);
    expect(() => new BitFlips({ rate: 0.6, stuckAt0: 0.6 })).toThrow(/exceed 1/);
    m.dispose();
  });
});

// The forward contract of product layers: call() is exactly the four named
// steps (quantizeInput, quantizeKernel, multiply = padInput + multiplyPadded,
// epilogue) with the hooks between them, for every product layer class.
import { describe, it, expect } from 'vitest';
import { Rng } from '../../src/tensor/random.js';
import { noGrad } from '../../src/autograd/graph.js';
import type { ProductLayer } from '../../src/nn/productLayer.js';
import { Dense } from '../../src/nn/layers/dense.js';
import { Conv2D } from '../../src/nn/layers/conv2d.js';
import { QuantDense } from '../../src/nn/layers/quantDense.js';
import { QuantConv2D } from '../../src/nn/layers/quantConv2D.js';
import { QuantDepthwiseConv2D } from '../../src/nn/layers/quantDepthwiseConv2D.js';
import { QuantSeparableConv2D } from '../../src/nn/layers/quantSeparableConv2D.js';
import { MaxPool2D } from '../../src/nn/layers/maxPool2D.js';
import { ConfigError } from '../../src/errors.js';
import { randomTensor } from '../helpers/gradcheck.js';

const sign = { inputQuantizer: 'ste_sign', kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip' } as const;
const cases: [string, () => ProductLayer, number[]][] = [
  ['Dense', () => new Dense({ units: 4, activation: 'relu' }), [7]],
  ['Conv2D same', () => new Conv2D({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }), [5, 6, 2]],
  ['QuantDense', () => new QuantDense({ units: 5, ...sign }), [9]],
  ['QuantConv2D pad 1 stride 2', () => new QuantConv2D({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', padValues: 1, ...sign }), [7, 7, 3]],
  ['QuantDepthwiseConv2D', () => new QuantDepthwiseConv2D({ kernelSize: 3, padding: 'same', padValues: 1, depthMultiplier: 2, inputQuantizer: 'ste_sign', depthwiseQuantizer: 'ste_sign', depthwiseConstraint: 'weight_clip' }), [6, 5, 3]],
  ['QuantSeparableConv2D', () => new QuantSeparableConv2D({ filters: 3, kernelSize: 2, inputQuantizer: 'ste_sign', depthwiseQuantizer: 'ste_sign', pointwiseQuantizer: 'ste_sign', depthwiseConstraint: 'weight_clip', pointwiseConstraint: 'weight_clip' }), [5, 5, 2]],
];

describe('product layer steps', () => {
  for (const [name, make, shape] of cases) {
    it(`${name}: call = epilogue(multiply(quantizeInput(x), quantized kernels))`, () => {
      const l = make();
      l.build(shape, new Rng(1));
      const x = randomTensor([2, ...shape], new Rng(2));
      const ctx = { training: false, rng: new Rng(0) };
      const viaCall = noGrad(() => l.call(x, ctx).toArray());
      const viaSteps = noGrad(() => {
        const kernels = l.kernelSlots().map((s) => l.quantizeKernel(s));
        return l.epilogue(l.multiply(l.quantizeInput(x), kernels)).toArray();
      });
      expect(viaSteps).toEqual(viaCall);
      expect(l.fanIn()).toBeGreaterThan(0);
      x.dispose();
      l.dispose();
    });
  }

  it('a product hook sees the quantized operands and may replace the product; hooks run in order', () => {
    const l = new QuantDense({ units: 3, ...sign, useBias: false });
    l.build([4], new Rng(3));
    const x = randomTensor([2, 4], new Rng(4));
    const ctx = { training: false, rng: new Rng(0) };
    const seen: number[][] = [];
    const order: string[] = [];
    l.hooks.attach('kernel', { name: 'k', apply: (w) => { order.push('kernel'); return w; } });
    l.hooks.attach('product', {
      name: 'p',
      product: (ops, _c, _s, plain) => {
        order.push('product');
        seen.push(Array.from(ops.input.data));
        return plain();
      },
    });
    l.hooks.attach('accumulator', { name: 'a', apply: (y) => { order.push('accumulator'); return y; } });
    l.hooks.attach('output', { name: 'o', apply: (y) => { order.push('output'); return y; } });
    noGrad(() => l.apply(x, ctx));
    expect(order).toEqual(['kernel', 'product', 'accumulator', 'output']);
    expect(seen[0].every((v) => v === 1 || v === -1)).toBe(true);
    expect(() => l.hooks.attach('product', { name: 'q', product: (_o, _c, _s, plain) => plain() })).toThrow(ConfigError);
    x.dispose();
    l.dispose();
  });

  it('layers without a product honour output hooks only, with a clear error otherwise', () => {
    const p = new MaxPool2D({ poolSize: 2, name: 'pool' });
    expect(() => p.hooks.attach('kernel', { name: 'k', apply: (w) => w })).toThrow(/layer "pool" has no kernel hook point/);
    const detach = p.hooks.attach('output', { name: 'o', apply: (y) => y });
    expect(p.hooks.count()).toBe(1);
    detach();
    expect(p.hooks.count()).toBe(0);
  });
});

// Quantized layers: the depthwise and padding ops against references and
// finite differences; QuantDense / QuantConv2D / QuantDepthwiseConv2D forward
// against the quantized product and backward against the STE formula (or
// finite differences through a smooth quantizer); padValues; precision tags,
// constraints and Larq's warning.
import { describe, it, expect, vi, afterEach } from 'vitest';
import { Tensor } from '../../src/tensor/tensor.js';
import { tidy } from '../../src/tensor/scope.js';
import { Rng } from '../../src/tensor/random.js';
import { backward } from '../../src/autograd/graph.js';
import { conv2d } from '../../src/ops/conv2d.js';
import { matmul } from '../../src/ops/matmul.js';
import { depthwiseConv2d } from '../../src/ops/depthwiseConv2d.js';
import { pad2d } from '../../src/ops/pad2d.js';
import { QuantDense } from '../../src/nn/layers/quantDense.js';
import { QuantConv2D } from '../../src/nn/layers/quantConv2D.js';
import { QuantDepthwiseConv2D } from '../../src/nn/layers/quantDepthwiseConv2D.js';
import { QuantSeparableConv2D } from '../../src/nn/layers/quantSeparableConv2D.js';
import type { Layer } from '../../src/nn/layer.js';
import { Adam } from '../../src/optim/adam.js';
import { customQuantizer, NoOp, DoReFa, SteTern } from '../../src/quantizers/index.js';
import { gradCheck, randomTensor } from '../helpers/gradcheck.js';

const rng = new Rng(99);
const made: Tensor[] = [];
const layers: Layer[] = [];
function rand(shape: number[], lo = -1, hi = 1): Tensor {
  const t = randomTensor(shape, rng, lo, hi);
  made.push(t);
  return t;
}
function built<T extends Layer>(layer: T, inputShape: number[]): T {
  layer.build(inputShape, new Rng(5));
  layers.push(layer);
  return layer;
}
afterEach(() => {
  for (const t of made) t.dispose();
  made.length = 0;
  for (const l of layers) l.dispose();
  layers.length = 0;
  vi.restoreAllMocks();
});
const ctx = { training: true, rng: new Rng(0) };
const smooth = () => customQuantizer({ name: 'tanh', forward: Math.tanh, gradient: (x) => 1 - Math.tanh(x) ** 2 });
const sign = (v: number) => (v >= 0 ? 1 : -1);

function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-4): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    if (Math.abs(a[i] - b[i]) > tol * (1 + Math.abs(b[i]))) expect.fail(`index ${i}: ${a[i]} vs ${b[i]}`);
  }
}

describe('depthwiseConv2d', () => {
  it('equals conv2d with the block-diagonal kernel (multiplier 2, same, stride 2)', () => {
    const [KH, KW, C, M] = [3, 2, 3, 2];
    const x = rand([2, 7, 6, C]);
    const w = rand([KH, KW, C, M]);
    const full = new Tensor([KH, KW, C, C * M], 'float32', true);
    made.push(full);
    for (let k = 0; k < KH * KW; k++) {
      for (let c = 0; c < C; c++) for (let m = 0; m < M; m++) full.data[(k * C + c) * C * M + c * M + m] = w.data[(k * C + c) * M + m];
    }
    for (const padding of ['valid', 'same'] as const) {
      tidy(() => {
        const a = depthwiseConv2d(x, w, { strides: 2, padding });
        const b = conv2d(x, full, { strides: 2, padding });
        expect(a.shape).toEqual(b.shape);
        expectClose(a.data, b.data);
      });
    }
  });

  it('gradients vs finite differences', () => {
    gradCheck(([x, w]) => depthwiseConv2d(x, w, { padding: 'same' }), [rand([2, 5, 4, 3]), rand([3, 3, 3, 2])]);
    gradCheck(([x, w]) => depthwiseConv2d(x, w, { strides: [2, 1], padding: 'valid' }), [rand([1, 6, 5, 2]), rand([2, 3, 2, 1])]);
  });
});

describe('pad2d', () => {
  it('pads with the constant and passes the interior gradient', () => {
    const x = Tensor.from([1, 2, 3, 4], [1, 2, 2, 1]);
    made.push(x);
    tidy(() => {
      const y = pad2d(x, { top: 1, bottom: 0, left: 0, right: 1 }, 7);
      expect(y.shape).toEqual([1, 3, 3, 1]);
      expect(Array.from(y.data)).toEqual([7, 7, 7, 1, 2, 7, 3, 4, 7]);
    });
    gradCheck(([a]) => pad2d(a, { top: 1, bottom: 2, left: 2, right: 0 }, 1), [rand([2, 3, 2, 3])]);
  });
});

describe('QuantDense', () => {
  it('forward = sign(x)·sign(W); backward is the STE of both quantizers', () => {
    const layer = built(new QuantDense({ units: 5, inputQuantizer: 'ste_sign', kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip' }), [7]);
    const W = layer.kernel!.value;
    // Latent weights and inputs on both sides of the ±1 window, including exactly ±1 and 0.
    rng.fillUniform(W.data, -1.5, 1.5);
    W.data[0] = 1; W.data[1] = -1; W.data[2] = 0;
    const x = rand([4, 7], -1.5, 1.5);
    x.data[0] = -1; x.data[1] = 0;
    x.requiresGrad = true;
    const g = rand([4, 5]);
    const { y, dx, dW } = tidy(() => {
      const out = layer.apply(x, ctx);
      const yv = out.toArray();
      backward(out, g);
      return { y: yv, dx: x.grad!.toArray(), dW: W.grad!.toArray() };
    });
    const qx = Array.from(x.data, sign);
    const qW = Array.from(W.data, sign);
    const ref = tidy(() => matmul(Tensor.from(qx, [4, 7]), Tensor.from(qW, [7, 5])).toArray());
    expect(Array.from(y)).toEqual(Array.from(ref));
    for (let i = 0; i < 4; i++) {
      for (let k = 0; k < 7; k++) {
        let s = 0;
        for (let j = 0; j < 5; j++) s += g.data[i * 5 + j] * qW[k * 5 + j];
        expect(dx[i * 7 + k]).toBeCloseTo(Math.abs(x.data[i * 7 + k]) <= 1 ? s : 0, 5);
      }
    }
    for (let k = 0; k < 7; k++) {
      for (let j = 0; j < 5; j++) {
        let s = 0;
        for (let i = 0; i < 4; i++) s += qx[i * 7 + k] * g.data[i * 5 + j];
        expect(dW[k * 5 + j]).toBeCloseTo(Math.abs(W.data[k * 5 + j]) <= 1 ? s : 0, 5);
      }
    }
    W.grad?.dispose();
    W.grad = null;
  });

  it('gradients through a smooth quantizer match finite differences', () => {
    const layer = built(new QuantDense({ units: 3, inputQuantizer: smooth(), kernelQuantizer: smooth() }), [4]);
    gradCheck(([x]) => layer.apply(x, ctx), [rand([2, 4]), layer.kernel!.value, layer.bias!.value]);
  });
});

describe('QuantConv2D', () => {
  it('forward = conv(sign x, sign W) and the STE backward (same, zero padding)', () => {
    const layer = built(new QuantConv2D({ filters: 3, kernelSize: 3, padding: 'same', inputQuantizer: 'ste_sign', kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip', useBias: false }), [5, 5, 2]);
    const W = layer.kernel!.value;
    rng.fillUniform(W.data, -1.3, 1.3);
    const x = rand([2, 5, 5, 2], -1.3, 1.3);
    x.requiresGrad = true;
    const g = rand([2, 5, 5, 3]);
    const got = tidy(() => {
      const out = layer.apply(x, ctx);
      const yv = out.toArray();
      backward(out, g);
      return { y: yv, dx: x.grad!.toArray(), dW: W.grad!.toArray() };
    });
    const want = tidy(() => {
      const qx = Tensor.from(Array.from(x.data, sign), x.shape);
      const qW = Tensor.from(Array.from(W.data, sign), W.shape);
      qx.requiresGrad = true;
      qW.requiresGrad = true;
      const out = conv2d(qx, qW, { padding: 'same' });
      const yv = out.toArray();
      backward(out, g);
      return {
        y: yv,
        dx: qx.grad!.toArray().map((v, i) => (Math.abs(x.data[i]) <= 1 ? v : 0)),
        dW: qW.grad!.toArray().map((v, i) => (Math.abs(W.data[i]) <= 1 ? v : 0)),
      };
    });
    expectClose(got.y, want.y, 1e-6);
    expectClose(got.dx, want.dx);
    expectClose(got.dW, want.dW);
    W.grad?.dispose();
    W.grad = null;
  });

  it('gradients through a smooth quantizer match finite differences, padValues 1, stride 2, bias', () => {
    const layer = built(new QuantConv2D({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', padValues: 1, inputQuantizer: smooth(), kernelQuantizer: smooth() }), [6, 5, 2]);
    gradCheck(([x]) => layer.apply(x, ctx), [rand([2, 6, 5, 2]), layer.kernel!.value, layer.bias!.value]);
  });

  it('padValues 1 pads the quantized input with +1; 0 with zeros; "valid" ignores it', () => {
    const make = (padValues: number, padding: 'same' | 'valid') => {
      const l = built(new QuantConv2D({ filters: 1, kernelSize: 3, padding, padValues, inputQuantizer: 'ste_sign', kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip', useBias: false }), [4, 4, 1]);
      l.kernel!.value.data.fill(0.5); // quantizes to +1
      return l;
    };
    const x = rand([1, 4, 4, 1], -1, -0.1); // quantizes to −1 everywhere
    const out = (l: QuantConv2D) => tidy(() => Array.from(l.apply(x, ctx).data));
    const zero = out(make(0, 'same'));
    const one = out(make(1, 'same'));
    // Corner: 4 inputs (−1) + 5 padded cells; edge: 6 inputs + 3 padded; interior: 9 inputs.
    expect([zero[0], zero[1], zero[5]]).toEqual([-4, -6, -9]);
    expect([one[0], one[1], one[5]]).toEqual([-4 + 5, -6 + 3, -9]);
    expect(out(make(1, 'valid'))).toEqual(out(make(0, 'valid')));
    expect(out(make(1, 'valid'))).toEqual([-9, -9, -9, -9]);
  });
});

describe('QuantDepthwiseConv2D and QuantSeparableConv2D', () => {
  it('depthwise: quantized forward equals the op on quantized values; finite differences through a smooth quantizer', () => {
    const layer = built(new QuantDepthwiseConv2D({ kernelSize: 3, depthMultiplier: 2, padding: 'same', inputQuantizer: 'ste_sign', depthwiseQuantizer: 'ste_sign', depthwiseConstraint: 'weight_clip' }), [5, 5, 3]);
    expect(layer.outputShape).toEqual([5, 5, 6]);
    const x = rand([2, 5, 5, 3]);
    const W = layer.depthwiseKernel!.value;
    tidy(() => {
      const got = layer.apply(x, ctx).toArray();
      const want = depthwiseConv2d(Tensor.from(Array.from(x.data, sign), x.shape), Tensor.from(Array.from(W.data, sign), W.shape), { padding: 'same' });
      expectClose(got, want.data, 1e-6);
    });
    const s = built(new QuantDepthwiseConv2D({ kernelSize: 2, strides: 2, padding: 'same', padValues: 1, inputQuantizer: smooth(), kernelQuantizer: smooth() }), [5, 4, 2]);
    gradCheck(([a]) => s.apply(a, ctx), [rand([2, 5, 4, 2]), s.depthwiseKernel!.value, s.bias!.value]);
  });

  it('separable: finite differences through smooth quantizers', () => {
    const s = built(new QuantSeparableConv2D({ filters: 3, kernelSize: 3, padding: 'same', padValues: 1, depthMultiplier: 2, inputQuantizer: smooth(), depthwiseQuantizer: smooth(), pointwiseQuantizer: smooth() }), [4, 4, 2]);
    gradCheck(([a]) => s.apply(a, ctx), [rand([2, 4, 4, 2]), s.depthwiseKernel!.value, s.pointwiseKernel!.value, s.bias!.value]);
  });
});

describe('precision, constraints and the starved-weights warning', () => {
  const TEXT = 'Using a binary weight quantizer without setting `kernel_constraint` may result in starved weights (where the gradient is always zero).';

  it('tags the latent kernel with the quantizer precision; the bias stays 32-bit', () => {
    const cases: [unknown, number][] = [['ste_sign', 1], ['approx_sign', 1], ['ste_tern', 2], [new DoReFa({ kBit: 4, mode: 'weights' }), 4], [new NoOp({ precision: 1 }), 1], [null, 32]];
    for (const [q, p] of cases) {
      const l = built(new QuantDense({ units: 2, kernelQuantizer: q as never, kernelConstraint: 'weight_clip' }), [3]);
      expect(l.kernel!.precision).toBe(p);
      expect(l.bias!.precision).toBe(32);
      expect(l.kernel!.constraint).not.toBeNull();
    }
  });

  it('warns once per layer for a binary kernel without a constraint, like Larq', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    new QuantConv2D({ filters: 1, kernelSize: 1, kernelQuantizer: 'ste_sign' });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(TEXT);
    new QuantDense({ units: 1, kernelQuantizer: 'swish_sign' });
    new QuantDense({ units: 1, kernelQuantizer: new DoReFa({ kBit: 1, mode: 'weights' }) });
    expect(warn).toHaveBeenCalledTimes(3);
    new QuantDense({ units: 1, kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip' });
    new QuantDense({ units: 1, kernelQuantizer: new NoOp({ precision: 1 }) });
    new QuantDense({ units: 1, kernelQuantizer: new SteTern() });
    new QuantDense({ units: 1, kernelQuantizer: 'dorefa_quantizer' });
    new QuantDense({ units: 1, inputQuantizer: 'ste_sign' });
    expect(warn).toHaveBeenCalledTimes(3);
    new QuantDepthwiseConv2D({ kernelSize: 3, depthwiseQuantizer: 'ste_sign' });
    expect(warn).toHaveBeenLastCalledWith(TEXT.replace('kernel_constraint', 'depthwise_constraint'));
    new QuantSeparableConv2D({ filters: 1, kernelSize: 1, pointwiseQuantizer: 'ste_sign' });
    expect(warn).toHaveBeenLastCalledWith('Using a binary `pointwise_quantizer` without setting `pointwise_constraint` may result in starved weights (where the gradient is always zero).');
  });

  it('the optimizer applies weight_clip to the latent kernel after each update', () => {
    const l = built(new QuantDense({ units: 2, inputQuantizer: 'ste_sign', kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip' }), [3]);
    l.kernel!.value.data.set([0.99, -0.99, 0.5, -0.5, 0.2, 0.98]);
    const opt = new Adam({ learningRate: 0.5 });
    const x = rand([4, 3]);
    for (let s = 0; s < 3; s++) {
      tidy(() => {
        const y = l.apply(x, ctx);
        backward(y, Tensor.full(y.shape, s % 2 ? 1 : -1));
        opt.step(l.variables);
      });
      for (const v of l.kernel!.value.data) expect(Math.abs(v)).toBeLessThanOrEqual(1);
    }
    expect(Array.from(l.kernel!.value.data).some((v) => Math.abs(v) === 1)).toBe(true);
    opt.dispose();
  });

  it('kernel aliases of the depthwise layer; giving both spellings is an error', () => {
    const l = new QuantDepthwiseConv2D({ kernelSize: 3, kernelQuantizer: 'ste_tern', kernelConstraint: 'weight_clip' });
    expect(l.depthwiseQuantizer!.className).toBe('SteTern');
    expect(l.depthwiseConstraint).not.toBeNull();
    expect(() => new QuantDepthwiseConv2D({ kernelSize: 3, kernelQuantizer: 'ste_sign', depthwiseQuantizer: 'ste_sign' })).toThrow(/once/);
  });
});

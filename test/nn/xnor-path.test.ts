// Binarized layers run their forward product on the XNOR-popcount kernels;
// the result must equal the float-emulated computation exactly, in training
// (outputs, gradients, updated weights) and in evaluation.
import { describe, it, expect, afterEach } from 'vitest';
import { Tensor } from '../../src/tensor/tensor.js';
import { tidy } from '../../src/tensor/scope.js';
import { Rng } from '../../src/tensor/random.js';
import { backward } from '../../src/autograd/graph.js';
import { Sequential } from '../../src/nn/sequential.js';
import type { Model } from '../../src/nn/model.js';
import { QuantConv2D } from '../../src/nn/layers/quantConv2D.js';
import { QuantDense } from '../../src/nn/layers/quantDense.js';
import { BatchNormalization } from '../../src/nn/layers/batchNormalization.js';
import { Flatten } from '../../src/nn/layers/flatten.js';
import { MaxPool2D } from '../../src/nn/layers/maxPool2D.js';
import { createModel } from '../../src/nn/models/index.js';
import { setXnorKernels } from '../../src/nn/layers/xnorPath.js';
import { softmaxCrossEntropy } from '../../src/ops/softmaxCrossEntropy.js';
import { Adam } from '../../src/optim/adam.js';
import { loadMnist } from '../../src/data/index.js';

afterEach(() => setXnorKernels(true));

function batch(shape: number[], seed: number): Tensor {
  const t = new Tensor(shape);
  new Rng(seed).fillUniform(t.data, -1, 1);
  return t;
}

/** One training step; returns logits, input gradient and the weights after the update. */
function step(model: Model, x: Tensor, labels: number[]): { logits: Float32Array; dx: Float32Array; weights: Float32Array[] } {
  const opt = new Adam({ learningRate: 0.01 });
  const r = tidy(() => {
    x.requiresGrad = true;
    const logits = model.call(x, { training: true, rng: new Rng(0) });
    const loss = softmaxCrossEntropy(logits, labels);
    backward(loss);
    const dx = x.grad!.toArray();
    x.grad = null;
    const l = logits.toArray();
    opt.step(model.trainableVariables);
    return { logits: l, dx };
  });
  x.requiresGrad = false;
  opt.dispose();
  return { ...r, weights: model.variables.map((v) => v.value.toArray()) };
}

function twinModels(make: () => Model): [Model, Model] {
  return [make(), make()];
}

describe('XNOR path in quantized layers', () => {
  it('awkward convs (channels 3/65/130, stride 2, same with padValues 0 and 1, odd sizes) give identical training steps', () => {
    const make = () => new Sequential([
      new QuantConv2D({ filters: 65, kernelSize: 3, inputQuantizer: 'ste_sign', kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip', padding: 'same', useBias: false }),
      new BatchNormalization({ scale: false }),
      new QuantConv2D({ filters: 130, kernelSize: 3, strides: 2, inputQuantizer: 'ste_sign', kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip', padding: 'same', padValues: 1, useBias: false }),
      new MaxPool2D({ poolSize: 2 }),
      new QuantConv2D({ filters: 7, kernelSize: 2, inputQuantizer: 'approx_sign', kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip' }),
      new Flatten(),
      new QuantDense({ units: 5, inputQuantizer: 'ste_sign', kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip' }),
    ], { inputShape: [9, 11, 3], seed: 4 });
    const [a, b] = twinModels(make);
    for (const l of a.layers) if (l instanceof QuantConv2D || l instanceof QuantDense) expect(l.binaryOperands()).toBe(true);
    const x = batch([4, 9, 11, 3], 1);
    const labels = [0, 4, 2, 3];
    setXnorKernels(true);
    const xnor = step(a, x, labels);
    setXnorKernels(false);
    const flt = step(b, x, labels);
    expect(xnor.logits).toEqual(flt.logits);
    expect(xnor.dx).toEqual(flt.dx);
    xnor.weights.forEach((w, i) => expect(w).toEqual(flt.weights[i]));
    x.dispose(); a.dispose(); b.dispose();
  });

  it('larq-mnist: a training step and an evaluation on MNIST are identical with and without the kernels', () => {
    const data = loadMnist({ split: 'test', limit: 32 });
    const x = Tensor.from(data.images, [32, 28, 28, 1]);
    const labels = Array.from(data.labels);
    const [a, b] = twinModels(() => createModel('larq-mnist', { seed: 7 }));
    setXnorKernels(true);
    const xnor = step(a, x, labels);
    const evalX = a.predict(x).toArray();
    setXnorKernels(false);
    const flt = step(b, x, labels);
    const evalF = b.predict(x).toArray();
    expect(xnor.logits).toEqual(flt.logits);
    xnor.weights.forEach((w, i) => expect(w).toEqual(flt.weights[i]));
    expect(evalX).toEqual(evalF);
    x.dispose(); a.dispose(); b.dispose();
  });

  it('a kernel hook other than bit errors sends the layer back to the float path', () => {
    const l = new QuantDense({ units: 3, inputQuantizer: 'ste_sign', kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip' });
    l.build([5], new Rng(1));
    expect(l.binaryOperands()).toBe(true);
    const keepSigns = l.hooks.attach('kernel', { name: 'bit errors', apply: (w) => w, bitErrors: (_c, _s, n) => new Uint8Array(n) });
    expect(l.binaryOperands()).toBe(true);
    const detach = l.hooks.attach('kernel', { name: 'test', apply: (w) => w });
    expect(l.binaryOperands()).toBe(false);
    detach();
    keepSigns();
    expect(l.binaryOperands()).toBe(true);
    const m = new QuantDense({ units: 3, inputQuantizer: 'dorefa_quantizer', kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip' });
    m.build([5], new Rng(1));
    expect(m.binaryOperands()).toBe(false);
    l.dispose();
    m.dispose();
  });
});

// vgg8: a VGG-style net with 8 weight layers for 28x28 or 32x32 inputs —
// three blocks of two 3x3 "same" convs (32, 64, 128 filters; max-pool after
// each block) and two dense layers (256, classes) — in the BinaryNet pattern
// (conv → [pool] → BN; no biases; the first layer keeps a float input). It is
// BinaryNet scaled down 4x in width so that it trains on a CPU in minutes.
// Quantized "same" convs after a 1-bit input quantizer pad with +1 (Larq's
// pad_values=1, "same-one", which the XNOR kernels run natively); other
// schemes pad with 0, a level they can represent.
import { Sequential } from '../sequential.js';
import { Conv2D } from '../layers/conv2d.js';
import { Dense } from '../layers/dense.js';
import { QuantConv2D } from '../layers/quantConv2D.js';
import { QuantDense } from '../layers/quantDense.js';
import { MaxPool2D } from '../layers/maxPool2D.js';
import { BatchNormalization } from '../layers/batchNormalization.js';
import { Flatten } from '../layers/flatten.js';
import { Activation } from '../layers/activation.js';
import type { Layer } from '../layer.js';
import { quantScheme, type QuantOptions, type QuantScheme } from './quantScheme.js';
import { activationBefore } from './floatActivation.js';
import type { ModelOptions } from './larqMnist.js';

const FILTERS = [32, 32, 64, 64, 128, 128];
const HIDDEN = 256;

function build(opts: ModelOptions, q: QuantScheme | null, name: string): Sequential {
  const inputShape = opts.inputShape ?? [28, 28, 1];
  const numClasses = opts.numClasses ?? 10;
  const padValues = q && q.input().precision === 1 ? 1 : 0;
  const bn = () => new BatchNormalization({ scale: false, momentum: opts.batchNormMomentum });
  const conv = (filters: number, first: boolean): Layer => {
    const o = { filters, kernelSize: 3, padding: 'same' as const, useBias: false, kernelInitializer: opts.kernelInitializer };
    if (!q) return new Conv2D(o);
    return new QuantConv2D({
      ...o, kernelQuantizer: q.kernel(), kernelConstraint: 'weight_clip',
      ...(first ? {} : { inputQuantizer: q.input(), padValues }),
    });
  };
  const dense = (units: number): Layer => (q
    ? new QuantDense({ units, useBias: false, kernelInitializer: opts.kernelInitializer, inputQuantizer: q.input(), kernelQuantizer: q.kernel(), kernelConstraint: 'weight_clip' })
    : new Dense({ units, useBias: false, kernelInitializer: opts.kernelInitializer }));
  // Float twin: an activation where the quantized model binarizes the input.
  const act = (): Layer[] => (q ? [] : activationBefore(opts.floatActivation));
  const layers: Layer[] = [];
  FILTERS.forEach((f, i) => {
    if (i > 0) layers.push(...act());
    layers.push(conv(f, i === 0));
    if (i % 2 === 1) layers.push(new MaxPool2D({ poolSize: 2 }));
    layers.push(bn());
  });
  layers.push(new Flatten(), ...act(), dense(HIDDEN), bn(), ...act(), dense(numClasses), bn(), new Activation('softmax'));
  return new Sequential(layers, { inputShape, seed: opts.seed, name });
}

export function vgg8(opts: ModelOptions & QuantOptions = {}): Sequential {
  return build(opts, quantScheme(opts), 'vgg8');
}

export function vgg8Float(opts: ModelOptions = {}): Sequential {
  return build(opts, null, 'vgg8-float');
}

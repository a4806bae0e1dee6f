// Larq's "BinaryNet on CIFAR10" tutorial model (Courbariaux et al.'s VGG-like
// BinaryNet): six 3x3 convs (128-128-256-256-512-512, pools after the 2nd,
// 4th and 6th) and three dense layers (1024-1024-10), each followed by
// BatchNorm(momentum 0.999, no scale); no biases. The first conv binarizes
// only its kernel; every other layer quantizes inputs and kernels. "same"
// convs use zero padding (Larq's default pad_values = 0), as the tutorial.
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

function build(opts: ModelOptions, q: QuantScheme | null, name: string): Sequential {
  const inputShape = opts.inputShape ?? [32, 32, 3];
  const numClasses = opts.numClasses ?? 10;
  const bn = () => new BatchNormalization({ momentum: opts.batchNormMomentum ?? 0.999, scale: false });
  const pool = () => new MaxPool2D({ poolSize: 2, strides: 2 });
  const quant = (first = false) => (q
    ? { ...(first ? {} : { inputQuantizer: q.input() }), kernelQuantizer: q.kernel(), kernelConstraint: 'weight_clip' }
    : {});
  const conv = (filters: number, first = false): Layer => {
    const o = { filters, kernelSize: 3, padding: first ? 'valid' as const : 'same' as const, useBias: false };
    return q ? new QuantConv2D({ ...o, ...quant(first) }) : new Conv2D(o);
  };
  const dense = (units: number): Layer => (q ? new QuantDense({ units, useBias: false, ...quant() }) : new Dense({ units, useBias: false }));
  // Float twin: an activation where the quantized model binarizes the input.
  const act = (): Layer[] => (q ? [] : activationBefore(opts.floatActivation));
  return new Sequential([
    conv(128, true), bn(),
    ...act(), conv(128), pool(), bn(),
    ...act(), conv(256), bn(),
    ...act(), conv(256), pool(), bn(),
    ...act(), conv(512), bn(),
    ...act(), conv(512), pool(), bn(),
    new Flatten(),
    ...act(), dense(1024), bn(),
    ...act(), dense(1024), bn(),
    ...act(), dense(numClasses), bn(),
    new Activation('softmax'),
  ], { inputShape, seed: opts.seed, name });
}

export function binarynetCifar10(opts: ModelOptions & QuantOptions = {}): Sequential {
  return build(opts, quantScheme(opts), 'binarynet-cifar10');
}

export function binarynetCifar10Float(opts: ModelOptions = {}): Sequential {
  return build(opts, null, 'binarynet-cifar10-float');
}

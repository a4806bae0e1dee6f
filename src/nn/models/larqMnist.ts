// The CNN of Larq's "Introduction to BNNs with Larq" MNIST tutorial:
// Conv32 3x3 → MaxPool 2 → BN → Conv64 → MaxPool → BN → Conv64 → BN → Flatten
// → Dense64 → BN → Dense10 → BN → softmax; no biases, BatchNorm without scale.
// Quantized as in the tutorial: the first layer binarizes only its kernel
// (its input, the image, stays float); later layers quantize inputs and
// kernels; every quantized kernel has weight_clip. The float twin is the same
// skeleton without quantizers; where the binarized model's input quantizer
// is the only non-linearity, the twin applies a float activation (ReLU by
// default, see floatActivation.ts).
import type { InitializerLike } from '../initializers.js';
import { Sequential } from '../sequential.js';
import { Conv2D } from '../layers/conv2d.js';
import { Dense } from '../layers/dense.js';
import { QuantConv2D } from '../layers/quantConv2D.js';
import { QuantDense } from '../layers/quantDense.js';
import { MaxPool2D } from '../layers/maxPool2D.js';
import { BatchNormalization } from '../layers/batchNormalization.js';
import { Flatten } from '../layers/flatten.js';
import { Activation } from '../layers/activation.js';
import { quantScheme, type QuantOptions } from './quantScheme.js';
import { activationBefore, type FloatActivation } from './floatActivation.js';

export interface ModelOptions {
  inputShape?: [number, number, number];
  numClasses?: number;
  seed?: number;
  /** Float twins only: the activation standing where the quantized model binarizes a layer's input. */
  floatActivation?: FloatActivation;
  /** Momentum of every BatchNormalization's moving statistics (default: the model's own, Keras' 0.99 here). */
  batchNormMomentum?: number;
  /** Initializer of every conv/dense kernel, float or latent (default glorot_uniform). */
  kernelInitializer?: InitializerLike;
}

export function larqMnistFloat(opts: ModelOptions = {}): Sequential {
  const inputShape = opts.inputShape ?? [28, 28, 1];
  const numClasses = opts.numClasses ?? 10;
  const bn = () => new BatchNormalization({ scale: false, momentum: opts.batchNormMomentum });
  const act = () => activationBefore(opts.floatActivation);
  return new Sequential([
    new Conv2D({ filters: 32, kernelSize: 3, useBias: false, kernelInitializer: opts.kernelInitializer }),
    new MaxPool2D({ poolSize: 2 }),
    bn(),
    ...act(),
    new Conv2D({ filters: 64, kernelSize: 3, useBias: false, kernelInitializer: opts.kernelInitializer }),
    new MaxPool2D({ poolSize: 2 }),
    bn(),
    ...act(),
    new Conv2D({ filters: 64, kernelSize: 3, useBias: false, kernelInitializer: opts.kernelInitializer }),
    bn(),
    new Flatten(),
    ...act(),
    new Dense({ units: 64, useBias: false, kernelInitializer: opts.kernelInitializer }),
    bn(),
    ...act(),
    new Dense({ units: numClasses, useBias: false, kernelInitializer: opts.kernelInitializer }),
    bn(),
    new Activation('softmax'),
  ], { inputShape, seed: opts.seed, name: 'larq-mnist-float' });
}

export function larqMnist(opts: ModelOptions & QuantOptions = {}): Sequential {
  const inputShape = opts.inputShape ?? [28, 28, 1];
  const numClasses = opts.numClasses ?? 10;
  const q = quantScheme(opts);
  const bn = () => new BatchNormalization({ scale: false, momentum: opts.batchNormMomentum });
  const kw = () => ({ inputQuantizer: q.input(), kernelQuantizer: q.kernel(), kernelConstraint: 'weight_clip', useBias: false, kernelInitializer: opts.kernelInitializer });
  return new Sequential([
    new QuantConv2D({ filters: 32, kernelSize: 3, kernelQuantizer: q.kernel(), kernelConstraint: 'weight_clip', useBias: false, kernelInitializer: opts.kernelInitializer }),
    new MaxPool2D({ poolSize: 2 }),
    bn(),
    new QuantConv2D({ filters: 64, kernelSize: 3, ...kw() }),
    new MaxPool2D({ poolSize: 2 }),
    bn(),
    new QuantConv2D({ filters: 64, kernelSize: 3, ...kw() }),
    bn(),
    new Flatten(),
    new QuantDense({ units: 64, ...kw() }),
    bn(),
    new QuantDense({ units: numClasses, ...kw() }),
    bn(),
    new Activation('softmax'),
  ], { inputShape, seed: opts.seed, name: 'larq-mnist' });
}

// The CNN of Larq's "Introduction to BNNs with Larq" MNIST tutorial:
// Conv32 3x3 → MaxPool 2 → BN → Conv64 → MaxPool → BN → Conv64 → BN → Flatten
// → Dense64 → BN → Dense10 → BN → softmax; no biases, BatchNorm without scale.
// This file builds the float twin (no quantizers); the quantized form adds
// quantizers to the same skeleton.
import { Sequential } from '../sequential.js';
import { Conv2D } from '../layers/conv2d.js';
import { Dense } from '../layers/dense.js';
import { MaxPool2D } from '../layers/maxPool2D.js';
import { BatchNormalization } from '../layers/batchNormalization.js';
import { Flatten } from '../layers/flatten.js';
import { Activation } from '../layers/activation.js';

export interface ModelOptions {
  inputShape?: [number, number, number];
  numClasses?: number;
  seed?: number;
}

export function larqMnistFloat(opts: ModelOptions = {}): Sequential {
  const inputShape = opts.inputShape ?? [28, 28, 1];
  const numClasses = opts.numClasses ?? 10;
  const bn = () => new BatchNormalization({ scale: false });
  return new Sequential([
    new Conv2D({ filters: 32, kernelSize: 3, useBias: false }),
    new MaxPool2D({ poolSize: 2 }),
    bn(),
    new Conv2D({ filters: 64, kernelSize: 3, useBias: false }),
    new MaxPool2D({ poolSize: 2 }),
    bn(),
    new Conv2D({ filters: 64, kernelSize: 3, useBias: false }),
    bn(),
    new Flatten(),
    new Dense({ units: 64, useBias: false }),
    bn(),
    new Dense({ units: numClasses, useBias: false }),
    bn(),
    new Activation('softmax'),
  ], { inputShape, seed: opts.seed, name: 'larq-mnist-float' });
}

// XNOR-Net (larq_zoo literature.XNORNet): AlexNet-like; float 11x11 stride-4
// stem, binary convs with ste_sign inputs and xnor_weight_scale kernels
// (sign scaled per filter), BN without scale, the classifier's first dense
// layer as a 6x6 conv and the second as a 1x1 conv, float Dense on top.
import { input, type SymbolicTensor } from '../../symbolic.js';
import { Model } from '../../model.js';
import { Conv2D } from '../../layers/conv2d.js';
import { Dense } from '../../layers/dense.js';
import { QuantConv2D } from '../../layers/quantConv2D.js';
import { BatchNormalization } from '../../layers/batchNormalization.js';
import { Activation } from '../../layers/activation.js';
import { MaxPool2D } from '../../layers/maxPool2D.js';
import { Flatten } from '../../layers/flatten.js';
import type { Padding } from '../../../ops/convGeometry.js';
import { zooShape, type ZooOptions } from './common.js';

export function xnorNet(opts: ZooOptions = {}): Model {
  const bn = (epsilon: number) => new BatchNormalization({ momentum: 0.9, scale: false, epsilon });
  const qconv = (filters: number, k: number, padding: Padding = 'same') => new QuantConv2D({
    filters, kernelSize: k, padding, kernelQuantizer: 'xnor_weight_scale', inputQuantizer: 'ste_sign', kernelConstraint: 'weight_clip', useBias: false,
  });
  const pool = () => new MaxPool2D({ poolSize: 3, strides: 2 });
  const img = input({ shape: zooShape(opts) });
  let x: SymbolicTensor = new Conv2D({ filters: 96, kernelSize: 11, strides: 4, padding: 'same', useBias: false }).apply(img);
  x = bn(1e-5).apply(x);
  x = new Activation('relu').apply(x);
  x = pool().apply(x);
  x = bn(1e-4).apply(x);
  x = qconv(256, 5).apply(x);
  x = pool().apply(x);
  x = bn(1e-4).apply(x);
  x = qconv(384, 3).apply(x);
  x = bn(1e-4).apply(x);
  x = qconv(384, 3).apply(x);
  x = bn(1e-4).apply(x);
  x = qconv(256, 3).apply(x);
  x = pool().apply(x);
  x = bn(1e-4).apply(x);
  x = qconv(4096, 6, 'valid').apply(x);
  x = bn(1e-4).apply(x);
  x = qconv(4096, 1, 'valid').apply(x);
  x = bn(1e-3).apply(x);
  x = new Activation('relu').apply(x);
  x = new Flatten().apply(x);
  x = new Dense({ units: opts.numClasses ?? 1000, useBias: false }).apply(x);
  x = new Activation('softmax').apply(x);
  return new Model({ inputs: img, outputs: x, name: 'xnornet', seed: opts.seed });
}

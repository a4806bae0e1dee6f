// Bi-Real Net 18 (larq_zoo literature.BiRealNet): a float 7x7 stem, then 16
// residual blocks, each one binary 3x3 conv (approx_sign inputs,
// magnitude_aware_sign kernels, weight_clip) + BN added to a shortcut; where
// the width doubles, the shortcut is 2x2 average pooling, a float 1x1 conv
// and BN, and the binary conv has stride 2. Global pool, float Dense.
import { input, type SymbolicTensor } from '../../symbolic.js';
import { Model } from '../../model.js';
import { Conv2D } from '../../layers/conv2d.js';
import { Dense } from '../../layers/dense.js';
import { QuantConv2D } from '../../layers/quantConv2D.js';
import { BatchNormalization } from '../../layers/batchNormalization.js';
import { Activation } from '../../layers/activation.js';
import { MaxPool2D } from '../../layers/maxPool2D.js';
import { AveragePooling2D } from '../../layers/averagePooling2D.js';
import { Add } from '../../layers/add.js';
import { globalPool, zooShape, type ZooOptions } from './common.js';

export interface BiRealNetOptions extends ZooOptions {
  filters?: number;
}

function residualBlock(x: SymbolicTensor, out: number): SymbolicTensor {
  const inFilters = x.shape[2];
  const bn = () => new BatchNormalization({ momentum: 0.8 });
  let shortcut = x;
  if (inFilters !== out) {
    shortcut = new AveragePooling2D({ poolSize: 2, strides: 2, padding: 'same' }).apply(shortcut);
    shortcut = new Conv2D({ filters: out, kernelSize: 1, kernelInitializer: 'glorot_normal', useBias: false }).apply(shortcut);
    shortcut = bn().apply(shortcut);
  }
  let y = new QuantConv2D({
    filters: out, kernelSize: 3, strides: out === inFilters ? 1 : 2, padding: 'same', inputQuantizer: 'approx_sign',
    kernelQuantizer: 'magnitude_aware_sign', kernelInitializer: 'glorot_normal', kernelConstraint: 'weight_clip', useBias: false,
  }).apply(x);
  y = bn().apply(y);
  return new Add().apply([y, shortcut]);
}

export function biRealNet(opts: BiRealNetOptions = {}): Model {
  const filters = opts.filters ?? 64;
  const img = input({ shape: zooShape(opts) });
  let x = new Conv2D({ filters, kernelSize: 7, strides: 2, kernelInitializer: 'glorot_normal', padding: 'same', useBias: false }).apply(img);
  x = new BatchNormalization({ momentum: 0.8 }).apply(x);
  x = new MaxPool2D({ poolSize: 3, strides: 2, padding: 'same' }).apply(x);
  x = residualBlock(x, filters);
  for (let i = 0; i < 3; i++) x = residualBlock(x, x.shape[2]);
  for (let s = 0; s < 3; s++) {
    x = residualBlock(x, 2 * x.shape[2]);
    for (let i = 0; i < 3; i++) x = residualBlock(x, x.shape[2]);
  }
  x = globalPool(x);
  x = new Dense({ units: opts.numClasses ?? 1000 }).apply(x);
  x = new Activation('softmax').apply(x);
  return new Model({ inputs: img, outputs: x, name: 'birealnet18', seed: opts.seed });
}

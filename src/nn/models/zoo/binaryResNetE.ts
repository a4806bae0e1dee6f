// Binary ResNet-E 18 (larq_zoo literature.BinaryResNetE18, "Back to
// Simplicity"): a float stem (7x7 stride 2 + BN + ReLU + max-pool + BN on
// ImageNet-sized inputs, one 3x3 conv below 50 pixels), then for each of 4
// stages 2x2 residual blocks of one binary 3x3 conv (ste_sign 1.25, weight
// clip 1.25) + BN; the first block of stages 2-4 has stride 2 and a shortcut
// of 2x2 average pooling, float 1x1 conv and BN. ReLU, global pool, Dense.
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
import { SteSign } from '../../../quantizers/steSign.js';
import { weightClip } from '../../../quantizers/constraints.js';
import { globalPool, zooShape, type ZooOptions } from './common.js';

const bn = () => new BatchNormalization({ momentum: 0.9, epsilon: 1e-5 });

function residualBlock(x: SymbolicTensor, filters: number, strides: number): SymbolicTensor {
  let residual = x;
  if (x.shape[2] !== filters) {
    residual = new AveragePooling2D({ poolSize: 2, strides: 2 }).apply(x);
    residual = new Conv2D({ filters, kernelSize: 1, useBias: false, kernelInitializer: 'glorot_normal' }).apply(residual);
    residual = bn().apply(residual);
  }
  let y = new QuantConv2D({
    filters, kernelSize: 3, strides, padding: 'same', inputQuantizer: new SteSign({ clipValue: 1.25 }), kernelQuantizer: new SteSign({ clipValue: 1.25 }),
    kernelConstraint: weightClip(1.25), kernelInitializer: 'glorot_normal', useBias: false,
  }).apply(x);
  y = bn().apply(y);
  return new Add().apply([y, residual]);
}

export function binaryResNetE18(opts: ZooOptions = {}): Model {
  const shape = zooShape(opts);
  const img = input({ shape });
  let x: SymbolicTensor;
  if (shape[0] < 50) {
    x = new Conv2D({ filters: 64, kernelSize: 3, padding: 'same', kernelInitializer: 'he_normal', useBias: false }).apply(img);
  } else {
    x = new Conv2D({ filters: 64, kernelSize: 7, strides: 2, padding: 'same', kernelInitializer: 'he_normal', useBias: false }).apply(img);
    x = bn().apply(x);
    x = new Activation('relu').apply(x);
    x = new MaxPool2D({ poolSize: 3, strides: 2, padding: 'same' }).apply(x);
    x = bn().apply(x);
  }
  [64, 128, 256, 512].forEach((filters, stage) => {
    for (let i = 0; i < 4; i++) x = residualBlock(x, filters, stage === 0 || i !== 0 ? 1 : 2);
  });
  x = new Activation('relu').apply(x);
  x = globalPool(x);
  x = new Dense({ units: opts.numClasses ?? 1000, kernelInitializer: 'glorot_normal' }).apply(x);
  x = new Activation('softmax').apply(x);
  return new Model({ inputs: img, outputs: x, name: 'binary_resnet_e_18', seed: opts.seed });
}

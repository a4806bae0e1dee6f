// BinaryDenseNet 28 (larq_zoo literature.BinaryDenseNet28): a float stem,
// then 4 dense blocks (6, 6, 6, 5) of BN + binary 3x3 conv (ste_sign 1.3,
// weight clip 1.3, growth 64) concatenated onto the block's input; between
// blocks BN, 2x2 max-pool, ReLU and a float 1x1 conv to
// round(C // reduction / 32) * 32 channels (reductions 2.7, 2.7, 2.2).
import { input, type SymbolicTensor } from '../../symbolic.js';
import { Model } from '../../model.js';
import { Conv2D } from '../../layers/conv2d.js';
import { Dense } from '../../layers/dense.js';
import { QuantConv2D } from '../../layers/quantConv2D.js';
import { BatchNormalization } from '../../layers/batchNormalization.js';
import { Activation } from '../../layers/activation.js';
import { MaxPool2D } from '../../layers/maxPool2D.js';
import { Concatenate } from '../../layers/concatenate.js';
import { SteSign } from '../../../quantizers/steSign.js';
import { weightClip } from '../../../quantizers/constraints.js';
import { globalPool, pyRound, zooShape, type ZooOptions } from './common.js';

const bn = () => new BatchNormalization({ momentum: 0.9, epsilon: 1e-5 });

export function binaryDenseNet28(opts: ZooOptions = {}): Model {
  const layers = [6, 6, 6, 5];
  const reduction = [2.7, 2.7, 2.2];
  const growth = 64;
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
  }
  layers.forEach((n, block) => {
    for (let i = 0; i < n; i++) {
      let y = bn().apply(x);
      y = new QuantConv2D({
        filters: growth, kernelSize: 3, inputQuantizer: new SteSign({ clipValue: 1.3 }), kernelQuantizer: new SteSign({ clipValue: 1.3 }),
        kernelInitializer: 'glorot_normal', kernelConstraint: weightClip(1.3), padding: 'same', useBias: false,
      }).apply(y);
      x = new Concatenate().apply([x, y]);
    }
    if (block < layers.length - 1) {
      x = bn().apply(x);
      x = new MaxPool2D({ poolSize: 2, strides: 2 }).apply(x);
      x = new Activation('relu').apply(x);
      const width = pyRound(Math.floor(x.shape[2] / reduction[block]) / 32) * 32;
      x = new Conv2D({ filters: width, kernelSize: 1, kernelInitializer: 'he_normal', useBias: false }).apply(x);
    }
  });
  x = bn().apply(x);
  x = new Activation('relu').apply(x);
  x = globalPool(x);
  x = new Dense({ units: opts.numClasses ?? 1000, kernelInitializer: 'he_normal' }).apply(x);
  x = new Activation('softmax').apply(x);
  return new Model({ inputs: img, outputs: x, name: 'binary_densenet28', seed: opts.seed });
}

// Binary AlexNet (larq_zoo literature.BinaryAlexNet, BinaryNet's AlexNet):
// five binary convs (the first with a float input), max-pools after the
// 1st, 2nd and 5th, BN without scale after each; the classifier reshapes to
// 1x1 and runs three binary 1x1 convs (4096, 4096, classes) with BN.
import { input, type SymbolicTensor } from '../../symbolic.js';
import { Model } from '../../model.js';
import { QuantConv2D } from '../../layers/quantConv2D.js';
import { BatchNormalization } from '../../layers/batchNormalization.js';
import { Activation } from '../../layers/activation.js';
import { MaxPool2D } from '../../layers/maxPool2D.js';
import { Flatten } from '../../layers/flatten.js';
import { Reshape } from '../../layers/reshape.js';
import { zooShape, type ZooOptions } from './common.js';

export function binaryAlexNet(opts: ZooOptions = {}): Model {
  const bn = () => new BatchNormalization({ scale: false, momentum: 0.9 });
  const conv = (x: SymbolicTensor, filters: number, k: number, o: { strides?: number; pool?: boolean; first?: boolean } = {}) => {
    let y = new QuantConv2D({
      filters, kernelSize: k, strides: o.strides ?? 1, padding: 'same', inputQuantizer: o.first ? null : 'ste_sign',
      kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip', useBias: false,
    }).apply(x);
    if (o.pool) y = new MaxPool2D({ poolSize: 3, strides: 2 }).apply(y);
    return bn().apply(y);
  };
  const img = input({ shape: zooShape(opts) });
  let x = conv(img, 64, 11, { strides: 4, pool: true, first: true });
  x = conv(x, 192, 5, { pool: true });
  x = conv(x, 384, 3);
  x = conv(x, 384, 3);
  x = conv(x, 256, 3, { pool: true });
  x = new Reshape({ targetShape: [1, 1, x.shape.reduce((a, b) => a * b, 1)] }).apply(x);
  x = conv(x, 4096, 1);
  x = conv(x, 4096, 1);
  x = conv(x, opts.numClasses ?? 1000, 1);
  x = new Flatten().apply(x);
  x = new Activation('softmax').apply(x);
  return new Model({ inputs: img, outputs: x, name: 'binary_alexnet', seed: opts.seed });
}

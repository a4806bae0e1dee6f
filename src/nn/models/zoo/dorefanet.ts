// DoReFa-Net (larq_zoo literature.DoReFaNet): AlexNet-like with 2-bit DoReFa
// activations and binary kernels scaled per layer
// (magnitude_aware_sign_unclipped); float 12x12 stride-4 stem; two binary
// dense layers, then clip(x, 0, 1) and a float Dense.
import { input, type SymbolicTensor } from '../../symbolic.js';
import { Model } from '../../model.js';
import { Conv2D } from '../../layers/conv2d.js';
import { Dense } from '../../layers/dense.js';
import { QuantConv2D } from '../../layers/quantConv2D.js';
import { QuantDense } from '../../layers/quantDense.js';
import { BatchNormalization } from '../../layers/batchNormalization.js';
import { Activation } from '../../layers/activation.js';
import { MaxPool2D } from '../../layers/maxPool2D.js';
import { Flatten } from '../../layers/flatten.js';
import { DoReFa } from '../../../quantizers/dorefa.js';
import type { Padding } from '../../../ops/convGeometry.js';
import { zooShape, type ZooOptions } from './common.js';

export function doReFaNet(opts: ZooOptions = {}): Model {
  const bn = () => new BatchNormalization({ scale: false, momentum: 0.9, epsilon: 1e-4 });
  const q = () => ({ inputQuantizer: new DoReFa({ kBit: 2, mode: 'activations' }), kernelQuantizer: 'magnitude_aware_sign_unclipped' as const, useBias: false });
  const block = (x: SymbolicTensor, filters: number, k: number, pool: false | Padding) => {
    let y = bn().apply(new QuantConv2D({ filters, kernelSize: k, padding: 'same', ...q() }).apply(x));
    if (pool) y = new MaxPool2D({ poolSize: 3, strides: 2, padding: pool }).apply(y);
    return y;
  };
  const img = input({ shape: zooShape(opts) });
  let x = new Conv2D({ filters: 96, kernelSize: 12, strides: 4, padding: 'valid', useBias: true }).apply(img);
  x = block(x, 256, 5, 'same');
  x = block(x, 384, 3, 'same');
  x = block(x, 384, 3, false);
  x = block(x, 256, 3, 'valid');
  x = new Flatten().apply(x);
  for (let i = 0; i < 2; i++) x = bn().apply(new QuantDense({ units: 4096, ...q() }).apply(x));
  x = new Activation('clip_by_value_activation').apply(x);
  x = new Dense({ units: opts.numClasses ?? 1000, useBias: true }).apply(x);
  x = new Activation('softmax').apply(x);
  return new Model({ inputs: img, outputs: x, name: 'dorefanet', seed: opts.seed });
}

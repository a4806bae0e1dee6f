// birealnet-small: a Bi-Real-style residual BNN for 28x28 or 32x32 inputs
// that trains here in minutes. A float 3x3 stem (32 channels) and 2x2
// max-pool, then 4 residual blocks, each one binary 3x3 conv + BN added to a
// shortcut (identity, or 2x2 average pooling + float 1x1 conv + BN where the
// width doubles and the conv has stride 2): 32, 32, 64, 64 channels. Global
// average pooling and a float Dense. The binary convs use ste_sign inputs and
// kernels (with weight_clip), so training takes the XNOR kernels.
import { input, type SymbolicTensor } from '../../symbolic.js';
import { Model } from '../../model.js';
import { Conv2D } from '../../layers/conv2d.js';
import { Dense } from '../../layers/dense.js';
import { QuantConv2D } from '../../layers/quantConv2D.js';
import { BatchNormalization } from '../../layers/batchNormalization.js';
import { Activation } from '../../layers/activation.js';
import { MaxPool2D } from '../../layers/maxPool2D.js';
import { AveragePooling2D } from '../../layers/averagePooling2D.js';
import { GlobalAveragePooling2D } from '../../layers/globalAveragePooling2D.js';
import { Add } from '../../layers/add.js';
import type { ZooOptions } from './common.js';

function block(x: SymbolicTensor, out: number): SymbolicTensor {
  const inFilters = x.shape[2];
  let shortcut = x;
  if (inFilters !== out) {
    shortcut = new AveragePooling2D({ poolSize: 2, strides: 2, padding: 'same' }).apply(shortcut);
    shortcut = new Conv2D({ filters: out, kernelSize: 1, useBias: false }).apply(shortcut);
    shortcut = new BatchNormalization({ momentum: 0.9 }).apply(shortcut);
  }
  let y = new QuantConv2D({
    filters: out, kernelSize: 3, strides: inFilters === out ? 1 : 2, padding: 'same', inputQuantizer: 'ste_sign', kernelQuantizer: 'ste_sign',
    kernelConstraint: 'weight_clip', useBias: false,
  }).apply(x);
  y = new BatchNormalization({ momentum: 0.9 }).apply(y);
  return new Add().apply([y, shortcut]);
}

export function biRealNetSmall(opts: ZooOptions = {}): Model {
  const img = input({ shape: opts.inputShape ?? [28, 28, 1] });
  let x = new Conv2D({ filters: 32, kernelSize: 3, padding: 'same', useBias: false }).apply(img);
  x = new BatchNormalization({ momentum: 0.9 }).apply(x);
  x = new MaxPool2D({ poolSize: 2 }).apply(x);
  for (const f of [32, 32, 64, 64]) x = block(x, f);
  x = new GlobalAveragePooling2D().apply(x);
  x = new Dense({ units: opts.numClasses ?? 10 }).apply(x);
  x = new Activation('softmax').apply(x);
  return new Model({ inputs: img, outputs: x, name: 'birealnet-small', seed: opts.seed });
}

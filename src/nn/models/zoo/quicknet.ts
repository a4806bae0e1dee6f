// QuickNet (larq_zoo sota.QuickNet, LCE paper): a stem of a float 3x3 conv,
// a float depthwise 3x3 and a 1x1 conv; four sections of residual blocks
// (binary 3x3 conv with ReLU, pad value 1, BN, added to the block's input);
// between sections a transition (ReLU, 2x2 max-pool stride 1, frozen 3x3
// blur-pool depthwise conv stride 2, float 1x1 conv, BN); then ReLU, global
// pool and a float QuantDense. Sections (4, 4, 4, 4) x (64, 128, 256, 512).
import { input, type SymbolicTensor } from '../../symbolic.js';
import { Model } from '../../model.js';
import { QuantConv2D } from '../../layers/quantConv2D.js';
import { QuantDense } from '../../layers/quantDense.js';
import { QuantDepthwiseConv2D } from '../../layers/quantDepthwiseConv2D.js';
import { BatchNormalization } from '../../layers/batchNormalization.js';
import { Activation } from '../../layers/activation.js';
import { MaxPool2D } from '../../layers/maxPool2D.js';
import { Add } from '../../layers/add.js';
import { SteSign } from '../../../quantizers/steSign.js';
import { weightClip } from '../../../quantizers/constraints.js';
import type { Initializer } from '../../initializers.js';
import { globalPool, zooShape, type ZooOptions } from './common.js';

export interface QuickNetOptions extends ZooOptions {
  sectionBlocks?: number[];
  sectionFilters?: number[];
  name?: string;
}

/** larq_zoo's blurpool_initializer for a 3x3 depthwise kernel [3, 3, C, 1]: outer([1, 2, 1])^2 / 16 per channel. */
export const blurpool3: Initializer = (out, shape) => {
  const k = [1, 2, 1];
  const C = shape[2] * (shape[3] ?? 1);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let c = 0; c < C; c++) out[(i * 3 + j) * C + c] = (k[i] * k[j]) / 16;
};

export function quickNet(opts: QuickNetOptions = {}): Model {
  const blocks = opts.sectionBlocks ?? [4, 4, 4, 4];
  const filters = opts.sectionFilters ?? [64, 128, 256, 512];
  const bn = () => new BatchNormalization({ momentum: 0.9, epsilon: 1e-5 });
  const q = () => new SteSign({ clipValue: 1.25 });
  const img = input({ shape: zooShape(opts) });

  let x: SymbolicTensor = new QuantConv2D({ filters: filters[0] / 4, kernelSize: 3, kernelInitializer: 'he_normal', padding: 'same', strides: 2, useBias: false }).apply(img);
  x = new BatchNormalization().apply(x);
  x = new Activation('relu').apply(x);
  x = new QuantDepthwiseConv2D({ kernelSize: 3, padding: 'same', strides: 2, useBias: false }).apply(x);
  x = new BatchNormalization({ scale: false, center: false }).apply(x);
  x = new QuantConv2D({ filters: filters[0], kernelSize: 1, kernelInitializer: 'he_normal', useBias: false }).apply(x);
  x = new BatchNormalization().apply(x);

  blocks.forEach((n, s) => {
    for (let i = 0; i < n; i++) {
      if (filters[s] !== x.shape[2]) {
        x = new Activation('relu').apply(x);
        x = new MaxPool2D({ poolSize: 2, strides: 1 }).apply(x);
        const blur = new QuantDepthwiseConv2D({ kernelSize: 3, depthwiseInitializer: blurpool3, padding: 'same', strides: 2, useBias: false });
        blur.trainable = false;
        x = blur.apply(x);
        x = new QuantConv2D({ filters: filters[s], kernelSize: 1, kernelInitializer: 'glorot_normal', useBias: false }).apply(x);
        x = bn().apply(x);
      }
      const residual = x;
      let y = new QuantConv2D({
        filters: x.shape[2], kernelSize: 3, activation: 'relu', inputQuantizer: q(), kernelQuantizer: q(), kernelConstraint: weightClip(1.25),
        kernelInitializer: 'glorot_normal', padding: 'same', padValues: 1, useBias: false,
      }).apply(x);
      y = bn().apply(y);
      x = new Add().apply([y, residual]);
    }
  });
  x = new Activation('relu').apply(x);
  x = globalPool(x);
  x = new QuantDense({ units: opts.numClasses ?? 1000, kernelInitializer: 'glorot_normal' }).apply(x);
  x = new Activation('softmax').apply(x);
  return new Model({ inputs: img, outputs: x, name: opts.name ?? 'quicknet', seed: opts.seed });
}

// Type test (npm run typecheck): misspelt quantizer, activation, loss,
// metric and preset names fail to compile; the right names compile; a user's
// registered name compiles after its declaration merge. Not run, only checked.
import { QuantConv2D } from '../../src/nn/layers/quantConv2D.js';
import { QuantDense } from '../../src/nn/layers/quantDense.js';
import { Activation } from '../../src/nn/layers/activation.js';
import { createModel } from '../../src/nn/models/index.js';
import { compileModel } from '../../src/train/keras.js';
import type { QuantizerLike } from '../../src/quantizers/registry.js';
import type { ActivationName } from '../../src/ops/activations.js';

export function typedNames(): void {
  new QuantConv2D({ filters: 2, kernelSize: 3, inputQuantizer: 'ste_sign', kernelQuantizer: 'magnitude_aware_sign' });
  // @ts-expect-error misspelt quantizer
  new QuantConv2D({ filters: 2, kernelSize: 3, inputQuantizer: 'ste_sing' });
  // @ts-expect-error misspelt quantizer
  new QuantDense({ units: 2, kernelQuantizer: 'aprox_sign' });

  new Activation('softmax');
  new Activation('leaky_tanh');
  // @ts-expect-error misspelt activation
  new Activation('softmx');
  // @ts-expect-error misspelt activation in a layer option
  new QuantDense({ units: 2, activation: 'rellu' });

  createModel('birealnet18');
  createModel('quicknet', { inputShape: [32, 32, 3], numClasses: 10 });
  // @ts-expect-error misspelt preset
  createModel('birealnet-18');

  compileModel({ loss: 'binary_crossentropy', metrics: ['accuracy', 'top_k_categorical_accuracy'] });
  // @ts-expect-error misspelt loss
  compileModel({ loss: 'sparse_categorical_crossentropi' });
  // @ts-expect-error misspelt metric
  compileModel({ metrics: ['acuracy'] });
}

// A user's quantizer and activation join the unions by declaration merging.
declare module '../../src/quantizers/registry.js' {
  interface QuantizerRegistry { my_sign: true }
}
declare module '../../src/ops/activations.js' {
  interface ActivationRegistry { my_act: true }
}
export const custom: [QuantizerLike, ActivationName] = ['my_sign', 'my_act'];

// Small models and data for the hardware tests (not a test file itself).
import type { Tensor } from '../../src/tensor/tensor.js';
import type { CallContext } from '../../src/nn/layer.js';
import { Sequential } from '../../src/nn/sequential.js';
import { QuantConv2D } from '../../src/nn/layers/quantConv2D.js';
import { QuantDense } from '../../src/nn/layers/quantDense.js';
import { Dense } from '../../src/nn/layers/dense.js';
import { Flatten } from '../../src/nn/layers/flatten.js';
import { MaxPool2D } from '../../src/nn/layers/maxPool2D.js';
import { BatchNormalization } from '../../src/nn/layers/batchNormalization.js';
import { Rng } from '../../src/tensor/random.js';
import type { Dataset } from '../../src/data/dataset.js';

const bin = { inputQuantizer: 'ste_sign', kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip', useBias: false } as const;

/** A small binarized CNN on 12x12x2 inputs: float-input binary conv, two XNOR convs (one 'same'), XNOR dense, float dense. */
export function smallBnn(seed: number): Sequential {
  return new Sequential([
    new QuantConv2D({ filters: 8, kernelSize: 3, kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip', useBias: false }),
    new BatchNormalization(),
    new QuantConv2D({ filters: 70, kernelSize: 3, padding: 'same', ...bin }),
    new MaxPool2D({ poolSize: 2 }),
    new BatchNormalization(),
    new QuantConv2D({ filters: 16, kernelSize: 3, strides: 2, ...bin, useBias: true }),
    new BatchNormalization(),
    new Flatten(),
    new QuantDense({ units: 33, ...bin }),
    new BatchNormalization(),
    new Dense({ units: 4 }),
  ], { inputShape: [12, 12, 2], seed, name: 'small-bnn' });
}

/** A binarized MLP on 8x8x1 inputs. */
export function smallMlp(seed: number): Sequential {
  return new Sequential([
    new Flatten(),
    new QuantDense({ units: 40, ...bin }),
    new BatchNormalization(),
    new QuantDense({ units: 3, ...bin }),
  ], { inputShape: [8, 8, 1], seed, name: 'small-mlp' });
}

/** Random images with labels from a fixed random linear teacher, so accuracies vary with perturbations. */
export function syntheticData(n: number, shape: [number, number, number], classes: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const size = shape[0] * shape[1] * shape[2];
  const images = new Float32Array(n * size);
  rng.fillUniform(images, -1, 1);
  const teacher = new Float32Array(size * classes);
  rng.fillNormal(teacher);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestV = -Infinity;
    for (let c = 0; c < classes; c++) {
      let v = 0;
      for (let k = 0; k < size; k++) v += images[i * size + k] * teacher[k * classes + c];
      if (v > bestV) { bestV = v; best = c; }
    }
    labels[i] = best;
  }
  return { name: 'synthetic', count: n, height: shape[0], width: shape[1], channels: shape[2], numClasses: classes, images, labels };
}

/** Logits of a model on a batch, as a plain array. */
export function logitsOf(model: Sequential, x: Tensor, ctx: CallContext): Float32Array {
  return model.call(x, ctx).toArray();
}

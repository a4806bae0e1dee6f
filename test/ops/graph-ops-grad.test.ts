// Gradients of the ops behind the graph layers (issue 12) against finite differences.
import { describe, it } from 'vitest';
import { Rng } from '../../src/tensor/random.js';
import { gradCheck, randomTensor } from '../helpers/gradcheck.js';
import { avgPool2d, globalAvgPool2d } from '../../src/ops/avgPool2d.js';
import { concatLastAxis } from '../../src/ops/concat.js';
import { sigmoid, tanh, leakyRelu, leakyTanh, softmaxLastAxis, prelu } from '../../src/ops/pointwise.js';
import { crossEntropyOnProbabilities, binaryCrossEntropy, meanSquaredError } from '../../src/train/losses.js';

const rng = new Rng(3);
const rand = (shape: number[], lo = -1, hi = 1) => randomTensor(shape, rng, lo, hi);

describe('graph ops: gradients vs finite differences', () => {
  it('avgPool2d valid and same (odd sizes, strides)', () => {
    const x = rand([2, 5, 6, 3]);
    gradCheck(([a]) => avgPool2d(a, { poolSize: 2, strides: 2, padding: 'same' }), [x]);
    gradCheck(([a]) => avgPool2d(a, { poolSize: 3, strides: 1, padding: 'valid' }), [x]);
    gradCheck(([a]) => avgPool2d(a, { poolSize: [2, 3], strides: [1, 2], padding: 'same' }), [x]);
  });

  it('globalAvgPool2d', () => {
    gradCheck(([a]) => globalAvgPool2d(a), [rand([2, 3, 4, 5])]);
  });

  it('concat on the last axis', () => {
    gradCheck(([a, b, c]) => concatLastAxis([a, b, c]), [rand([2, 3, 3, 2]), rand([2, 3, 3, 5]), rand([2, 3, 3, 1])]);
  });

  it('sigmoid, tanh, leaky relu, leaky tanh, softmax', () => {
    const x = rand([4, 6], -3, 3);
    gradCheck(([a]) => sigmoid(a), [x]);
    gradCheck(([a]) => tanh(a), [x]);
    gradCheck(([a]) => leakyRelu(a, 0.2), [x], { eps: 1e-3 });
    gradCheck(([a]) => leakyTanh(a, 0.2), [x], { eps: 1e-3 });
    gradCheck(([a]) => softmaxLastAxis(a), [x]);
  });

  it('prelu (input and slopes)', () => {
    gradCheck(([a, s]) => prelu(a, s), [rand([2, 3, 3, 4], -2, 2), rand([4], 0, 0.5)], { eps: 1e-3 });
  });

  it('losses on probabilities: crossentropy, binary crossentropy, mse', () => {
    const labels = [1, 0, 2];
    gradCheck(([p]) => crossEntropyOnProbabilities(p, labels), [rand([3, 4], 0.1, 0.9)], { eps: 1e-3 });
    gradCheck(([p]) => binaryCrossEntropy(p, labels), [rand([3, 4], 0.1, 0.9)], { eps: 1e-3 });
    gradCheck(([p]) => meanSquaredError(p, labels), [rand([3, 4])]);
  });
});

// Every differentiable op's gradient against finite differences.
import { describe, it, afterEach, expect } from 'vitest';
import { Tensor } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/random.js';
import { matmul } from '../../src/ops/matmul.js';
import { add, sub, mul, scale } from '../../src/ops/arithmetic.js';
import { sum, mean } from '../../src/ops/reduce.js';
import { relu, hardTanh } from '../../src/ops/activations.js';
import { reshape, flatten } from '../../src/ops/reshape.js';
import { biasAdd } from '../../src/ops/biasAdd.js';
import { conv2d } from '../../src/ops/conv2d.js';
import { maxPool2d } from '../../src/ops/maxPool2d.js';
import { batchNorm } from '../../src/ops/batchNorm.js';
import { dropout } from '../../src/ops/dropout.js';
import { softmaxCrossEntropy } from '../../src/ops/softmaxCrossEntropy.js';
import { gradCheck, randomTensor } from '../helpers/gradcheck.js';
import { memoryStats } from '../../src/wasm/memory.js';

const rng = new Rng(123);
const made: Tensor[] = [];
function rand(shape: number[], lo = -1, hi = 1): Tensor {
  const t = randomTensor(shape, rng, lo, hi);
  made.push(t);
  return t;
}
/** Values bounded away from 0 (and from ±1 when `avoidOne`), so kinks are not straddled. */
function awayFromKinks(shape: number[]): Tensor {
  const t = rand(shape);
  const d = t.data;
  for (let i = 0; i < d.length; i++) {
    const s = d[i] < 0 ? -1 : 1;
    d[i] = s * (0.1 + 1.6 * Math.abs(d[i]));
    if (Math.abs(Math.abs(d[i]) - 1) < 0.05) d[i] += 0.1 * s;
  }
  return t;
}
/** Distinct values (a shuffled ramp), so max-pool windows have a clear maximum. */
function distinct(shape: number[]): Tensor {
  const t = new Tensor(shape);
  made.push(t);
  const p = rng.permutation(t.size);
  for (let i = 0; i < t.size; i++) t.data[i] = (p[i] / t.size) * 4 - 2;
  return t;
}
afterEach(() => {
  for (const t of made) t.dispose();
  made.length = 0;
});

describe('gradients vs finite differences', () => {
  for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    it(`matmul transposeA=${ta} transposeB=${tb}`, () => {
      const [M, K, N] = [5, 7, 3];
      const a = rand(ta ? [K, M] : [M, K]);
      const b = rand(tb ? [N, K] : [K, N]);
      gradCheck(([x, y]) => matmul(x, y, { transposeA: ta, transposeB: tb }), [a, b]);
    });
  }

  it('add, sub, mul, scale', () => {
    const a = rand([3, 4]);
    const b = rand([3, 4]);
    gradCheck(([x, y]) => add(x, y), [a, b]);
    gradCheck(([x, y]) => sub(x, y), [a, b]);
    gradCheck(([x, y]) => mul(x, y), [a, b]);
    gradCheck(([x]) => scale(x, -2.5, 0.5), [a]);
  });

  it('an input used twice accumulates both gradients', () => {
    const a = rand([6]);
    gradCheck(([x]) => mul(x, add(x, x)), [a]);
  });

  it('sum, mean', () => {
    const a = rand([2, 3, 5]);
    gradCheck(([x]) => sum(x), [a]);
    gradCheck(([x]) => mean(x), [a]);
  });

  it('relu, hardTanh', () => {
    const a = awayFromKinks([4, 9]);
    gradCheck(([x]) => relu(x), [a]);
    gradCheck(([x]) => hardTanh(x), [a]);
  });

  it('reshape, flatten', () => {
    const a = rand([2, 3, 4]);
    gradCheck(([x]) => reshape(x, [4, -1]), [a]);
    gradCheck(([x]) => flatten(x), [a]);
  });

  it('biasAdd', () => {
    gradCheck(([x, b]) => biasAdd(x, b), [rand([3, 2, 5]), rand([5])]);
  });

  const convCases = [
    { x: [2, 5, 6, 3], w: [3, 3, 3, 4], strides: 1, padding: 'valid' },
    { x: [1, 7, 5, 5], w: [3, 3, 5, 2], strides: 2, padding: 'same' },
    { x: [2, 4, 4, 6], w: [1, 1, 6, 3], strides: 1, padding: 'valid' },
    { x: [1, 6, 6, 1], w: [2, 2, 1, 3], strides: 2, padding: 'same' },
    { x: [1, 5, 7, 2], w: [5, 3, 2, 2], strides: 1, padding: 'same' },
  ] as const;
  for (const c of convCases) {
    it(`conv2d x=${c.x} w=${c.w} stride ${c.strides} ${c.padding}`, () => {
      gradCheck(([x, w]) => conv2d(x, w, { strides: c.strides, padding: c.padding }),
        [rand([...c.x]), rand([...c.w])], { maxCoords: 40 });
    });
  }

  it('maxPool2d valid and same, stride != pool', () => {
    gradCheck(([x]) => maxPool2d(x, { poolSize: 2 }), [distinct([2, 6, 5, 3])]);
    gradCheck(([x]) => maxPool2d(x, { poolSize: 3, strides: 2, padding: 'same' }), [distinct([1, 7, 7, 2])]);
  });

  it('batchNorm training mode with gamma and beta', () => {
    const mm = Tensor.zeros([4]);
    const mv = Tensor.ones([4]);
    made.push(mm, mv);
    gradCheck(([x, g, b]) => batchNorm(x, { gamma: g, beta: b, movingMean: mm, movingVariance: mv }, { training: true }),
      [rand([3, 2, 2, 4]), rand([4], 0.5, 1.5), rand([4])], { eps: 5e-3 });
  });

  it('batchNorm training mode without scale (Larq models)', () => {
    const mm = Tensor.zeros([3]);
    const mv = Tensor.ones([3]);
    made.push(mm, mv);
    gradCheck(([x, b]) => batchNorm(x, { gamma: null, beta: b, movingMean: mm, movingVariance: mv }, { training: true }),
      [rand([5, 3]), rand([3])], { eps: 5e-3 });
  });

  it('batchNorm inference mode', () => {
    const mm = rand([3]);
    const mv = rand([3], 0.5, 2);
    gradCheck(([x, g, b]) => batchNorm(x, { gamma: g, beta: b, movingMean: mm, movingVariance: mv }, { training: false }),
      [rand([4, 3]), rand([3]), rand([3])]);
  });

  it('dropout (same mask for the same seed)', () => {
    gradCheck(([x]) => dropout(x, 0.3, new Rng(5), true), [rand([50])]);
  });

  it('softmaxCrossEntropy', () => {
    const labels = [0, 3, 2, 3];
    gradCheck(([z]) => {
      const l = softmaxCrossEntropy(z, labels);
      return l;
    }, [rand([4, 5], -3, 3)]);
  });

  it('the checker itself fails on a wrong gradient', () => {
    // relu's gradient checked at points where relu is not differentiable from
    // the side the difference straddles: a deliberately broken case.
    const a = rand([1]);
    a.data[0] = 0.001;
    expect(() => gradCheck(([x]) => relu(x), [a], { eps: 0.01 })).toThrow();
  });
});

describe('memory', () => {
  it('gradient checks leave no live tensors behind', () => {
    const before = memoryStats().bytesInUse;
    const a = rand([3, 3]);
    gradCheck(([x]) => relu(matmul(x, x)), [a]);
    a.dispose();
    made.length = 0;
    expect(memoryStats().bytesInUse).toBe(before);
  });
});

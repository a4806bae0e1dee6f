import { describe, it, expect } from 'vitest';
import { Tensor } from '../../src/tensor/tensor.js';
import { tidy } from '../../src/tensor/scope.js';
import { memoryStats } from '../../src/wasm/memory.js';

describe('tensor memory', () => {
  it('tidy frees everything it did not return', () => {
    const before = memoryStats().bytesInUse;
    const kept = tidy(() => {
      Tensor.zeros([100, 100]);
      return Tensor.ones([3]);
    });
    expect(memoryStats().bytesInUse - before).toBe(64);
    expect(Array.from(kept.data)).toEqual([1, 1, 1]);
    kept.dispose();
    expect(memoryStats().bytesInUse).toBe(before);
  });
});

import { matmul } from '../../src/ops/matmul.js';
import { relu } from '../../src/ops/activations.js';
import { sum } from '../../src/ops/reduce.js';
import { backward } from '../../src/autograd/graph.js';

describe('autograd lifetimes', () => {
  it('backward after the graph was freed by tidy fails loudly instead of leaving grads empty', () => {
    const w = Tensor.from([1, -2, 3, -4], [2, 2]);
    w.requiresGrad = true;
    const loss = tidy(() => sum(relu(matmul(Tensor.from([1, 1], [1, 2]), w))));
    expect(() => backward(loss)).toThrow(/was disposed before backward/);
    loss.dispose();
    w.dispose();
  });

  it('backward inside tidy gives the gradient', () => {
    const w = Tensor.from([1, -2, 3, -4], [2, 2]);
    w.requiresGrad = true;
    const g = tidy(() => {
      const loss = sum(relu(matmul(Tensor.from([1, 1], [1, 2]), w)));
      backward(loss);
      expect(loss.item()).toBe(4);
      return w.grad!.toArray();
    });
    expect(Array.from(g)).toEqual([1, 0, 1, 0]);
    w.dispose();
  });
});

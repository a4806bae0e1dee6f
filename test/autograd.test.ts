import { describe, it, expect } from 'vitest';
import { Tensor } from '../src/tensor/tensor.js';
import { tidy } from '../src/tensor/scope.js';
import { memoryStats } from '../src/wasm/memory.js';

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

// SharedBatch: what the chips of one Monte-Carlo batch share travels as an
// argument, is made once per batch and freed at release (no module state).
import { describe, it, expect } from 'vitest';
import { Tensor } from '../../src/tensor/tensor.js';
import { SharedBatch, ENGINES } from '../../src/engines/index.js';

describe('SharedBatch', () => {
  it('marks shared inputs, memoizes per input and key, disposes at release', () => {
    const x = Tensor.zeros([2, 3]);
    const y = Tensor.zeros([2, 3]);
    const b = new SharedBatch();
    b.share(x);
    expect(b.isShared(x)).toBe(true);
    expect(b.isShared(y)).toBe(false);
    let made = 0;
    const freed: number[] = [];
    const make = () => ++made;
    expect(b.memo(x, 'k', make, (v) => freed.push(v))).toBe(1);
    expect(b.memo(x, 'k', make, (v) => freed.push(v))).toBe(1);
    expect(b.memo(x, 'other', make, (v) => freed.push(v))).toBe(2);
    expect(b.memo(y, 'k', make)).toBe(3);
    b.release();
    expect(freed.sort()).toEqual([1, 2]);
    expect(b.isShared(x)).toBe(false);
    expect(b.memo(x, 'k', make)).toBe(4);
    x.dispose();
    y.dispose();
  });

  it('every built-in engine states why it exists', () => {
    for (const [name, e] of Object.entries(ENGINES)) {
      expect(e.name).toBe(name);
      expect(e.reason.length).toBeGreaterThan(20);
    }
  });
});

// Augmentation: shifts move pixels by exactly (dy, dx) and repeat edges,
// flips mirror, draws depend only on the Rng, and no-op options change nothing.
import { describe, it, expect } from 'vitest';
import { augmentBatch } from '../../src/data/augment.js';
import { Rng } from '../../src/tensor/random.js';

const H = 5;
const W = 6;
const C = 2;
const value = (n: number, y: number, x: number, c: number) => n * 1000 + y * 100 + x * 10 + c;

function batch(n: number): Float32Array {
  const a = new Float32Array(n * H * W * C);
  for (let i = 0; i < n; i++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < C; c++) a[((i * H + y) * W + x) * C + c] = value(i, y, x, c);
  return a;
}

describe('augmentBatch', () => {
  it('shifts each image by its drawn (dy, dx), clamping reads to the edge', () => {
    const n = 40;
    const a = batch(n);
    augmentBatch(a, n, H, W, C, { shift: 2, flip: false }, new Rng(7));
    // Replay the draws to know each image's shift.
    const rng = new Rng(7);
    const seen = new Set<string>();
    for (let i = 0; i < n; i++) {
      const dy = rng.int(5) - 2;
      const dx = rng.int(5) - 2;
      seen.add(`${dy},${dx}`);
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++)
          for (let c = 0; c < C; c++) {
            const sy = Math.min(H - 1, Math.max(0, y - dy));
            const sx = Math.min(W - 1, Math.max(0, x - dx));
            expect(a[((i * H + y) * W + x) * C + c]).toBe(value(i, sy, sx, c));
          }
    }
    expect(seen.size).toBeGreaterThan(10);
  });

  it('flips mirror about half of the images left-right', () => {
    const n = 200;
    const a = batch(n);
    augmentBatch(a, n, H, W, C, { shift: 0, flip: true }, new Rng(3));
    let flipped = 0;
    for (let i = 0; i < n; i++) {
      const first = a[(i * H * W) * C];
      if (first === value(i, 0, W - 1, 0)) {
        flipped++;
        expect(a[((i * H + 2) * W + 1) * C + 1]).toBe(value(i, 2, W - 2, 1));
      } else expect(first).toBe(value(i, 0, 0, 0));
    }
    expect(flipped).toBeGreaterThan(70);
    expect(flipped).toBeLessThan(130);
  });

  it('is a function of the Rng; no shift and no flip leave the batch alone', () => {
    const a = batch(8);
    const b = batch(8);
    augmentBatch(a, 8, H, W, C, { shift: 1, flip: true }, new Rng(11));
    augmentBatch(b, 8, H, W, C, { shift: 1, flip: true }, new Rng(11));
    expect(a).toEqual(b);
    expect(a).not.toEqual(batch(8));
    const c = batch(8);
    augmentBatch(c, 8, H, W, C, { shift: 0, flip: false }, new Rng(11));
    expect(c).toEqual(batch(8));
  });
});

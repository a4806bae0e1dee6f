// Mini-batching and the Dataset helpers. Sample i of the fixture is filled
// with values derived from i, so a batch's contents reveal which samples it
// holds.
import { describe, it, expect } from 'vitest';
import { batches, numBatches } from '../../src/data/batches.js';
import { type Dataset, take, subset, splitValidation } from '../../src/data/dataset.js';
import { DatasetError } from '../../src/data/errors.js';
import { Rng } from '../../src/tensor/random.js';
import { memoryStats } from '../../src/wasm/memory.js';

/** count samples of h x w x c; element k of sample i is i + k/100. */
function fixture(count: number, h = 2, w = 2, c = 3): Dataset {
  const s = h * w * c;
  const images = new Float32Array(count * s);
  for (let i = 0; i < count; i++) for (let k = 0; k < s; k++) images[i * s + k] = i + k / 100;
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 10);
  return { name: 'fixture', images, labels, count, height: h, width: w, channels: c, numClasses: 10 };
}

/** Runs one epoch, checks each batch against the dataset, frees the tensors, returns the order. */
function epoch(ds: Dataset, opts: Parameters<typeof batches>[1]): { order: number[]; sizes: number[] } {
  const order: number[] = [];
  const sizes: number[] = [];
  const s = ds.height * ds.width * ds.channels;
  for (const b of batches(ds, opts)) {
    expect(b.x.shape).toEqual([b.size, ds.height, ds.width, ds.channels]);
    expect(b.y.length).toBe(b.size);
    const x = b.x.data;
    for (let i = 0; i < b.size; i++) {
      const j = b.indices[i];
      expect(b.y[i]).toBe(ds.labels[j]);
      expect(x.subarray(i * s, (i + 1) * s)).toEqual(ds.images.subarray(j * s, (j + 1) * s));
      order.push(j);
    }
    sizes.push(b.size);
    b.x.dispose();
  }
  return { order, sizes };
}

describe('batches', () => {
  const ds = fixture(10);

  it('without shuffle: dataset order, a partial last batch', () => {
    const { order, sizes } = epoch(ds, { batchSize: 4 });
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(sizes).toEqual([4, 4, 2]);
    expect(numBatches(10, 4)).toBe(3);
  });

  it('dropRemainder skips the partial batch; an oversized batch takes everything', () => {
    expect(epoch(ds, { batchSize: 4, dropRemainder: true }).sizes).toEqual([4, 4]);
    expect(numBatches(10, 4, true)).toBe(2);
    expect(epoch(ds, { batchSize: 64 }).sizes).toEqual([10]);
    expect(epoch(ds, { batchSize: 64, dropRemainder: true }).sizes).toEqual([]);
  });

  it('shuffles every sample exactly once, reproducibly per seed', () => {
    const big = fixture(257, 3, 3, 1);
    const a = epoch(big, { batchSize: 32, shuffle: true, rng: new Rng(1) });
    const b = epoch(big, { batchSize: 32, shuffle: true, rng: new Rng(1) });
    const c = epoch(big, { batchSize: 32, shuffle: true, rng: new Rng(2) });
    expect(a.order).toEqual(b.order);
    expect(a.order).not.toEqual(c.order);
    expect([...a.order].sort((p, q) => p - q)).toEqual(Array.from({ length: 257 }, (_, i) => i));
    expect(a.order).not.toEqual(Array.from({ length: 257 }, (_, i) => i));
    expect(a.sizes).toEqual([32, 32, 32, 32, 32, 32, 32, 32, 1]);
  });

  it('draws a different order each epoch from the same rng', () => {
    const rng = new Rng(7);
    const e1 = epoch(ds, { batchSize: 3, shuffle: true, rng }).order;
    const e2 = epoch(ds, { batchSize: 3, shuffle: true, rng }).order;
    expect(e1).not.toEqual(e2);
    expect([...e2].sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('leaks no WASM memory once the caller disposes the batches', () => {
    const before = memoryStats().bytesInUse;
    epoch(fixture(100), { batchSize: 16, shuffle: true, rng: new Rng(3) });
    expect(memoryStats().bytesInUse).toBe(before);
  });

  it('rejects a bad batch size and shuffling without an rng', () => {
    expect(() => batches(ds, { batchSize: 0 }).next()).toThrow(/batchSize must be a positive integer/);
    expect(() => batches(ds, { batchSize: 2.5 }).next()).toThrow(/batchSize/);
    expect(() => batches(ds, { batchSize: 2, shuffle: true }).next()).toThrow(/shuffle needs an rng/);
  });
});

describe('dataset helpers', () => {
  const ds = fixture(10, 1, 2, 1);

  it('take shares memory with the original', () => {
    const t = take(ds, 3);
    expect(t.count).toBe(3);
    expect(Array.from(t.images)).toEqual([0, 0.01, 1, 1.01, 2, 2.01].map(Math.fround));
    expect(t.images.buffer).toBe(ds.images.buffer);
    expect(take(ds, 50)).toBe(ds);
    expect(() => take(ds, 0)).toThrow(DatasetError);
  });

  it('subset gathers by index, or takes a prefix given a number', () => {
    const s = subset(ds, [9, 0, 4]);
    expect(s.count).toBe(3);
    expect(Array.from(s.labels)).toEqual([9, 0, 4]);
    expect(Array.from(s.images)).toEqual([9, 9.01, 0, 0.01, 4, 4.01].map(Math.fround));
    expect(subset(ds, 2).count).toBe(2);
    expect(() => subset(ds, [10])).toThrow(/index 10 is outside fixture/);
  });

  it('splitValidation: the tail without rng, a random disjoint cover with one', () => {
    const tail = splitValidation(ds, 0.2);
    expect(tail.train.count).toBe(8);
    expect(Array.from(tail.validation.labels)).toEqual([8, 9]);
    expect(tail.validation.images[0]).toBe(8);

    const r = splitValidation(ds, 0.3, new Rng(5));
    expect(r.train.count).toBe(7);
    expect(r.validation.count).toBe(3);
    // Label i % 10 identifies the sample here, since count = 10.
    const all = [...r.train.labels, ...r.validation.labels].sort((a, b) => a - b);
    expect(all).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(r.validation.labels)).toEqual(Array.from(splitValidation(ds, 0.3, new Rng(5)).validation.labels));
    expect(Array.from(r.validation.labels)).not.toEqual([7, 8, 9]);

    expect(() => splitValidation(ds, 1)).toThrow(/in \(0, 1\)/);
    expect(() => splitValidation(ds, 0.01)).toThrow(/empty train or validation/);
  });
});

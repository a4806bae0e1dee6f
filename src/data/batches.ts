// Mini-batches for one epoch. The sample order is one permutation drawn from
// the caller's Rng at the start of the epoch, so the same seed gives the same
// order and every sample appears exactly once. Each batch is copied into a
// fresh WASM tensor that the caller owns (and normally frees with tidy()).
import { Tensor } from '../tensor/tensor.js';
import type { Rng } from '../tensor/random.js';
import { type Dataset, sampleSize } from './dataset.js';

export interface BatchOptions {
  batchSize: number;
  /** Draw a new order from `rng` for this epoch; otherwise dataset order. */
  shuffle?: boolean;
  rng?: Rng;
  /** Skip the last batch when it is smaller than batchSize. */
  dropRemainder?: boolean;
}

export interface Batch {
  /** [size, height, width, channels], owned by the caller. */
  x: Tensor;
  /** Labels of the batch, a fresh array the caller may keep. */
  y: Uint8Array;
  size: number;
  /** Dataset indices of the batch: a view into the epoch's order, valid until the next batch. */
  indices: Uint32Array;
}

export function numBatches(count: number, batchSize: number, dropRemainder = false): number {
  return dropRemainder ? Math.floor(count / batchSize) : Math.ceil(count / batchSize);
}

export function* batches(ds: Dataset, opts: BatchOptions): Generator<Batch, void, undefined> {
  const { batchSize, shuffle = false, rng, dropRemainder = false } = opts;
  if (!Number.isInteger(batchSize) || batchSize <= 0) {
    throw new RangeError(`batches: batchSize must be a positive integer, got ${batchSize}`);
  }
  if (shuffle && !rng) throw new Error('batches: shuffle needs an rng (pass the run\'s seeded Rng)');
  let order: Uint32Array;
  if (shuffle) {
    order = rng!.permutation(ds.count);
  } else {
    order = new Uint32Array(ds.count);
    for (let i = 0; i < order.length; i++) order[i] = i;
  }
  const s = sampleSize(ds);
  const src = ds.images;
  const n = numBatches(ds.count, batchSize, dropRemainder);
  for (let b = 0; b < n; b++) {
    const start = b * batchSize;
    const size = Math.min(batchSize, ds.count - start);
    const indices = order.subarray(start, start + size);
    const x = new Tensor([size, ds.height, ds.width, ds.channels]);
    // Taken once, after the allocation: a later allocation could grow memory and detach it.
    const dst = x.data;
    const y = new Uint8Array(size);
    for (let i = 0; i < size; i++) {
      const j = indices[i];
      y[i] = ds.labels[j];
      const from = j * s;
      const to = i * s;
      for (let k = 0; k < s; k++) dst[to + k] = src[from + k];
    }
    yield { x, y, size, indices };
  }
}

// Inference speed of a model as the comparison table reports it: latency of
// one image (median over runs) and throughput at batch 256 (samples per
// second at the median batch time). Both after warm-up: V8 tiers WASM up and
// the first calls allocate, neither of which is the model's speed.
import { Tensor } from '../tensor/tensor.js';
import { tidy } from '../tensor/scope.js';
import type { Dataset } from '../data/dataset.js';
import { sampleSize } from '../data/dataset.js';

export interface SpeedOptions {
  latencyRuns: number;
  throughputRuns: number;
  throughputBatch: number;
}

export interface Speed {
  latency_ms_batch1: number;
  samples_per_second_batch256: number;
  /** The batch size of the throughput figure (256 unless configured otherwise). */
  throughput_batch: number;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The first n images of `data` (repeated if it has fewer), as one NHWC tensor. */
export function imageBatch(data: Dataset, n: number): Tensor {
  const s = sampleSize(data);
  const t = new Tensor([n, data.height, data.width, data.channels]);
  const dst = t.data;
  for (let i = 0; i < n; i++) {
    const j = i % data.count;
    dst.set(data.images.subarray(j * s, (j + 1) * s), i * s);
  }
  return t;
}

function timeMs(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

/** `predict` runs one forward pass of a batch (its tensors are freed after each call). */
export function measureSpeed(predict: (x: Tensor) => unknown, data: Dataset, o: SpeedOptions): Speed {
  return measureSpeeds([predict], data, o)[0];
}

/**
 * Several engines timed in alternation, run by run: on a machine shared with
 * other work, load that comes and goes then slows each engine alike, and
 * their ratio stays meaningful even when the absolute times drift.
 */
export function measureSpeeds(predicts: ((x: Tensor) => unknown)[], data: Dataset, o: SpeedOptions): Speed[] {
  const one = imageBatch(data, 1);
  const many = imageBatch(data, o.throughputBatch);
  const run = (p: (x: Tensor) => unknown, x: Tensor) => () => tidy(() => {
    p(x);
  });
  try {
    // Warm-up: V8 compiles WASM with its baseline tier first and swaps in
    // optimised code for hot functions later; a single batch is not enough
    // for a fast engine to reach its steady state. At least 5 batches each
    // and 0.3 s in all (at most 50), alternating like the timed runs.
    for (const p of predicts) for (let i = 0; i < 10; i++) run(p, one)();
    const w0 = performance.now();
    for (let i = 0; i < 5 || (i < 50 && performance.now() - w0 < 300); i++) predicts.forEach((p) => run(p, many)());
    const lat = predicts.map(() => [] as number[]);
    const thr = predicts.map(() => [] as number[]);
    for (let i = 0; i < o.latencyRuns; i++) predicts.forEach((p, j) => lat[j].push(timeMs(run(p, one))));
    for (let i = 0; i < o.throughputRuns; i++) predicts.forEach((p, j) => thr[j].push(timeMs(run(p, many))));
    return predicts.map((_, j) => ({
      latency_ms_batch1: median(lat[j]),
      samples_per_second_batch256: o.throughputBatch / (median(thr[j]) / 1000),
      throughput_batch: o.throughputBatch,
    }));
  } finally {
    one.dispose();
    many.dispose();
  }
}

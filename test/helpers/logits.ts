// Shared by the bit-exactness tests of the packed engine: random inputs, the
// reference logits of model.predict, and a count of differing logits.
import { expect } from 'vitest';
import { Tensor } from '../../src/tensor/tensor.js';
import { tidy } from '../../src/tensor/scope.js';
import { Rng } from '../../src/tensor/random.js';
import type { Model } from '../../src/nn/model.js';

/** n images of `shape`, standard normal values from `seed`. */
export function images(n: number, shape: readonly number[], seed: number): Float32Array {
  const x = new Float32Array(n * shape.reduce((a, b) => a * b, 1));
  const rng = new Rng(seed);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  return x;
}

/** model.predict's logits (before any final softmax) for the images x. */
export function reference(model: Model, x: Float32Array): Float32Array {
  const shape = model.inputShape!;
  const n = x.length / shape.reduce((a, b) => a * b, 1);
  const logits = tidy(() => model.predict(Tensor.from(x, [n, ...shape]), { logits: true }).data.slice());
  // logits that do not depend on the image would hide any error upstream of
  // them, and a comparison against them could not fail
  if (n > 1) {
    const k = logits.length / n;
    const rows = new Set(Array.from({ length: n }, (_, i) => logits.subarray(i * k, (i + 1) * k).join()));
    expect(rows.size, `${model.name}: every image has the same logits`).toBeGreaterThan(1);
  }
  return logits;
}

/** Count of logits that differ from the reference (as float32 values, -0 != +0). */
export function mismatches(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) n++;
  return n;
}

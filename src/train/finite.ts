// NaN and Inf checks of the training loop. A NaN pixel does not make the loss
// NaN at once: BatchNorm folds it into its statistics and the optimizer into
// every first-layer weight, and training goes on with a model that predicts
// one class. So the batch is checked before the forward pass and every
// variable after each optimizer step, and the error names the culprit.
import type { Tensor } from '../tensor/tensor.js';
import type { Variable } from '../nn/variable.js';
import { NumericError } from '../errors.js';

/** A batch loss above this many times ln(classes) (a uniform guess's loss) means training has diverged. */
export const DIVERGENCE_FACTOR = 100;

/** Index of the first NaN/±Inf in `a`, or −1. */
export function firstNonFinite(a: Float32Array): number {
  // x * 0 is 0 for every finite x and NaN for NaN and ±Inf: one multiply-add per value.
  let acc = 0;
  for (let i = 0; i < a.length; i++) acc += a[i] * 0;
  if (acc === 0) return -1;
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}

/** Null when every value of the batch is finite, else what is wrong, naming the dataset sample. */
export function checkFiniteBatch(x: Tensor, indices: ArrayLike<number>, where: string): string | null {
  const i = firstNonFinite(x.data);
  if (i < 0) return null;
  const per = x.size / x.shape[0];
  const inBatch = Math.floor(i / per);
  return `the input data has a ${x.data[i]} value at ${where} (dataset sample ${indices[inBatch]}, value ${i % per} of the sample)`;
}

/** Throws a NumericError naming the first variable that holds a NaN or infinite value. */
export function checkFiniteVariables(vars: readonly Variable[], after: string): void {
  for (const v of vars) {
    const i = firstNonFinite(v.value.data);
    if (i >= 0) {
      throw new NumericError(`variable "${v.name}" holds ${v.value.data[i]} (element ${i} of ${v.size}) after ${after}; ` +
        'the learning rate is probably too high');
    }
  }
}

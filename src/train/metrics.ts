// Classification metrics computed from logits in WASM memory.
import type { Tensor } from '../tensor/tensor.js';

/** Number of rows of logits [B, K] whose argmax equals the label. */
export function countCorrect(logits: Tensor, labels: ArrayLike<number>): number {
  const [B, K] = logits.shape;
  const z = logits.data;
  let correct = 0;
  for (let b = 0; b < B; b++) {
    let best = 0;
    for (let k = 1; k < K; k++) if (z[b * K + k] > z[b * K + best]) best = k;
    if (best === labels[b]) correct++;
  }
  return correct;
}

/** argmax of each row of logits [B, K]. */
export function argmaxRows(logits: Tensor): Int32Array {
  const [B, K] = logits.shape;
  const z = logits.data;
  const out = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    let best = 0;
    for (let k = 1; k < K; k++) if (z[b * K + k] > z[b * K + best]) best = k;
    out[b] = best;
  }
  return out;
}

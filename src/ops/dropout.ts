// Inverted dropout: in training, zero each element with probability `rate` and
// scale the survivors by 1/(1 − rate), so inference is the identity.
import { Tensor } from '../tensor/tensor.js';
import { record, accumulateGrad } from '../autograd/graph.js';
import { wasm } from '../wasm/module.js';
import type { Rng } from '../tensor/random.js';

export function dropout(x: Tensor, rate: number, rng: Rng, training: boolean): Tensor {
  if (!(rate >= 0 && rate < 1)) throw new Error(`dropout: rate must be in [0, 1), got ${rate}`);
  if (!training || rate === 0) return x;
  const mask = new Tensor(x.shape);
  const m = mask.data;
  const keepScale = 1 / (1 - rate);
  for (let i = 0; i < m.length; i++) m[i] = rng.uniform() < rate ? 0 : keepScale;
  const out = new Tensor(x.shape);
  wasm().mul(x.ptr, mask.ptr, x.size, out.ptr);
  return record(out, 'dropout', [x], (g) => {
    const dx = new Tensor(x.shape);
    wasm().mul(g.ptr, mask.ptr, g.size, dx.ptr);
    accumulateGrad(x, dx);
  });
}

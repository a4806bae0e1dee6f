// Full reductions to a scalar.
import { Tensor } from '../tensor/tensor.js';
import { record, accumulateGrad } from '../autograd/graph.js';
import { wasm } from '../wasm/module.js';

export function sum(x: Tensor): Tensor {
  const out = Tensor.scalar(wasm().sum(x.ptr, x.size));
  return record(out, 'sum', [x], (g) => accumulateGrad(x, Tensor.full(x.shape, g.item())));
}

export function mean(x: Tensor): Tensor {
  const n = Math.max(1, x.size);
  const out = Tensor.scalar(wasm().sum(x.ptr, x.size) / n);
  return record(out, 'mean', [x], (g) => accumulateGrad(x, Tensor.full(x.shape, g.item() / n)));
}

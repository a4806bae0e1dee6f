// y[..., c] = x[..., c] + b[c]
import { Tensor } from '../tensor/tensor.js';
import { ShapeError, shapeStr } from '../tensor/shape.js';
import { record, accumulateGrad } from '../autograd/graph.js';
import { wasm } from '../wasm/module.js';

export function biasAdd(x: Tensor, b: Tensor): Tensor {
  const C = x.shape[x.rank - 1];
  if (b.rank !== 1 || b.shape[0] !== C) {
    throw new ShapeError(`biasAdd: bias ${shapeStr(b.shape)} does not match the last axis of ${shapeStr(x.shape)}`);
  }
  const rows = x.size / C;
  const out = new Tensor(x.shape);
  wasm().biasAdd(x.ptr, rows, C, b.ptr, out.ptr);
  return record(out, 'biasAdd', [x, b], (g) => {
    accumulateGrad(x, g);
    if (b.requiresGrad) {
      const db = new Tensor(b.shape);
      wasm().columnSum(g.ptr, rows, C, db.ptr);
      accumulateGrad(b, db);
    }
  });
}

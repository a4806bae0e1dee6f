// reshape / flatten: a copy with a new shape (tensors own their memory, so no
// aliasing to track) and the gradient reshaped back.
import { Tensor } from '../tensor/tensor.js';
import { ShapeError, shapeStr, sizeOf } from '../tensor/shape.js';
import { record, accumulateGrad } from '../autograd/graph.js';

export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const resolved = [...shape];
  const inferred = resolved.indexOf(-1);
  if (inferred >= 0) {
    const known = sizeOf(resolved.filter((_, i) => i !== inferred));
    if (known === 0 || x.size % known !== 0) {
      throw new ShapeError(`reshape: cannot reshape ${shapeStr(x.shape)} into ${shapeStr(shape)}`);
    }
    resolved[inferred] = x.size / known;
  }
  if (sizeOf(resolved) !== x.size) {
    throw new ShapeError(`reshape: cannot reshape ${shapeStr(x.shape)} (${x.size} elements) into ${shapeStr(shape)}`);
  }
  const out = new Tensor(resolved);
  out.assign(x);
  return record(out, 'reshape', [x], (g) => {
    const dx = new Tensor(x.shape);
    dx.assign(g);
    accumulateGrad(x, dx);
  });
}

/** [N, ...] -> [N, prod(...)] */
export function flatten(x: Tensor): Tensor {
  if (x.rank < 1) throw new ShapeError('flatten: input must have a batch dimension');
  return reshape(x, [x.shape[0], -1]);
}

// Elementwise add / sub / mul of same-shape tensors, scaling, and their gradients.
import { Tensor } from '../tensor/tensor.js';
import { assertSameShape } from '../tensor/shape.js';
import { record, accumulateGrad } from '../autograd/graph.js';
import { wasm } from '../wasm/module.js';

export function add(a: Tensor, b: Tensor): Tensor {
  assertSameShape('add', a.shape, b.shape);
  const out = new Tensor(a.shape);
  wasm().add(a.ptr, b.ptr, a.size, out.ptr);
  return record(out, 'add', [a, b], (g) => {
    accumulateGrad(a, g);
    accumulateGrad(b, g);
  });
}

export function sub(a: Tensor, b: Tensor): Tensor {
  assertSameShape('sub', a.shape, b.shape);
  const out = new Tensor(a.shape);
  wasm().sub(a.ptr, b.ptr, a.size, out.ptr);
  return record(out, 'sub', [a, b], (g) => {
    accumulateGrad(a, g);
    if (b.requiresGrad) accumulateGrad(b, scale(g, -1));
  });
}

export function mul(a: Tensor, b: Tensor): Tensor {
  assertSameShape('mul', a.shape, b.shape);
  const out = new Tensor(a.shape);
  wasm().mul(a.ptr, b.ptr, a.size, out.ptr);
  return record(out, 'mul', [a, b], (g) => {
    if (a.requiresGrad) {
      const da = new Tensor(a.shape);
      wasm().mul(g.ptr, b.ptr, g.size, da.ptr);
      accumulateGrad(a, da);
    }
    if (b.requiresGrad) {
      const db = new Tensor(b.shape);
      wasm().mul(g.ptr, a.ptr, g.size, db.ptr);
      accumulateGrad(b, db);
    }
  });
}

/** y = s·x + offset */
export function scale(x: Tensor, s: number, offset = 0): Tensor {
  const out = new Tensor(x.shape);
  wasm().affine(x.ptr, x.size, s, offset, out.ptr);
  return record(out, 'scale', [x], (g) => {
    const dx = new Tensor(x.shape);
    wasm().affine(g.ptr, g.size, s, 0, dx.ptr);
    accumulateGrad(x, dx);
  });
}

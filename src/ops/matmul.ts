// matmul: [M,K]·[K,N] with optional transposes, and its gradient.
import { Tensor } from '../tensor/tensor.js';
import { ShapeError, shapeStr } from '../tensor/shape.js';
import { record, accumulateGrad } from '../autograd/graph.js';
import { gemm } from './gemm.js';

export interface MatmulOptions {
  transposeA?: boolean;
  transposeB?: boolean;
  /** Computes the [M,N] product instead of the float GEMM (the XNOR path); the gradient stays the float one. */
  forward?: (a: Tensor, b: Tensor) => Tensor;
}

export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  const ta = !!opts.transposeA;
  const tb = !!opts.transposeB;
  if (a.rank !== 2 || b.rank !== 2) {
    throw new ShapeError(`matmul: both operands must be rank 2, got ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`);
  }
  const [M, K] = ta ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const [K2, N] = tb ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
  if (K !== K2) {
    throw new ShapeError(`matmul: inner dimensions differ: ${shapeStr(a.shape)}${ta ? 'ᵀ' : ''} · ${shapeStr(b.shape)}${tb ? 'ᵀ' : ''}`);
  }
  let out: Tensor;
  if (opts.forward) {
    out = opts.forward(a, b);
    if (out.rank !== 2 || out.shape[0] !== M || out.shape[1] !== N) {
      throw new ShapeError(`matmul: custom forward returned ${shapeStr(out.shape)}, expected [${M}, ${N}]`);
    }
  } else {
    out = new Tensor([M, N]);
    gemm(ta, tb, M, N, K, a.ptr, b.ptr, out.ptr);
  }
  return record(out, 'matmul', [a, b], (g) => {
    // C = A·B: dA = g·Bᵀ, dB = Aᵀ·g; the transposed cases follow by symmetry.
    if (a.requiresGrad) {
      const da = new Tensor(a.shape);
      if (!ta) gemm(false, !tb, M, K, N, g.ptr, b.ptr, da.ptr);
      else gemm(tb, true, K, M, N, b.ptr, g.ptr, da.ptr);
      accumulateGrad(a, da);
    }
    if (b.requiresGrad) {
      const db = new Tensor(b.shape);
      if (!tb) gemm(!ta, false, K, N, M, a.ptr, g.ptr, db.ptr);
      else gemm(true, ta, N, K, M, g.ptr, a.ptr, db.ptr);
      accumulateGrad(b, db);
    }
  });
}

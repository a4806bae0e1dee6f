// Errors of stored binary weights as an op: each weight has a code (the
// KernelHook.bitErrors capability of nn/hooks.ts returns them), applied to a
// ±s kernel here, or to packed bits by the engines. Bit convention of the
// kernels: bit 1 = -1, so stuck-at-0 reads +1 and stuck-at-1 reads -1.
import { Tensor } from '../tensor/tensor.js';
import { record, accumulateGrad } from '../autograd/graph.js';

export const BIT_OK = 0;
export const BIT_FLIP = 1;
export const BIT_STUCK0 = 2;
export const BIT_STUCK1 = 3;

export function countCodes(codes: Uint8Array): [number, number, number, number] {
  const n: [number, number, number, number] = [0, 0, 0, 0];
  for (let i = 0; i < codes.length; i++) n[codes[i]]++;
  return n;
}

/**
 * Applies the codes to a binary kernel (values ±s). The gradient is the
 * exact one: a flipped cell passes -dy, a stuck cell does not depend on its
 * weight and passes 0.
 */
export function applyBitErrors(w: Tensor, codes: Uint8Array): Tensor {
  if (codes.length !== w.size) throw new Error(`bit errors: ${codes.length} codes for a kernel of ${w.size} weights`);
  const out = new Tensor(w.shape);
  const src = w.data;
  const dst = out.data;
  for (let i = 0; i < dst.length; i++) {
    const v = src[i];
    const c = codes[i];
    dst[i] = c === BIT_OK ? v : c === BIT_FLIP ? -v : c === BIT_STUCK0 ? Math.abs(v) : -Math.abs(v);
  }
  return record(out, 'bitErrors', [w], (g) => {
    const dx = new Tensor(w.shape);
    const gd = g.data;
    const d = dx.data;
    for (let i = 0; i < d.length; i++) d[i] = codes[i] === BIT_OK ? gd[i] : codes[i] === BIT_FLIP ? -gd[i] : 0;
    accumulateGrad(w, dx);
  });
}

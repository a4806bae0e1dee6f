// When a Dense/Conv2D product's operands are both exactly ±1 (ProductLayer
// .binaryOperands: sign quantizers, bit errors at most), the product is a dot
// of ±1 vectors: an integer that the XNOR-popcount kernels compute exactly,
// bit-packed. This module supplies that packed forward; the gradient stays
// the float one (straight-through estimators need float values).
// runtime().settings.xnorKernels = false forces the float-emulated forward, for comparisons.
import { Tensor } from '../../tensor/tensor.js';
import { keep } from '../../tensor/scope.js';
import type { WindowGeometry } from '../../ops/convGeometry.js';
import { packActivations, packRows, packWeights, binaryConv2d, binaryDense } from '../../ops/binary/index.js';
import { runtime, configureRuntime } from '../../runtime/runtime.js';

/** Turns the XNOR-popcount forward of binarized layers on (default) or off, for the process: runtime().configure({ xnorKernels }). */
export function setXnorKernels(on: boolean): void {
  configureRuntime({ xnorKernels: on });
}

export function xnorKernelsEnabled(): boolean {
  return runtime().settings.xnorKernels;
}

const onesCache = new Map<number, Tensor>();
function ones(n: number): Tensor {
  let t = onesCache.get(n);
  if (!t) onesCache.set(n, (t = keep(Tensor.ones([n]))));
  return t;
}

/** conv2d forward of ±1 input x[N,H,W,C] and kernel w[KH,KW,C,OC] with zero padding, exact. */
export function xnorConvForward(x: Tensor, w: Tensor, g: WindowGeometry): Tensor {
  const OC = w.shape[3];
  const xb = packActivations(x.ptr, [g.N, g.H, g.W, g.C], { pad: { top: g.PT, bottom: g.PB, left: g.PL, right: g.PR } });
  const wb = packWeights(w.ptr, w.shape);
  const out = new Tensor([g.N, g.OH, g.OW, OC]);
  try {
    binaryConv2d(xb, wb, { strides: [g.SH, g.SW], padValue: 0, output: { kind: 'float', scale: ones(OC).ptr, bias: 0 }, into: out.ptr });
  } finally {
    xb.dispose();
    wb.dispose();
  }
  return out;
}

/** a[M,K]·b[K,N] for ±1 operands, exact. */
export function xnorDenseForward(a: Tensor, b: Tensor): Tensor {
  const [M, K] = a.shape;
  const N = b.shape[1];
  const xb = packRows(a.ptr, M, K);
  const wb = packWeights(b.ptr, b.shape);
  const out = new Tensor([M, N]);
  try {
    binaryDense(xb, wb, { output: { kind: 'float', scale: ones(N).ptr, bias: 0 }, into: out.ptr });
  } finally {
    xb.dispose();
    wb.dispose();
  }
  return out;
}

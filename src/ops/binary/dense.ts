// Binary dense (XNOR-popcount GEMM) and 2-bit DoReFa dense (bit-serial) on
// packed rows. A QuantDense forward with sign quantizers is:
//   binaryDense(packRows(x, M, K), packWeights(kernel, [K, N]),
//     { output: { kind: 'float', scale, bias } })
import { wasm } from '../../wasm/module.js';
import { alloc } from '../../wasm/memory.js';
import { splitCall } from '../parallel.js';
import { ShapeError } from '../../tensor/shape.js';
import type { PackedActivations, PackedWeights } from './pack.js';
import { choosePath, log2Class } from './tune.js';
import { type BinaryOutput, type AccumulatorLimit, type KernelPath, outputArgs, accumulatorArgs, pathArg, outputPixelBytes }
  from './output.js';

type Ptr = number;

export interface BinaryDenseOptions {
  output?: BinaryOutput;
  accumulator?: AccumulatorLimit;
  /** Destination (M rows of N outputs, contiguous); allocated when absent. */
  into?: Ptr;
  path?: KernelPath;
}

export interface DenseResult { ptr: Ptr; shape: [number, number]; allocated: boolean }

function rows(op: string, x: PackedActivations, w: PackedWeights, planes: number): number {
  if (x.planes !== planes || w.planes !== planes) throw new Error(`${op}: operands must be packed with planes=${planes}`);
  if (x.pad.top + x.pad.bottom + x.pad.left + x.pad.right !== 0) throw new Error(`${op}: rows must have no border`);
  if (w.KH !== 1 || w.KW !== 1) throw new ShapeError(`${op}: kernel must be a dense [K, N] kernel`);
  // Any [N, H, W, C] block is a list of N*H*W rows of C inputs.
  if (x.C !== w.C) throw new ShapeError(`${op}: kernel expects K=${w.C} inputs, rows have ${x.C}`);
  return x.N * x.H * x.W;
}

function dest(into: Ptr | undefined, M: number, N: number, output?: BinaryOutput): [Ptr, boolean] {
  return into === undefined ? [alloc(M * outputPixelBytes(output, N)), true] : [into, false];
}

/** out[m, n] = transform(sum_k sign(x[m,k]) * sign(w[k,n])). */
export function binaryDense(x: PackedActivations, w: PackedWeights, opts: BinaryDenseOptions = {}): DenseResult {
  const M = rows('binaryDense', x, w, 1);
  const N = w.OC;
  const [ptr, allocated] = dest(opts.into, M, N, opts.output);
  const [mode, p1, p2] = outputArgs(opts.output);
  const [accBits, accMode] = accumulatorArgs(opts.accumulator);
  const ldo = opts.output?.kind === 'bits' ? Math.ceil(N / 64) : N;
  const rowOut = outputPixelBytes(opts.output, N);
  // rows split in multiples of 3, the kernel's tile height
  const call = (path: number) => splitCall('bgemm', M, 3, M * N * w.C, wasm().bgemmWorkspaceBytes(w.C), (s, e, ws) =>
    [e - s, N, w.C, x.ptr + s * x.pixelWords * 8, x.pixelWords, w.ptr, ptr + s * rowOut, ldo, mode, p1, p2, accBits, accMode, path, ws]);
  const key = `dense:k${log2Class(w.C / 64)}:n${log2Class(N)}:m${Math.min(12, log2Class(M))}`;
  call(pathArg(choosePath(opts.path, key, (p) => call(pathArg(p)))));
  return { ptr, shape: [M, N], allocated };
}

/** 2-bit DoReFa dense; the integer result is D = 9 * sum(x*w) (give scale/9 for float output). */
export function dorefa2Dense(x: PackedActivations, w: PackedWeights, opts: Omit<BinaryDenseOptions, 'path'> = {}): DenseResult {
  const M = rows('dorefa2Dense', x, w, 2);
  const N = w.OC;
  const [ptr, allocated] = dest(opts.into, M, N, opts.output);
  const [mode, p1, p2] = outputArgs(opts.output);
  const [accBits, accMode] = accumulatorArgs(opts.accumulator);
  const ldo = opts.output?.kind === 'bits' ? Math.ceil(N / 64) : N;
  const rowOut = outputPixelBytes(opts.output, N);
  splitCall('bserialGemm', M, 3, 4 * M * N * w.C, wasm().bserialGemmWorkspaceBytes(M, w.C), (s, e, ws) =>
    [e - s, N, w.C, x.ptr + s * x.pixelWords * 8, x.pixelWords, w.ptr, ptr + s * rowOut, ldo, mode, p1, p2, accBits, accMode, ws]);
  return { ptr, shape: [M, N], allocated };
}

// Binary conv2d, 2-bit bit-serial conv2d and binary max-pool on packed
// operands. A QuantConv2D forward with sign quantizers is:
//   const pad = samePad(..) (or NO_PAD for 'valid');
//   const xb = packActivations(x, [N,H,W,C], { pad });
//   const wb = packWeights(kernel, [KH,KW,C,OC]);
//   binaryConv2d(xb, wb, { strides, padValue, output: { kind: 'float', scale, bias } })
// with BatchNorm folded into scale/bias, or output 'bits' + `into` a buffer
// from allocPacked when the next layer binarizes its input.
import { wasm } from '../../wasm/module.js';
import { alloc } from '../../wasm/memory.js';
import { splitCall } from '../parallel.js';
import { ShapeError } from '../../tensor/shape.js';
import { pair, windowGeometry } from '../convGeometry.js';
import type { PackedActivations, PackedWeights, Pad } from './pack.js';
import { choosePath, log2Class } from './tune.js';
import { type BinaryOutput, type AccumulatorLimit, type KernelPath, outputArgs, accumulatorArgs, pathArg, outputPixelBytes }
  from './output.js';

type Ptr = number;

export interface BinaryConvOptions {
  strides?: number | [number, number];
  /** Larq pad_values for the border baked into x: 0 (default, exact zero padding) or 1. */
  padValue?: 0 | 1;
  output?: BinaryOutput;
  accumulator?: AccumulatorLimit;
  /** Destination pointer, or (bit output) a packed buffer whose interior receives the result. */
  into?: Ptr | PackedActivations;
  path?: KernelPath;
}

export interface ConvResult { ptr: Ptr; shape: [number, number, number, number]; allocated: boolean }

/** Keras 'same' padding of an H x W input for a KH x KW window at the given strides. */
export function samePad(H: number, W: number, KH: number, KW: number, strides: number | [number, number] = 1): Pad {
  const [SH, SW] = pair(strides, 'strides');
  const g = windowGeometry('samePad', [1, H, W, 1], [KH, KW], [SH, SW], 'same');
  return { top: g.PT, bottom: g.PB, left: g.PL, right: g.PR };
}

function outputGeometry(op: string, x: PackedActivations, KH: number, KW: number, SH: number, SW: number): [number, number] {
  const OH = Math.floor((x.H + x.pad.top + x.pad.bottom - KH) / SH) + 1;
  const OW = Math.floor((x.W + x.pad.left + x.pad.right - KW) / SW) + 1;
  if (OH < 1 || OW < 1) throw new ShapeError(`${op}: a ${KH}x${KW} window does not fit the ${x.H}x${x.W} input`);
  return [OH, OW];
}

// Where output pixel (n, oy, ox) goes: a plain NHWC block, or the interior of
// a padded packed buffer (the next layer's input).
function destination(op: string, into: Ptr | PackedActivations | undefined, N: number, OH: number, OW: number,
  OC: number, output: BinaryOutput | undefined): { ptr: Ptr; rowPix: number; imgPix: number; allocated: boolean } {
  const pix = outputPixelBytes(output, OC);
  if (into === undefined) return { ptr: alloc(N * OH * OW * pix), rowPix: OW, imgPix: OH * OW, allocated: true };
  if (typeof into === 'number') return { ptr: into, rowPix: OW, imgPix: OH * OW, allocated: false };
  if (output?.kind !== 'bits') throw new Error(`${op}: writing into a packed buffer needs output kind 'bits'`);
  if (into.N !== N || into.H !== OH || into.W !== OW || into.C !== OC || into.planes !== 1) {
    throw new ShapeError(`${op}: destination buffer is [${into.N},${into.H},${into.W},${into.C}], output is [${N},${OH},${OW},${OC}]`);
  }
  const Wp = into.W + into.pad.left + into.pad.right;
  const Hp = into.H + into.pad.top + into.pad.bottom;
  return { ptr: into.ptr + (into.pad.top * Wp + into.pad.left) * pix, rowPix: Wp, imgPix: Hp * Wp, allocated: false };
}

// Bytes of one image of the packed (bordered) input, and of one output image.
function imageBytes(x: PackedActivations, outImage: number): [number, number] {
  return [(x.H + x.pad.top + x.pad.bottom) * (x.W + x.pad.left + x.pad.right) * x.pixelWords * 8, outImage];
}

function checkOperands(op: string, x: PackedActivations, w: PackedWeights, planes: number): void {
  if (x.planes !== planes || w.planes !== planes) throw new Error(`${op}: operands must be packed with planes=${planes}`);
  if (w.C !== x.C) throw new ShapeError(`${op}: kernel expects ${w.C} input channels, input has ${x.C}`);
}

export function binaryConv2d(x: PackedActivations, w: PackedWeights, opts: BinaryConvOptions = {}): ConvResult {
  checkOperands('binaryConv2d', x, w, 1);
  const [SH, SW] = pair(opts.strides ?? 1, 'binaryConv2d strides');
  const [OH, OW] = outputGeometry('binaryConv2d', x, w.KH, w.KW, SH, SW);
  const dst = destination('binaryConv2d', opts.into, x.N, OH, OW, w.OC, opts.output);
  const [mode, p1, p2] = outputArgs(opts.output);
  const [accBits, accMode] = accumulatorArgs(opts.accumulator);
  const [imgIn, imgOut] = imageBytes(x, dst.imgPix * outputPixelBytes(opts.output, w.OC));
  const call = (path: number) => splitCall('bconv2d', x.N, 1, x.N * OH * OW * w.OC * w.KH * w.KW * x.C, wasm().bconv2dWorkspaceBytes(w.KH, w.KW, w.C, w.OC),
    (s, e, ws) => [x.ptr + s * imgIn, e - s, x.H, x.W, x.C, x.pad.top, x.pad.bottom, x.pad.left, x.pad.right,
      w.ptr, w.OC, w.KH, w.KW, SH, SW, opts.padValue ?? 0,
      dst.ptr + s * imgOut, dst.rowPix, dst.imgPix, mode, p1, p2, accBits, accMode, path, ws]);
  const key = `conv:${w.KH}x${w.KW}s${SH}x${SW}:c${log2Class(w.C / 64)}:o${log2Class(w.OC)}:p${Math.min(14, log2Class(x.N * OH * OW))}`;
  call(pathArg(choosePath(opts.path, key, (p) => call(pathArg(p)))));
  return { ptr: dst.ptr, shape: [x.N, OH, OW, w.OC], allocated: dst.allocated };
}

/**
 * 2-bit DoReFa conv2d (zero padding) on plane-packed operands. The integer
 * result is D = 9 * sum(x*w); give scale/9 for a float output.
 */
export function dorefa2Conv2d(x: PackedActivations, w: PackedWeights,
  opts: Omit<BinaryConvOptions, 'padValue' | 'path'> = {}): ConvResult {
  checkOperands('dorefa2Conv2d', x, w, 2);
  const [SH, SW] = pair(opts.strides ?? 1, 'dorefa2Conv2d strides');
  const [OH, OW] = outputGeometry('dorefa2Conv2d', x, w.KH, w.KW, SH, SW);
  const dst = destination('dorefa2Conv2d', opts.into, x.N, OH, OW, w.OC, opts.output);
  const [mode, p1, p2] = outputArgs(opts.output);
  const [accBits, accMode] = accumulatorArgs(opts.accumulator);
  const [imgIn, imgOut] = imageBytes(x, dst.imgPix * outputPixelBytes(opts.output, w.OC));
  splitCall('bserialConv2d', x.N, 1, 4 * x.N * OH * OW * w.OC * w.KH * w.KW * x.C,
    wasm().bserialConv2dWorkspaceBytes(x.N, OH, OW, w.KH, w.KW, w.C),
    (s, e, ws) => [x.ptr + s * imgIn, e - s, x.H, x.W, x.C, x.pad.top, x.pad.bottom, x.pad.left, x.pad.right,
      w.ptr, w.OC, w.KH, w.KW, SH, SW, dst.ptr + s * imgOut, dst.rowPix, dst.imgPix, mode, p1, p2, accBits, accMode, ws]);
  return { ptr: dst.ptr, shape: [x.N, OH, OW, w.OC], allocated: dst.allocated };
}

export interface BinaryPoolOptions {
  strides?: number | [number, number];
  padding?: 'valid' | 'same';
  into?: Ptr | PackedActivations;
}

/** Max-pool of ±1 activations on bits (x without border), Keras window geometry. */
export function binaryMaxPool2d(x: PackedActivations, pool: number | [number, number], opts: BinaryPoolOptions = {}): ConvResult {
  if (x.planes !== 1) throw new Error('binaryMaxPool2d: input must be sign bits (planes=1)');
  if (x.pad.top + x.pad.bottom + x.pad.left + x.pad.right !== 0) throw new Error('binaryMaxPool2d: input must have no border');
  const [KH, KW] = pair(pool, 'binaryMaxPool2d pool size');
  const strides = pair(opts.strides ?? [KH, KW], 'binaryMaxPool2d strides');
  const g = windowGeometry('binaryMaxPool2d', [x.N, x.H, x.W, x.C], [KH, KW], strides, opts.padding ?? 'valid');
  const bits: BinaryOutput = { kind: 'bits', thresholds: 0 };
  const dst = destination('binaryMaxPool2d', opts.into, x.N, g.OH, g.OW, x.C, bits);
  wasm().bmaxpool2d(x.ptr, x.N, x.H, x.W, x.pixelWords, KH, KW, g.SH, g.SW, g.PT, g.PL, g.OH, g.OW,
    dst.ptr, dst.rowPix, dst.imgPix);
  return { ptr: dst.ptr, shape: [x.N, g.OH, g.OW, x.C], allocated: dst.allocated };
}

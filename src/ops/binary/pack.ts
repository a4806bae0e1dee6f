// Packed operands of the binary kernels: activations as NHWC bits (or 2-bit
// planes) with an optional zero border for 'same' convolutions, weights as
// the kernels' 4-channel panels. Thin owners of a block of linear memory.
import { wasm } from '../../wasm/module.js';
import { alloc, free, scratch, u8View } from '../../wasm/memory.js';
import { ShapeError, shapeStr } from '../../tensor/shape.js';

type Ptr = number;
export type Planes = 1 | 2;

export interface Pad { top: number; bottom: number; left: number; right: number }
export const NO_PAD: Pad = { top: 0, bottom: 0, left: 0, right: 0 };

/** Packed activations: logical [N, H, W, C], stored [N, H+top+bottom, W+left+right, words]. */
export interface PackedActivations {
  ptr: Ptr;
  N: number; H: number; W: number; C: number;
  pad: Pad;
  planes: Planes;
  /** u64 words per pixel: ceil(C/64) * planes. */
  pixelWords: number;
  bytes: number;
  /** Frees the memory if this object allocated it. */
  dispose(): void;
}

export interface PackedWeights {
  ptr: Ptr;
  KH: number; KW: number; C: number; OC: number;
  planes: Planes;
  bytes: number;
  dispose(): void;
}

function checkDims(op: string, dims: readonly number[]): void {
  if (!dims.every((d) => Number.isInteger(d) && d >= 1)) throw new ShapeError(`${op}: bad shape ${shapeStr(dims)}`);
}

export function packedBytes(N: number, H: number, W: number, C: number, pad: Pad = NO_PAD, planes: Planes = 1): number {
  return N * (H + pad.top + pad.bottom) * (W + pad.left + pad.right) * Math.ceil(C / 64) * planes * 8;
}

function owner(ptr: Ptr, owned: boolean): () => void {
  let live = owned;
  return () => {
    if (live) free(ptr);
    live = false;
  };
}

/**
 * A zero-filled packed buffer (borders included): the destination of a
 * binary conv with bit output that feeds another binary layer (see
 * outputInto in conv.ts).
 */
export function allocPacked(N: number, H: number, W: number, C: number, pad: Pad = NO_PAD, planes: Planes = 1): PackedActivations {
  checkDims('allocPacked', [N, H, W, C]);
  const bytes = packedBytes(N, H, W, C, pad, planes);
  const ptr = alloc(bytes);
  u8View(ptr, bytes).fill(0);
  return { ptr, N, H, W, C, pad, planes, pixelWords: Math.ceil(C / 64) * planes, bytes, dispose: owner(ptr, true) };
}

/**
 * Packs f32 activations x[N,H,W,C] (x < 0 -> bit 1; planes 2: DoReFa codes
 * round(3*clip(x,0,1))), with a zero border of `pad`. Writes into `out` when
 * given (at least packedBytes(..) bytes), else allocates.
 */
export function packActivations(x: Ptr, shape: readonly [number, number, number, number],
  opts: { pad?: Pad; planes?: Planes; out?: Ptr } = {}): PackedActivations {
  const [N, H, W, C] = shape;
  checkDims('packActivations', shape);
  const pad = opts.pad ?? NO_PAD;
  const planes = opts.planes ?? 1;
  const bytes = packedBytes(N, H, W, C, pad, planes);
  const ptr = opts.out ?? alloc(bytes);
  wasm().bitpackNHWC(x, N, H, W, C, pad.top, pad.bottom, pad.left, pad.right, planes, ptr);
  return { ptr, N, H, W, C, pad, planes, pixelWords: Math.ceil(C / 64) * planes, bytes, dispose: owner(ptr, opts.out === undefined) };
}

/** Rows x[M,K] packed for binaryDense (a [M,1,1,K] image). */
export function packRows(x: Ptr, M: number, K: number, opts: { planes?: Planes; out?: Ptr } = {}): PackedActivations {
  return packActivations(x, [M, 1, 1, K], opts);
}

/**
 * Packs HWIO weights [KH,KW,C,OC] (or a dense kernel [K,N]) into panels.
 * planes 2 expects weights on the 2-bit DoReFa grid {-1,-1/3,1/3,1}.
 * Training re-packs every forward pass (the latent weights change); the
 * cost is one pass over the float kernel.
 */
export function packWeights(w: Ptr, shape: readonly number[], opts: { planes?: Planes; out?: Ptr } = {}): PackedWeights {
  let dims: [number, number, number, number];
  if (shape.length === 2) dims = [1, 1, shape[0], shape[1]];
  else if (shape.length === 4) dims = [shape[0], shape[1], shape[2], shape[3]];
  else throw new ShapeError(`packWeights: kernel must be [KH,KW,C,OC] or [K,N], got ${shapeStr(shape)}`);
  checkDims('packWeights', dims);
  const [KH, KW, C, OC] = dims;
  const planes = opts.planes ?? 1;
  const k = wasm();
  const bytes = k.bitpackWeightsBytes(KH, KW, C, OC, planes);
  const ptr = opts.out ?? alloc(bytes);
  k.bitpackWeights(w, KH, KW, C, OC, planes, ptr, scratch(k.bitpackWeightsWorkspaceBytes(), 'bitpackWeights'));
  return { ptr, KH, KW, C, OC, planes, bytes, dispose: owner(ptr, opts.out === undefined) };
}

/** Unpacks bits without border to f32 ±1 (planes 2: a/3) into `out` f32[N,H,W,C]. */
export function unpackActivations(p: PackedActivations, out: Ptr): void {
  if (p.pad.top + p.pad.bottom + p.pad.left + p.pad.right !== 0) {
    throw new Error('unpackActivations: buffer has a border; unpack the un-padded output instead');
  }
  wasm().bitunpackNHWC(p.ptr, p.N, p.H, p.W, p.C, p.planes, out);
}

// Bit errors at a packed layer whose input is shared by many chips (the clean
// prefix of a batch): the integer dots of the error-free weights are computed
// once per batch, and each chip adds only what its changed weights change,
//   dot'[.., co] = dot[.., co] + (w'[k, co] - w[k, co]) * x[.., k],
// exact integer arithmetic, so the result equals the kernel on the chip's
// own packed weights. Worth it while a chip changes few weights (a
// bit-error rate of 1e-3 changes ~18 of conv2's 18432 weights in larq-mnist).
import type { Tensor } from '../tensor/tensor.js';
import { i32View, alloc, free } from '../wasm/memory.js';
import { Dense } from '../nn/layers/dense.js';
import type { Conv2D } from '../nn/layers/conv2d.js';
import { packActivations, packRows, binaryConv2d, binaryDense, samePad, NO_PAD, type PackedWeights, type Pad } from '../ops/binary/index.js';
import type { KernelLayer } from './perturbation.js';

/** Activations that several chips receive as the same tensor (set by the Monte-Carlo loop). */
export const sharedActivations = new WeakSet<Tensor>();

/** A changed weight: flat index in the kernel's [KH,KW,C,OC] / [K,N] order and w' - w (±2). */
export interface WeightChange { index: number; delta: number }

export function weightChanges(clean: Float32Array, perturbed: Float32Array): WeightChange[] {
  const out: WeightChange[] = [];
  for (let i = 0; i < clean.length; i++) if (perturbed[i] !== clean[i]) out.push({ index: i, delta: perturbed[i] - clean[i] });
  return out;
}

interface Geometry { N: number; H: number; W: number; C: number; OH: number; OW: number; OC: number; KH: number; KW: number; SH: number; SW: number; pad: Pad; padValue: number }

function geometry(layer: KernelLayer, x: Tensor): Geometry {
  if (layer instanceof Dense) {
    const [M, K] = x.shape;
    return { N: M, H: 1, W: 1, C: K, OH: 1, OW: 1, OC: layer.units, KH: 1, KW: 1, SH: 1, SW: 1, pad: NO_PAD, padValue: 0 };
  }
  const conv = layer as Conv2D;
  const [N, H, W, C] = x.shape;
  const [KH, KW] = conv.kernelSize;
  const [OH, OW] = [conv.outputShape![0], conv.outputShape![1]];
  const pad = conv.padding === 'same' ? samePad(H, W, KH, KW, conv.strides) : NO_PAD;
  return { N, H, W, C, OH, OW, OC: conv.filters, KH, KW, SH: conv.strides[0], SW: conv.strides[1], pad, padValue: (conv as { padValues?: number }).padValues ?? 0 };
}

/** Whether adding `changes` costs less than running the kernel (one JS multiply-add per output vs ~2 per 64-bit word). */
export function deltaPays(layer: KernelLayer, changes: number): boolean {
  const s = layer.kernel!.shape;
  const words = Math.ceil(s[s.length - 2] / 64) * (s.length === 4 ? s[0] * s[1] : 1);
  return changes < 2 * s[s.length - 1] * words;
}

interface CleanResult { dots: Int32Array; signs: Int8Array }
const cleanCache = new WeakMap<Tensor, Map<KernelLayer, CleanResult>>();

function cleanDots(layer: KernelLayer, x: Tensor, cleanWeights: PackedWeights, g: Geometry): CleanResult {
  let perLayer = cleanCache.get(x);
  if (!perLayer) cleanCache.set(x, (perLayer = new Map()));
  let r = perLayer.get(layer);
  if (r) return r;
  const n = g.N * g.OH * g.OW * g.OC;
  const out = alloc(n * 4);
  if (layer instanceof Dense) {
    const xp = packRows(x.ptr, g.N, g.C);
    binaryDense(xp, cleanWeights, { output: { kind: 'int' }, into: out });
    xp.dispose();
  } else {
    const xp = packActivations(x.ptr, [g.N, g.H, g.W, g.C], { pad: g.pad });
    binaryConv2d(xp, cleanWeights, { strides: [g.SH, g.SW], padValue: g.padValue as 0 | 1, output: { kind: 'int' }, into: out });
    xp.dispose();
  }
  const dots = i32View(out, n).slice();
  free(out);
  const xs = x.data;
  const signs = new Int8Array(xs.length);
  for (let i = 0; i < xs.length; i++) signs[i] = xs[i] < 0 ? -1 : 1;
  r = { dots, signs };
  perLayer.set(layer, r);
  return r;
}

/** The chip's integer dots: the shared clean dots plus its weight changes. */
export function dotsWithChanges(layer: KernelLayer, x: Tensor, cleanWeights: PackedWeights, changes: readonly WeightChange[]): Int32Array {
  const g = geometry(layer, x);
  const { dots: clean, signs } = cleanDots(layer, x, cleanWeights, g);
  const dots = clean.slice();
  const { N, H, W, C, OH, OW, OC, KW, SH, SW, pad, padValue } = g;
  for (const { index, delta } of changes) {
    const co = index % OC;
    const rest = (index - co) / OC;
    const ci = rest % C;
    const tap = (rest - ci) / C;
    const kw = tap % KW;
    const kh = (tap - kw) / KW;
    for (let n = 0; n < N; n++) for (let oy = 0; oy < OH; oy++) {
      const iy = oy * SH - pad.top + kh;
      const rowInside = iy >= 0 && iy < H;
      let o = ((n * OH + oy) * OW) * OC + co;
      for (let ox = 0; ox < OW; ox++, o += OC) {
        const ix = ox * SW - pad.left + kw;
        const v = rowInside && ix >= 0 && ix < W ? signs[((n * H + iy) * W + ix) * C + ci] : padValue;
        dots[o] += delta * v;
      }
    }
  }
  return dots;
}

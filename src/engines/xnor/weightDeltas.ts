// Bit errors at a packed layer whose input is shared by many chips (the clean
// prefix of a batch): the integer dots of the error-free weights are computed
// once per batch, and each chip adds only what its changed weights change,
//   dot'[.., co] = dot[.., co] + (w'[k, co] - w[k, co]) * x[.., k],
// exact integer arithmetic, so the result equals the kernel on the chip's
// own packed weights. Worth it while a chip changes few weights (a
// bit-error rate of 1e-3 changes ~18 of conv2's 18432 weights in larq-mnist).
import type { Tensor } from '../../tensor/tensor.js';
import { f32View, alloc, free } from '../../wasm/memory.js';
import type { ProductLayer } from '../../nn/productLayer.js';
import { packActivations, packRows, binaryConv2d, binaryDense, samePad, NO_PAD, type PackedWeights, type Pad } from '../../ops/binary/index.js';
import type { SharedBatch } from '../engine.js';

/** A changed weight: flat index in the kernel's [KH,KW,C,OC] / [K,N] order and w' - w (±2). */
export interface WeightChange { index: number; delta: number }

export function weightChanges(clean: Float32Array, perturbed: Float32Array): WeightChange[] {
  const out: WeightChange[] = [];
  for (let i = 0; i < clean.length; i++) if (perturbed[i] !== clean[i]) out.push({ index: i, delta: perturbed[i] - clean[i] });
  return out;
}

interface Geometry { N: number; H: number; W: number; C: number; OH: number; OW: number; OC: number; KH: number; KW: number; SH: number; SW: number; pad: Pad; padValue: number }

function geometry(layer: ProductLayer, x: Tensor): Geometry {
  const spec = layer.spec;
  if (spec.kind === 'dense') {
    const [M, K] = x.shape;
    return { N: M, H: 1, W: 1, C: K, OH: 1, OW: 1, OC: spec.units, KH: 1, KW: 1, SH: 1, SW: 1, pad: NO_PAD, padValue: 0 };
  }
  if (spec.kind !== 'conv2d') throw new Error(`weight deltas: layer "${layer.name}" is a ${spec.kind}, not a dense or conv2d product`);
  const [N, H, W, C] = x.shape;
  const [KH, KW] = spec.kernelSize;
  const [OH, OW] = [layer.outputShape![0], layer.outputShape![1]];
  const pad = spec.padding === 'same' ? samePad(H, W, KH, KW, spec.strides) : NO_PAD;
  return { N, H, W, C, OH, OW, OC: spec.filters, KH, KW, SH: spec.strides[0], SW: spec.strides[1], pad, padValue: spec.padding === 'same' ? spec.padValue : 0 };
}

/**
 * Whether adding `changes` costs less than running the kernel: one JS
 * multiply-add per output pixel and change against the kernel's XNOR-popcount
 * per 64-bit word and output (measured on larq-mnist's conv2: 18 changes
 * 0.06 s, the kernel 0.5 s per 10k images; break-even near a quarter of the
 * words per output).
 */
export function deltaPays(layer: ProductLayer, changes: number): boolean {
  const s = layer.kernelSlots()[0].variable.shape;
  const words = Math.ceil(s[s.length - 2] / 64) * (s.length === 4 ? s[0] * s[1] : 1);
  return changes < (s[s.length - 1] * words) / 4;
}

interface CleanResult { dots: Float32Array; signs: Int8Array }

/** The error-free dots of a shared input, once per batch. */
function cleanDots(layer: ProductLayer, x: Tensor, cleanWeights: PackedWeights, g: Geometry, shared: SharedBatch): CleanResult {
  return shared.memo(x, `${layer.name}/clean-dots`, () => computeCleanDots(layer, x, cleanWeights, g));
}

function computeCleanDots(layer: ProductLayer, x: Tensor, cleanWeights: PackedWeights, g: Geometry): CleanResult {
  const n = g.N * g.OH * g.OW * g.OC;
  // float output with scale 1: f32(dot), exact; kept as f32 so that each chip's copy is a plain memcpy
  const out = alloc(n * 4);
  const ones = alloc(g.OC * 4);
  f32View(ones, g.OC).fill(1);
  const output = { kind: 'float' as const, scale: ones };
  if (layer.spec.kind === 'dense') {
    const xp = packRows(x.ptr, g.N, g.C);
    binaryDense(xp, cleanWeights, { output, into: out });
    xp.dispose();
  } else {
    const xp = packActivations(x.ptr, [g.N, g.H, g.W, g.C], { pad: g.pad });
    binaryConv2d(xp, cleanWeights, { strides: [g.SH, g.SW], padValue: g.padValue as 0 | 1, output, into: out });
    xp.dispose();
  }
  const dots = f32View(out, n).slice();
  free(out);
  free(ones);
  const xs = x.data;
  const signs = new Int8Array(xs.length);
  for (let i = 0; i < xs.length; i++) signs[i] = xs[i] < 0 ? -1 : 1;
  return { dots, signs };
}

/**
 * Writes the chip's dots into `out` (f32, exact for |dot| < 2^24): the shared
 * clean dots plus its weight changes. Pixel-major, so each output pixel's
 * channels stay in cache while every change is added to it.
 */
export function dotsWithChanges(layer: ProductLayer, x: Tensor, cleanWeights: PackedWeights, changes: readonly WeightChange[],
  out: Float32Array, shared: SharedBatch): void {
  const g = geometry(layer, x);
  const { dots: clean, signs } = cleanDots(layer, x, cleanWeights, g, shared);
  out.set(clean);
  const { N, H, W, C, OH, OW, OC, KH, KW, SH, SW, pad, padValue } = g;
  const n = changes.length;
  const co = new Int32Array(n), ci = new Int32Array(n), kh = new Int32Array(n), kw = new Int32Array(n), dl = new Int32Array(n);
  const off = new Int32Array(n); // offset of the tap's input value from the window's top-left input
  changes.forEach(({ index, delta }, j) => {
    co[j] = index % OC;
    const rest = (index - co[j]) / OC;
    ci[j] = rest % C;
    const tap = (rest - ci[j]) / C;
    kw[j] = tap % KW;
    kh[j] = (tap - kw[j]) / KW;
    dl[j] = delta;
    off[j] = (kh[j] * W + kw[j]) * C + ci[j];
  });
  let o = 0;
  for (let b = 0; b < N; b++) for (let oy = 0; oy < OH; oy++) {
    const y0 = oy * SH - pad.top;
    const rowInside = y0 >= 0 && y0 + KH <= H;
    for (let ox = 0; ox < OW; ox++, o += OC) {
      const x0 = ox * SW - pad.left;
      if (rowInside && x0 >= 0 && x0 + KW <= W) {
        const base = ((b * H + y0) * W + x0) * C;
        for (let j = 0; j < n; j++) out[o + co[j]] += dl[j] * signs[base + off[j]];
        continue;
      }
      for (let j = 0; j < n; j++) {
        const iy = y0 + kh[j];
        const ix = x0 + kw[j];
        const v = iy >= 0 && iy < H && ix >= 0 && ix < W ? signs[((b * H + iy) * W + ix) * C + ci[j]] : padValue;
        out[o + co[j]] += dl[j] * v;
      }
    }
  }
}

// Saturating multipliers: every single product x·w of a Dense/Conv2D is held
// in a b-bit register before it is accumulated (the user's "8-bit multiplier
// saturating at 0..255"). Products are counted in integer codes: x = a·dx,
// w = c·dw, product code a·c, clamped (or wrapped) to the register range,
// then summed as code·dx·dw.
//
// A quantized input takes few distinct values, so the layer's product is
// rebuilt as sum over input levels v of  op(1[x = v], limit(v·W)),  one
// matmul/conv per level on the same fast kernels, exact for any layer shape.
// The layer's input is only visible inside its call, so attach() wraps the
// layer's call on the instance (removed on detach) to see it.
//
// Gradient: straight-through, as if the products were not limited (the
// backward pass of the plain product).
import { Tensor } from '../tensor/tensor.js';
import { record, accumulateGrad, noGrad } from '../autograd/graph.js';
import type { CallContext, Layer, LayerTransform } from '../nn/layer.js';
import type { Sequential } from '../nn/sequential.js';
import type { Quantizer } from '../quantizers/quantizer.js';
import { Dense } from '../nn/layers/dense.js';
import { Conv2D } from '../nn/layers/conv2d.js';
import { matmul } from '../ops/matmul.js';
import { conv2d } from '../ops/conv2d.js';
import { quantize, padForSame } from '../nn/layers/quantCommon.js';
import { type LayerSelector, type Perturbation, type KernelLayer, selectLayers } from './perturbation.js';
import { intRange, limitValue, type IntRange, type OverflowMode } from './saturation.js';

const MAX_LEVELS = 64;

export interface SaturatingMultiplierOptions {
  /** Width of the product register. */
  bits: number;
  /** Default false: the user's 0..2^b-1 example. */
  signed?: boolean;
  mode?: OverflowMode;
  /** Value of one input code (default: from the input quantizer: 1 for sign, 1/(2^k-1) for DoReFa k-bit). */
  inputStep?: number;
  /** Value of one weight code (default: from the kernel quantizer, as inputStep). */
  weightStep?: number;
  /** Default 'all'. */
  layers?: LayerSelector;
}

/** Step of a quantizer's output grid, when the quantizer is one whose grid is known. */
export function quantizerStep(q: Quantizer | null | undefined): number | null {
  if (!q) return null;
  if (q.className === 'DoReFa') return 1 / (2 ** q.precision - 1);
  if (['SteSign', 'ApproxSign', 'SwishSign', 'SteHeaviside', 'SteTern'].includes(q.className)) return 1;
  return null;
}

function codeProduct(v: number, w: number, dx: number, dw: number): number {
  const u = (v / dx) * (w / dw);
  const r = Math.round(u);
  return Math.abs(u - r) < 1e-3 ? r : u;
}

/** limit(v·W) in values: each entry's product code clamped or wrapped. */
function limitedKernel(v: number, w: Float32Array, shape: readonly number[], dx: number, dw: number, r: IntRange, mode: OverflowMode): Tensor {
  const t = new Tensor(shape);
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] = limitValue(codeProduct(v, w[i], dx, dw), r, mode) * dx * dw;
  return t;
}

function levels(x: Float32Array, layer: string): number[] {
  const seen = new Set<number>();
  for (let i = 0; i < x.length; i++) {
    if (x[i] !== 0) seen.add(x[i]);
    if (seen.size > MAX_LEVELS) {
      throw new Error(`SaturatingMultiplier: the input of layer "${layer}" takes more than ${MAX_LEVELS} values; ` +
        'saturating multipliers model quantized (k-bit) layers: give the layer an input quantizer or select other layers');
    }
  }
  return [...seen];
}

/** sum_v op(1[x = v], limit(v·W)) for a Dense or Conv2D layer's effective input and kernel. */
export function saturatedProduct(layer: KernelLayer, xq: Tensor, kernel: Tensor, dx: number, dw: number, r: IntRange, mode: OverflowMode,
  outShape: readonly number[]): Tensor {
  return noGrad(() => {
    let x = xq;
    let padding: 'valid' | 'same' = 'valid';
    if (layer instanceof Conv2D) {
      const pv = (layer as { padValues?: number }).padValues ?? 0;
      const p = padForSame(xq, layer.padding, pv, layer.kernelSize, layer.strides);
      x = p.x;
      padding = p.padding;
    }
    const xs = x.data;
    const w = kernel.toArray();
    let acc: Tensor | null = null;
    for (const v of levels(xs, layer.name)) {
      const mask = new Tensor(x.shape);
      const m = mask.data;
      const xv = x.data;
      for (let i = 0; i < m.length; i++) m[i] = xv[i] === v ? 1 : 0;
      const wk = limitedKernel(v, w, kernel.shape, dx, dw, r, mode);
      const part = layer instanceof Dense ? matmul(mask, wk) : conv2d(mask, wk, { strides: layer.strides, padding });
      if (acc === null) acc = part;
      else {
        const a = acc.data;
        const p = part.data;
        for (let i = 0; i < a.length; i++) a[i] += p[i];
      }
    }
    return acc ?? Tensor.zeros(outShape);
  });
}

/** Output with y_sat's values and the gradient of y (straight-through). */
function straightThrough(y: Tensor, ySat: Tensor): Tensor {
  const out = ySat.clone();
  return record(out, 'saturatingMultiplier', [y], (g) => accumulateGrad(y, g.clone()));
}

export class SaturatingMultiplier implements Perturbation {
  readonly kind = 'multiplier';
  readonly range: IntRange;
  readonly opts: SaturatingMultiplierOptions;

  constructor(opts: SaturatingMultiplierOptions) {
    this.range = intRange(opts.bits, opts.signed ?? false);
    const mode = opts.mode ?? 'saturate';
    if (mode !== 'saturate' && mode !== 'wrap') throw new Error(`SaturatingMultiplier: mode must be saturate or wrap, got "${mode}"`);
    this.opts = { ...opts, signed: opts.signed ?? false, mode, layers: opts.layers ?? 'all' };
  }

  attach(model: Sequential): () => void {
    const layers = selectLayers(model, this.opts.layers!, 'SaturatingMultiplier', true) as KernelLayer[];
    const detach = layers.map((l) => this.hook(l));
    return () => detach.forEach((d) => d());
  }

  private steps(layer: KernelLayer): [number, number] {
    const q = layer as { inputQuantizer?: Quantizer | null; kernelQuantizer?: Quantizer | null };
    const dx = this.opts.inputStep ?? quantizerStep(q.inputQuantizer);
    const dw = this.opts.weightStep ?? quantizerStep(q.kernelQuantizer);
    if (dx === null || dw === null) {
      throw new Error(`SaturatingMultiplier: layer "${layer.name}" has no known ${dx === null ? 'input' : 'weight'} grid; ` +
        `give ${dx === null ? 'inputStep' : 'weightStep'} (the value of one code)`);
    }
    return [dx, dw];
  }

  private hook(layer: KernelLayer): () => void {
    if (Object.hasOwn(layer, 'call')) throw new Error(`SaturatingMultiplier: layer "${layer.name}" already has one attached`);
    const [dx, dw] = this.steps(layer);
    const slot: { x: Tensor | null; kernel: Tensor | null } = { x: null, kernel: null };
    const capture: LayerTransform = { name: 'capture-kernel', apply: (w) => (slot.kernel = w) };
    const replace: LayerTransform = {
      name: `saturating-multiplier-${this.range.hi}`,
      apply: (y: Tensor, _ctx: CallContext, _l: Layer) => {
        const xq = noGrad(() => quantize((layer as { inputQuantizer?: Quantizer | null }).inputQuantizer ?? null, slot.x!));
        return straightThrough(y, saturatedProduct(layer, xq, slot.kernel!, dx, dw, this.range, this.opts.mode!, y.shape));
      },
    };
    const original = Object.getPrototypeOf(layer).call as Layer['call'];
    // The kernel is captured after every other kernel transform and the
    // product replaced before any other accumulator transform, whatever the
    // order in which perturbations were attached.
    layer.call = (x: Tensor, ctx: CallContext): Tensor => {
      move(layer.kernelTransforms, capture, 'end');
      move(layer.accumulatorTransforms, replace, 'start');
      slot.x = x;
      try {
        return original.call(layer, x, ctx);
      } finally {
        slot.x = null;
        slot.kernel = null;
      }
    };
    layer.kernelTransforms.push(capture);
    layer.accumulatorTransforms.unshift(replace);
    return () => {
      delete (layer as { call?: unknown }).call;
      for (const [list, t] of [[layer.kernelTransforms, capture], [layer.accumulatorTransforms, replace]] as const) {
        const i = list.indexOf(t);
        if (i >= 0) list.splice(i, 1);
      }
    };
  }

  toJSON(): Record<string, unknown> {
    return { kind: this.kind, ...this.opts, lo: this.range.lo, hi: this.range.hi };
  }
}

function move(list: LayerTransform[], t: LayerTransform, where: 'start' | 'end'): void {
  const i = list.indexOf(t);
  if (i < 0 || (where === 'end' ? i === list.length - 1 : i === 0)) return;
  list.splice(i, 1);
  if (where === 'end') list.push(t);
  else list.unshift(t);
}

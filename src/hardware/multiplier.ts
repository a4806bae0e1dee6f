// Saturating multipliers: every single product x·w of a product layer is held
// in a b-bit register before it is accumulated (the user's "8-bit multiplier
// saturating at 0..255"). Products are counted in integer codes: x = a·dx,
// w = c·dw, product code a·c, clamped (or wrapped) to the register range,
// then summed as code·dx·dw.
//
// A quantized input takes few distinct values, so the layer's product is
// rebuilt as sum over input levels v of  multiply(1[x = v], limit(v·W)),  one
// product per level through the layer's own padded-product step (so padding
// cells count as the inputs they are), exact for any layer shape. It attaches
// as the layer's product hook (nn/hooks.ts), which receives the quantized
// input and kernels after their own hooks.
//
// Gradient: straight-through, as if the products were not limited (the
// backward pass of the plain product).
import { Tensor } from '../tensor/tensor.js';
import { record, accumulateGrad, noGrad } from '../autograd/graph.js';
import type { CallContext, HookSite, ProductHook, ProductOperands } from '../nn/hooks.js';
import type { ProductLayer } from '../nn/productLayer.js';
import { quantizerStep } from '../quantizers/describe.js';
import { ConfigError } from '../errors.js';
import { type LayerContainer, type LayerSelector, type Perturbation, selectLayers } from './perturbation.js';
import { intRange, limitValue, type IntRange, type OverflowMode } from './saturation.js';

const MAX_LEVELS = 64;

export interface SaturatingMultiplierOptions {
  /** Width of the product register. */
  bits: number;
  /** Default false: the user's 0..2^b-1 example. */
  signed?: boolean;
  mode?: OverflowMode;
  /** Value of one input code (default: the input quantizer's step: 1 for sign, 1/(2^k-1) for DoReFa k-bit). */
  inputStep?: number;
  /** Value of one weight code (default: the kernel quantizer's step, as inputStep). */
  weightStep?: number;
  /** Default 'all'. */
  layers?: LayerSelector;
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
      throw new ConfigError(`SaturatingMultiplier: the input of layer "${layer}" takes more than ${MAX_LEVELS} values; ` +
        'saturating multipliers model quantized (k-bit) layers: give the layer an input quantizer or select other layers');
    }
  }
  return [...seen];
}

/** sum_v multiplyPadded(1[x = v], limit(v·W)) for a one-kernel product layer's quantized input and kernel. */
export function saturatedProduct(layer: ProductLayer, xq: Tensor, kernel: Tensor, dx: number, dw: number, r: IntRange, mode: OverflowMode,
  outShape: readonly number[]): Tensor {
  return noGrad(() => {
    const p = layer.padInput(xq);
    const xs = p.x.data;
    const w = kernel.toArray();
    let acc: Tensor | null = null;
    for (const v of levels(xs, layer.name)) {
      const mask = new Tensor(p.x.shape);
      const m = mask.data;
      const xv = p.x.data;
      for (let i = 0; i < m.length; i++) m[i] = xv[i] === v ? 1 : 0;
      const part = layer.multiplyPadded({ x: mask, padding: p.padding }, [limitedKernel(v, w, kernel.shape, dx, dw, r, mode)]);
      if (acc === null) acc = part;
      else {
        const a = acc.data;
        const q = part.data;
        for (let i = 0; i < a.length; i++) a[i] += q[i];
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
    if (mode !== 'saturate' && mode !== 'wrap') throw new ConfigError(`SaturatingMultiplier: mode must be saturate or wrap, got "${mode}"`);
    this.opts = { ...opts, signed: opts.signed ?? false, mode, layers: opts.layers ?? 'all' };
  }

  attach(model: LayerContainer): () => void {
    const layers = selectLayers(model, this.opts.layers ?? 'all', 'SaturatingMultiplier', true);
    const detach: (() => void)[] = [];
    try {
      for (const l of layers) detach.push(l.hooks.attach('product', this.hook(l)));
    } catch (e) {
      for (const d of detach) d();
      throw e;
    }
    return () => detach.forEach((d) => d());
  }

  private steps(layer: ProductLayer): [number, number] {
    const slots = layer.kernelSlots();
    if (slots.length !== 1) {
      throw new ConfigError(`SaturatingMultiplier: layer "${layer.name}" chains ${slots.length} products (a separable convolution); ` +
        'saturating multipliers model one product per layer: select other layers');
    }
    const dx = this.opts.inputStep ?? quantizerStep(layer.inputQuantizer);
    const dw = this.opts.weightStep ?? quantizerStep(slots[0].quantizer);
    if (dx === null || dw === null) {
      throw new ConfigError(`SaturatingMultiplier: layer "${layer.name}" has no known ${dx === null ? 'input' : 'weight'} grid; ` +
        `give ${dx === null ? 'inputStep' : 'weightStep'} (the value of one code)`);
    }
    return [dx, dw];
  }

  private hook(layer: ProductLayer): ProductHook {
    const [dx, dw] = this.steps(layer);
    return {
      name: `saturating-multiplier-${this.range.hi}`,
      product: (operands: ProductOperands, _ctx: CallContext, _site: HookSite, plain: () => Tensor): Tensor => {
        const y = plain();
        return straightThrough(y, saturatedProduct(layer, operands.input, operands.kernels[0], dx, dw, this.range, this.opts.mode!, y.shape));
      },
    };
  }

  toJSON(): Record<string, unknown> {
    return { kind: this.kind, ...this.opts, lo: this.range.lo, hi: this.range.hi };
  }
}

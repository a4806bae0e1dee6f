// Saturating multipliers: every single product x·w of a product layer is held
// in a b-bit register before it is accumulated (the user's "8-bit multiplier
// saturating at 0..255"). Products are counted in integer codes: x = a·dx,
// w = c·dw, product code a·c, clamped (or wrapped) to the register range,
// then summed as code·dx·dw.
//
// A quantized operand takes few distinct values, so the layer's product is
// rebuilt as a sum over the levels v of whichever operand has fewer:
//   input levels:   sum_v  multiply(1[x = v], limit(v·W))
//   kernel levels:  sum_u  multiply(limit(x·u), 1[W = u])
// one product per level through the layer's own padded-product step (so
// padding cells count as the inputs they are), exact for any layer shape. A
// binary kernel has two levels, so a float-input layer whose input lies on a
// grid (8-bit pixels: step 1/255 after x/127.5 - 1) costs two products.
//
// Binary layers (±1 × ±1) can be modelled two ways (binaryEncoding):
//   'value': the product ±1 is a value in the register (an unsigned register
//            turns every -1 product into 0; signed registers of 2+ bits are
//            exact);
//   'xnor':  the XNOR-popcount datapath: each product is a bit (1 = +1), which
//            no multiplier clips; the bits are counted in an unsigned `bits`-bit
//            counter (saturating or wrapping) and the layer outputs
//            2·count - K, K the taps of each output (padding cells of a zero
//            'same' padding are no taps).
// It attaches as the layer's product hook (nn/hooks.ts), which receives the
// quantized input and kernels after their own hooks.
//
// Gradient: straight-through, as if the products were not limited (the
// backward pass of the plain product).
import { Tensor } from '../tensor/tensor.js';
import { record, accumulateGrad, noGrad } from '../autograd/graph.js';
import type { CallContext, HookSite, ProductHook, ProductOperands } from '../nn/hooks.js';
import type { ProductLayer } from '../nn/productLayer.js';
import { isSignQuantizer, quantizerStep } from '../quantizers/describe.js';
import { ConfigError } from '../errors.js';
import { type LayerContainer, type LayerSelector, type Perturbation, selectLayers } from './perturbation.js';
import { intRange, limitValue, type IntRange, type OverflowMode } from './saturation.js';

const MAX_LEVELS = 64;

export type BinaryEncoding = 'value' | 'xnor';

export interface SaturatingMultiplierOptions {
  /** Width of the product register. */
  bits: number;
  /** Default false: the user's 0..2^b-1 example. */
  signed?: boolean;
  mode?: OverflowMode;
  /** Value of one input code (default: the input quantizer's step: 1 for sign, 1/(2^k-1) for DoReFa k-bit). */
  inputStep?: number;
  /**
   * Value of one input code of layers without an input quantizer (a float
   * input on a known grid, e.g. 1/255 for 8-bit pixels scaled to [-1, 1]);
   * inputStep, when given, wins.
   */
  floatInputStep?: number;
  /** How a binary layer's ±1 products are represented (see above). Default 'value'. */
  binaryEncoding?: BinaryEncoding;
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

/** The distinct non-zero values of x, or null when there are more than MAX_LEVELS. */
function levels(x: Float32Array): number[] | null {
  const seen = new Set<number>();
  for (let i = 0; i < x.length; i++) {
    if (x[i] !== 0) seen.add(x[i]);
    if (seen.size > MAX_LEVELS) return null;
  }
  return [...seen];
}

/** Adds b into a (same shape), in place. */
function addInto(a: Tensor, b: Tensor): void {
  const ad = a.data;
  const bd = b.data;
  for (let i = 0; i < ad.length; i++) ad[i] += bd[i];
}

/**
 * The product of a one-kernel product layer with every single product x·w
 * limited to the register (in codes x/dx · w/dw), summed over the levels of
 * the operand with fewer levels.
 */
export function saturatedProduct(layer: ProductLayer, xq: Tensor, kernel: Tensor, dx: number, dw: number, r: IntRange, mode: OverflowMode,
  outShape: readonly number[]): Tensor {
  return noGrad(() => {
    const p = layer.padInput(xq);
    const xs = p.x.data;
    const w = kernel.toArray();
    const xLevels = levels(xs);
    const wLevels = levels(w);
    let acc: Tensor | null = null;
    if (wLevels !== null && (xLevels === null || wLevels.length <= xLevels.length)) {
      for (const u of wLevels) {
        const limited = new Tensor(p.x.shape);
        const ld = limited.data;
        const xv = p.x.data;
        for (let i = 0; i < ld.length; i++) ld[i] = limitValue(codeProduct(xv[i], u, dx, dw), r, mode) * dx * dw;
        const mask = new Tensor(kernel.shape);
        const md = mask.data;
        for (let i = 0; i < md.length; i++) md[i] = w[i] === u ? 1 : 0;
        const part = layer.multiplyPadded({ x: limited, padding: p.padding }, [mask]);
        if (acc === null) acc = part;
        else addInto(acc, part);
      }
    } else if (xLevels !== null) {
      for (const v of xLevels) {
        const mask = new Tensor(p.x.shape);
        const m = mask.data;
        const xv = p.x.data;
        for (let i = 0; i < m.length; i++) m[i] = xv[i] === v ? 1 : 0;
        const part = layer.multiplyPadded({ x: mask, padding: p.padding }, [limitedKernel(v, w, kernel.shape, dx, dw, r, mode)]);
        if (acc === null) acc = part;
        else addInto(acc, part);
      }
    } else {
      throw new ConfigError(`SaturatingMultiplier: the input and the kernel of layer "${layer.name}" both take more than ${MAX_LEVELS} values; ` +
        'saturating multipliers model quantized (k-bit) layers: give the layer an input or kernel quantizer or select other layers');
    }
    return acc ?? Tensor.zeros(outShape);
  });
}

/**
 * The XNOR-popcount datapath of a binary layer: count = (dot + K)/2 bits,
 * held in an unsigned counter, output 2·count' - K; K per output from the
 * layer's own product of ones (so padding cells of value 1 are taps, zero
 * padding cells are not).
 */
export function popcountLimited(layer: ProductLayer, xq: Tensor, kernel: Tensor, dot: Tensor, r: IntRange, mode: OverflowMode): Tensor {
  return noGrad(() => {
    const p = layer.padInput(xq);
    const ones = Tensor.ones(p.x.shape);
    const taps = layer.multiplyPadded({ x: ones, padding: p.padding }, [Tensor.ones(kernel.shape)]).data;
    const out = new Tensor(dot.shape);
    const o = out.data;
    const d = dot.data;
    for (let i = 0; i < o.length; i++) {
      const count = (d[i] + taps[i]) / 2;
      o[i] = 2 * limitValue(count, r, mode) - taps[i];
    }
    return out;
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
    const binaryEncoding = opts.binaryEncoding ?? 'value';
    if (binaryEncoding !== 'value' && binaryEncoding !== 'xnor') {
      throw new ConfigError(`SaturatingMultiplier: binaryEncoding must be "value" or "xnor", got "${String(binaryEncoding)}"`);
    }
    for (const k of ['inputStep', 'weightStep', 'floatInputStep'] as const) {
      const v = opts[k];
      if (v !== undefined && !(Number.isFinite(v) && v > 0)) throw new ConfigError(`SaturatingMultiplier: ${k} must be a positive number, got ${v}`);
    }
    this.opts = { ...opts, signed: opts.signed ?? false, mode, layers: opts.layers ?? 'all', binaryEncoding };
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
    const dx = this.opts.inputStep ?? (layer.inputQuantizer ? quantizerStep(layer.inputQuantizer) : this.opts.floatInputStep ?? null);
    const dw = this.opts.weightStep ?? quantizerStep(slots[0].quantizer);
    if (dx === null || dw === null) {
      throw new ConfigError(`SaturatingMultiplier: layer "${layer.name}" has no known ${dx === null ? 'input' : 'weight'} grid; ` +
        `give ${dx === null ? 'inputStep' : 'weightStep'} (the value of one code)`);
    }
    return [dx, dw];
  }

  private hook(layer: ProductLayer): ProductHook {
    const xnor = this.opts.binaryEncoding === 'xnor' && isSignQuantizer(layer.inputQuantizer) && isSignQuantizer(layer.kernelSlots()[0]?.quantizer);
    if (xnor && this.opts.signed) throw new ConfigError('SaturatingMultiplier: binaryEncoding "xnor" counts bits in an unsigned counter; drop signed: true');
    const [dx, dw] = xnor ? [1, 1] : this.steps(layer);
    return {
      name: `saturating-multiplier-${this.range.hi}${xnor ? '-xnor' : ''}`,
      product: (operands: ProductOperands, _ctx: CallContext, _site: HookSite, plain: () => Tensor): Tensor => {
        const y = plain();
        const limited = xnor
          ? popcountLimited(layer, operands.input, operands.kernels[0], y, this.range, this.opts.mode!)
          : saturatedProduct(layer, operands.input, operands.kernels[0], dx, dw, this.range, this.opts.mode!, y.shape);
        return straightThrough(y, limited);
      },
    };
  }

  /** The datapath assumption, in words, for reports. */
  describe(): string {
    const reg = `${this.opts.signed ? 'signed' : 'unsigned'} ${this.opts.bits}-bit register [${this.range.lo}, ${this.range.hi}] (${this.opts.mode})`;
    return this.opts.binaryEncoding === 'xnor'
      ? `binary layers: XNOR bits counted in an unsigned ${this.opts.bits}-bit counter [0, ${this.range.hi}] (${this.opts.mode}), output 2·count − K; other layers: each product in a ${reg}`
      : `each product (±1 products of binary layers as the values ±1) in a ${reg}`;
  }

  toJSON(): Record<string, unknown> {
    return { kind: this.kind, ...this.opts, lo: this.range.lo, hi: this.range.hi };
  }
}

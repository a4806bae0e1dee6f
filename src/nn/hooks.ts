// Hook points: where something outside a layer (a hardware model, a probe)
// may change what flows through it, without the layer knowing what it
// models. A product layer (productLayer.ts) computes
//
//   input ─quantize─▶ [input hooks] ─┐
//   kernel ─quantize─▶ [kernel hooks] ┴▶ product (or a product hook) ▶ [accumulator hooks] ▶ bias, activation ▶ [output hooks]
//
// and every layer honours output hooks. attach() returns the function that
// removes exactly that hook, so a model can be evaluated clean, perturbed
// and clean again. Engines other than the layer's own forward (packed,
// XNOR) read a hook's declared capabilities (bitErrors, accumulatorLimit)
// to run it natively, and refuse hooks they cannot express.
import type { Tensor } from '../tensor/tensor.js';
import type { Rng } from '../tensor/random.js';
import { ConfigError } from '../errors.js';

export interface CallContext {
  training: boolean;
  /** Randomness for dropout and training-time perturbations. */
  rng: Rng;
  /** The simulated chip of a hardware evaluation (src/hardware/chip.ts); absent otherwise. */
  chip?: ChipContext;
}

/** What hooks may ask of a simulated chip: keyed, reproducible random draws. */
export interface ChipContext {
  readonly seed: number;
  /** A fresh generator for a fixed (per-chip) draw, the same for the same key. */
  rng(key: string): Rng;
  /** A generator that continues across forward passes (temporal noise), one per key. */
  stream(key: string): Rng;
}

/** What a hook sees of the layer it runs in (a Layer; kept structural so that layer.ts can import this file). */
export interface HookLayer {
  readonly name: string;
  readonly className: string;
}

/** Where a hook runs: the layer, and for kernel hooks which of its kernels ('kernel', 'depthwise_kernel', ...). */
export interface HookSite {
  readonly layer: HookLayer;
  readonly kernel?: string;
}

/** A map of the tensor at a hook point. */
export interface TensorHook {
  readonly name: string;
  apply(x: Tensor, ctx: CallContext, site: HookSite): Tensor;
}

/** A kernel hook; `bitErrors` declares that its whole effect on a ±1 kernel is these per-weight error codes. */
export interface KernelHook extends TensorHook {
  /**
   * Codes (hardware/bitErrors.ts: 0 none, 1 flip, 2 stuck at +1, 3 stuck at -1)
   * for the `size` weights of the kernel at `site`, in the kernel's own order.
   * Engines on packed bits apply them to the bits instead of calling apply().
   */
  bitErrors?(ctx: CallContext, site: HookSite, size: number): Uint8Array;
}

/** An accumulator hook; `accumulatorLimit` declares it is exactly a signed b-bit register limit of an integer dot. */
export interface AccumulatorHook extends TensorHook {
  readonly accumulatorLimit?: { bits: number; mode: 'saturate' | 'wrap' } | null;
}

/** The operands of a product as the product sees them: the quantized input (before padding) and kernels, after their hooks. */
export interface ProductOperands {
  readonly input: Tensor;
  readonly kernels: readonly Tensor[];
}

/** Replaces a product layer's product (e.g. saturating multipliers); `plain` computes the unmodified one. */
export interface ProductHook {
  readonly name: string;
  product(operands: ProductOperands, ctx: CallContext, site: HookSite, plain: () => Tensor): Tensor;
}

export interface HookTypes {
  input: TensorHook;
  kernel: KernelHook;
  product: ProductHook;
  accumulator: AccumulatorHook;
  output: TensorHook;
}

export type HookPoint = keyof HookTypes;

export const HOOK_POINTS: readonly HookPoint[] = ['input', 'kernel', 'product', 'accumulator', 'output'];

/** A layer's hooks, by point. Which points a layer honours is fixed by the layer (all five for product layers, output for the others). */
export class LayerHooks {
  private readonly lists: { [P in HookPoint]: HookTypes[P][] } = { input: [], kernel: [], product: [], accumulator: [], output: [] };

  constructor(private readonly owner: () => string, readonly points: readonly HookPoint[]) {}

  /** Adds a hook at the end of `point`'s list; returns the function that removes it. */
  attach<P extends HookPoint>(point: P, hook: HookTypes[P]): () => void {
    if (!this.points.includes(point)) {
      throw new ConfigError(`layer "${this.owner()}" has no ${point} hook point (it honours: ${this.points.join(', ')})`);
    }
    if (point === 'product' && this.lists.product.length > 0) {
      throw new ConfigError(`layer "${this.owner()}" already has a product hook (${this.lists.product[0].name}); a product can be replaced once`);
    }
    const list = this.lists[point] as HookTypes[P][];
    list.push(hook);
    return () => {
      const i = list.indexOf(hook);
      if (i >= 0) list.splice(i, 1);
    };
  }

  list<P extends HookPoint>(point: P): readonly HookTypes[P][] {
    return this.lists[point];
  }

  /** Number of hooks at `point` (every point when omitted). */
  count(point?: HookPoint): number {
    return point ? this.lists[point].length : HOOK_POINTS.reduce((n, p) => n + this.lists[p].length, 0);
  }

  /** Runs the tensor hooks of a point in order. */
  run(point: 'input' | 'kernel' | 'accumulator' | 'output', x: Tensor, ctx: CallContext, site: HookSite): Tensor {
    let y = x;
    for (const h of this.lists[point]) y = h.apply(y, ctx, site);
    return y;
  }
}

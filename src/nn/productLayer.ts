// The forward contract of the layers that multiply and accumulate (Dense,
// Conv2D, DepthwiseConv2D, SeparableConv2D and their Quant forms): their
// forward pass is four named steps, so that every engine — this autograd
// forward, the XNOR layer runner, the packed compiler, a simulated chip —
// runs the same definition instead of re-implementing it:
//
//   1. quantizeInput(x)          the input quantizer (Larq's input_quantizer)
//   2. quantizeKernel(slot)      each kernel's quantizer (kernel_quantizer, ...)
//   3. multiply(xq, kernels)     the product proper: padInput (Larq's explicit
//                                'same' padding with pad_values) then multiplyPadded
//   4. epilogue(acc)             bias, then activation
//
// with the hook points of nn/hooks.ts between them. `spec` describes the
// product as data (kind and geometry), for engines that compile it.
import { Tensor } from '../tensor/tensor.js';
import type { Quantizer } from '../quantizers/quantizer.js';
import { isSignQuantizer } from '../quantizers/describe.js';
import { biasAdd } from '../ops/biasAdd.js';
import { activationByName } from '../ops/activations.js';
import { windowGeometry, type Padding } from '../ops/convGeometry.js';
import { pad2d } from '../ops/pad2d.js';
import { runtime } from '../runtime/runtime.js';
import { Layer } from './layer.js';
import { HOOK_POINTS, type CallContext, type HookPoint, type HookSite } from './hooks.js';
import type { Variable } from './variable.js';

/** The window of a convolution, as the product applies it. */
export interface WindowSpec {
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  /** Value of the cells 'same' padding adds (Larq's pad_values; 0 for float layers). */
  readonly padValue: number;
}

/** What a product layer computes, as data. */
export type ProductSpec =
  | { readonly kind: 'dense'; readonly units: number }
  | ({ readonly kind: 'conv2d'; readonly filters: number } & WindowSpec)
  | ({ readonly kind: 'depthwise_conv2d'; readonly depthMultiplier: number } & WindowSpec)
  | ({ readonly kind: 'separable_conv2d'; readonly filters: number; readonly depthMultiplier: number } & WindowSpec);

/** One kernel of the product with its quantizer. */
export interface KernelSlot {
  /** The variable's own name: 'kernel', 'depthwise_kernel', 'pointwise_kernel'. */
  readonly name: string;
  readonly variable: Variable;
  readonly quantizer: Quantizer | null;
}

/** The input as the product reads it, and the padding the product still applies itself. */
export interface PaddedInput {
  readonly x: Tensor;
  readonly padding: Padding;
}

export interface MultiplyOptions {
  /**
   * Both operands are exactly ±1 (sign-quantized input; sign kernels whose
   * only hooks are bit errors): the product may run on the XNOR-popcount
   * kernels, whose integers equal the float product's exactly.
   */
  readonly binary?: boolean;
}

export abstract class ProductLayer extends Layer {
  /** Quantizes the input before the product; null uses the input as is. */
  inputQuantizer: Quantizer | null = null;
  bias: Variable | null = null;
  abstract readonly activation: string;

  protected override hookPoints(): readonly HookPoint[] {
    return HOOK_POINTS;
  }

  /** The product as data: kind and geometry. */
  abstract get spec(): ProductSpec;

  /** The product's kernels in the order multiply() takes them (available once built). */
  abstract kernelSlots(): KernelSlot[];

  /** Step 3b: the product of a padded input (padInput) and quantized kernels in kernelSlots order. */
  abstract multiplyPadded(xp: PaddedInput, kernels: readonly Tensor[], opts?: MultiplyOptions): Tensor;

  /** Step 3a: 'same' padding with a non-zero pad value made explicit (window products); the input itself otherwise. */
  padInput(xq: Tensor): PaddedInput {
    const s = this.spec;
    return s.kind === 'dense' ? { x: xq, padding: 'valid' } : padForSame(xq, s);
  }

  /** Step 3: the product proper, padding included. */
  multiply(xq: Tensor, kernels: readonly Tensor[], opts: MultiplyOptions = {}): Tensor {
    return this.multiplyPadded(this.padInput(xq), kernels, opts);
  }

  /** Inputs summed into one output (the accumulator's length), e.g. KH·KW·C for a convolution. */
  fanIn(): number {
    const s = this.spec;
    const last = this.kernelSlots().at(-1)!.variable;
    if (s.kind === 'depthwise_conv2d') return s.kernelSize[0] * s.kernelSize[1];
    return last.size / last.shape[last.shape.length - 1];
  }

  /** Step 1. */
  quantizeInput(x: Tensor): Tensor {
    return this.inputQuantizer ? this.inputQuantizer.call(x) : x;
  }

  /** Step 2, for one kernel. */
  quantizeKernel(slot: KernelSlot): Tensor {
    return slot.quantizer ? slot.quantizer.call(slot.variable.value) : slot.variable.value;
  }

  /**
   * Step 4: bias, then activation. With `channels`, acc holds only those
   * output channels (in that order) and gets their biases: engines that
   * recompute a few channels of a layer use the layer's own epilogue.
   */
  epilogue(acc: Tensor, channels?: readonly number[]): Tensor {
    let y = acc;
    if (this.bias) y = biasAdd(acc, channels ? pickChannels(this.bias.value, channels) : this.bias.value);
    return activationByName(this.activation)(y);
  }

  /** The kernels this call's product uses: quantized, then through the kernel hooks (a chip's variation, bit errors). */
  effectiveKernels(ctx: CallContext): Tensor[] {
    return this.kernelSlots().map((s) => {
      const k = this.quantizeKernel(s);
      return this.hooks.count('kernel') === 0 ? k : this.hooks.run('kernel', k, ctx, { layer: this, kernel: s.name });
    });
  }

  /**
   * Whether the product's operands are exactly ±1 whatever the chip: sign
   * input and kernels, no input hook, and kernel hooks that are bit errors
   * only (they keep a ±1 kernel ±1).
   */
  binaryOperands(): boolean {
    return isSignQuantizer(this.inputQuantizer) && this.kernelSlots().every((s) => isSignQuantizer(s.quantizer))
      && this.hooks.count('input') === 0 && this.hooks.list('kernel').every((h) => h.bitErrors !== undefined);
  }

  call(x: Tensor, ctx: CallContext): Tensor {
    const site: HookSite = { layer: this };
    let xq = this.quantizeInput(x);
    if (this.hooks.count('input') > 0) xq = this.hooks.run('input', xq, ctx, site);
    const kernels = this.effectiveKernels(ctx);
    const binary = runtime().settings.xnorKernels && this.binaryOperands();
    const plain = () => this.multiply(xq, kernels, { binary });
    const replace = this.hooks.list('product')[0];
    let acc = replace ? replace.product({ input: xq, kernels }, ctx, site, plain) : plain();
    if (this.hooks.count('accumulator') > 0) acc = this.hooks.run('accumulator', acc, ctx, site);
    return this.epilogue(acc);
  }
}

/** Entries `channels` of a per-channel vector. */
export function pickChannels(v: Tensor, channels: readonly number[]): Tensor {
  const d = v.data;
  return Tensor.from(channels.map((c) => d[c]), [channels.length]);
}

export function isProductLayer(l: Layer): l is ProductLayer {
  return l instanceof ProductLayer;
}

/**
 * Larq pads explicitly when padding is "same" and the pad value is not 0,
 * then convolves with "valid"; padded cells hold exactly padValue, never a
 * quantized value. Returns the input to convolve and the padding to use.
 */
export function padForSame(x: Tensor, w: WindowSpec): PaddedInput {
  if (w.padding !== 'same' || w.padValue === 0) return { x, padding: w.padding };
  const g = windowGeometry('pad', x.shape, w.kernelSize, w.strides, 'same');
  return { x: pad2d(x, { top: g.PT, bottom: g.PB, left: g.PL, right: g.PR }, w.padValue), padding: 'valid' };
}

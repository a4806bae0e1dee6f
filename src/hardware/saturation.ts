// Saturation and overflow of fixed-width registers: a layer's accumulator
// (the raw product, before bias and activation) or its output is held in a
// b-bit signed or unsigned register whose step is `lsb`. Saturate clamps to
// the range; wrap keeps the value modulo 2^b (two's complement overflow).
//
// The definition is the XNOR kernels' (src/wasm/binaryKernels.ts): a signed
// b-bit accumulator holds [-2^(b-1), 2^(b-1)-1], the final exact sum is
// clamped or wrapped. On a binary layer (integer dots, lsb 1) this transform
// and the kernel's accumulator limit give identical numbers; the XNOR runner
// uses the kernel's.
//
// Gradients: saturate passes dy inside the range and 0 outside (the exact
// derivative of a clamp, as Larq's clipped STE); wrap is the identity almost
// everywhere, so its straight-through gradient is dy. gradient: 'ste'
// passes dy everywhere for saturate too.
import type { Tensor } from '../tensor/tensor.js';
import type { AccumulatorHook } from '../nn/hooks.js';
import { type LayerContainer, type LayerSelector, type Perturbation, selectLayers, hookLayers } from './perturbation.js';
import { ConfigError } from '../errors.js';

export { intRange, limitValue, limitTensor, type OverflowMode, type IntRange } from '../ops/registerLimit.js';
import { intRange, limitTensor, type OverflowMode, type IntRange } from '../ops/registerLimit.js';

export interface SaturationOptions {
  bits: number;
  /** Default true (two's complement). */
  signed?: boolean;
  /** Default 'saturate'. */
  mode?: OverflowMode;
  /** 'accumulator' (default): the raw product of a Dense/Conv2D; 'output': the layer's output. */
  target?: 'accumulator' | 'output';
  /** Value of one register step (default 1: the integer dot of a binary layer). */
  lsb?: number;
  /** Default 'all' (every kernel layer); with target 'output' any layer may be named. */
  layers?: LayerSelector;
  /** Default 'clipped' (see above). */
  gradient?: 'clipped' | 'ste';
}


export class Saturation implements Perturbation {
  readonly kind = 'saturation';
  readonly bits: number;
  readonly signed: boolean;
  readonly mode: OverflowMode;
  readonly target: 'accumulator' | 'output';
  readonly lsb: number;
  readonly layers: LayerSelector;
  readonly gradient: 'clipped' | 'ste';
  readonly range: IntRange;

  constructor(opts: SaturationOptions) {
    this.bits = opts.bits;
    this.signed = opts.signed ?? true;
    this.range = intRange(opts.bits, this.signed);
    this.mode = opts.mode ?? 'saturate';
    if (this.mode !== 'saturate' && this.mode !== 'wrap') throw new ConfigError(`Saturation: mode must be saturate or wrap, got "${this.mode}"`);
    this.target = opts.target ?? 'accumulator';
    if (this.target !== 'accumulator' && this.target !== 'output') throw new ConfigError(`Saturation: target must be accumulator or output, got "${this.target}"`);
    this.lsb = opts.lsb ?? 1;
    if (!(this.lsb > 0 && Number.isFinite(this.lsb))) throw new ConfigError(`Saturation: lsb must be a positive number, got ${this.lsb}`);
    this.layers = opts.layers ?? 'all';
    this.gradient = opts.gradient ?? 'clipped';
  }

  /** The hook; on a signed integer accumulator it declares the limit, which packed kernels then apply inside. */
  hook(): AccumulatorHook {
    const inKernel = this.target === 'accumulator' && this.signed && this.lsb === 1;
    return {
      name: `saturation-${this.mode}-${this.bits}`,
      accumulatorLimit: inKernel ? { bits: this.bits, mode: this.mode } : null,
      apply: (x: Tensor) => limitTensor(x, this.range, this.mode, this.lsb, this.gradient),
    };
  }

  attach(model: LayerContainer): () => void {
    const acc = this.target === 'accumulator';
    const layers = selectLayers(model, this.layers, 'Saturation', acc);
    return hookLayers(layers, acc ? 'accumulator' : 'output', () => this.hook());
  }

  toJSON(): Record<string, unknown> {
    return {
      kind: this.kind, bits: this.bits, signed: this.signed, mode: this.mode, target: this.target, lsb: this.lsb,
      layers: this.layers, gradient: this.gradient,
    };
  }
}


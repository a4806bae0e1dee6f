// QuantConv2D (Larq): Conv2D with input and kernel quantizers. Order of
// operations as in Larq: quantize the input, then pad (with padValues when
// padding is "same" and padValues != 0), then convolve with the quantized
// kernel, add the (never quantized) bias, apply the activation. The forward
// steps are Conv2D's (nn/productLayer.ts); this class sets the quantizers,
// the constraint and the pad value.
import type { Shape } from '../../tensor/shape.js';
import type { Rng } from '../../tensor/random.js';
import type { Constraint } from '../variable.js';
import { Conv2D, type Conv2DOptions } from './conv2d.js';
import {
  type QuantizerOptions, resolveQuantizers, warnIfStarvable, tagKernel, checkPadValues, quantizerConfig,
  constraintConfig,
} from './quantCommon.js';

export interface QuantConv2DOptions extends Conv2DOptions, QuantizerOptions {
  /** Value of the padded cells for padding "same" (Larq's pad_values; 1 suits ±1 inputs). Default 0. */
  padValues?: number;
}

export class QuantConv2D extends Conv2D {
  readonly kernelConstraint: Constraint | null;

  constructor(opts: QuantConv2DOptions) {
    super(opts);
    const r = resolveQuantizers(opts);
    this.inputQuantizer = r.input;
    this.kernelQuantizer = r.kernel;
    this.kernelConstraint = r.constraint;
    this.padValues = checkPadValues(opts.padValues ?? 0);
    warnIfStarvable(this.kernelQuantizer, this.kernelConstraint);
  }

  override get className(): string {
    return 'quant_conv2d';
  }

  protected override createVariables(inputShape: Shape, rng: Rng): void {
    super.createVariables(inputShape, rng);
    tagKernel(this.kernel!, this.kernelQuantizer, this.kernelConstraint);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), inputQuantizer: quantizerConfig(this.inputQuantizer),
      kernelQuantizer: quantizerConfig(this.kernelQuantizer), kernelConstraint: constraintConfig(this.kernelConstraint),
      padValues: this.padValues,
    };
  }
}

// QuantConv2D (Larq): Conv2D with input and kernel quantizers. Order of
// operations as in Larq: quantize the input, then pad (with padValues when
// padding is "same" and padValues != 0), then convolve with the quantized
// kernel, add the (never quantized) bias, apply the activation.
import type { Tensor } from '../../tensor/tensor.js';
import type { Shape } from '../../tensor/shape.js';
import type { Rng } from '../../tensor/random.js';
import type { CallContext } from '../layer.js';
import type { Constraint } from '../variable.js';
import type { Quantizer } from '../../quantizers/quantizer.js';
import { Conv2D, type Conv2DOptions } from './conv2d.js';
import { conv2d } from '../../ops/conv2d.js';
import { usesXnorPath, xnorConvForward } from './xnorPath.js';
import {
  type QuantizerOptions, type QuantizedLayer, resolveQuantizers, warnIfStarvable, tagKernel, quantize, padForSame,
  checkPadValues, quantizerConfig, constraintConfig,
} from './quantCommon.js';

export interface QuantConv2DOptions extends Conv2DOptions, QuantizerOptions {
  /** Value of the padded cells for padding "same" (Larq's pad_values; 1 suits ±1 inputs). Default 0. */
  padValues?: number;
}

export class QuantConv2D extends Conv2D implements QuantizedLayer {
  readonly inputQuantizer: Quantizer | null;
  readonly kernelQuantizer: Quantizer | null;
  readonly kernelConstraint: Constraint | null;
  readonly padValues: number;

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

  protected override effectiveKernel(_ctx: CallContext): Tensor {
    return quantize(this.kernelQuantizer, this.kernel!.value);
  }

  protected override effectiveInput(x: Tensor, _ctx: CallContext): Tensor {
    return quantize(this.inputQuantizer, x);
  }

  protected override convolve(x: Tensor, kernel: Tensor, _ctx: CallContext): Tensor {
    const p = padForSame(x, this.padding, this.padValues, this.kernelSize, this.strides);
    const xnor = usesXnorPath(this, this.inputQuantizer, this.kernelQuantizer);
    return conv2d(p.x, kernel, { strides: this.strides, padding: p.padding, forward: xnor ? xnorConvForward : undefined });
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), inputQuantizer: quantizerConfig(this.inputQuantizer),
      kernelQuantizer: quantizerConfig(this.kernelQuantizer), kernelConstraint: constraintConfig(this.kernelConstraint),
      padValues: this.padValues,
    };
  }
}

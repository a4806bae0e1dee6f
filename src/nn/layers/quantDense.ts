// QuantDense (Larq): a Dense layer whose input and kernel go through
// quantizers in the forward pass. The optimizer updates the latent float
// kernel; the straight-through gradients of the quantizers carry the loss
// gradient to it.
import type { Tensor } from '../../tensor/tensor.js';
import type { Shape } from '../../tensor/shape.js';
import type { Rng } from '../../tensor/random.js';
import type { CallContext } from '../layer.js';
import type { Constraint } from '../variable.js';
import type { Quantizer } from '../../quantizers/quantizer.js';
import { Dense, type DenseOptions } from './dense.js';
import { matmul } from '../../ops/matmul.js';
import { usesXnorPath, xnorDenseForward } from './xnorPath.js';
import { type QuantizerOptions, type QuantizedLayer, resolveQuantizers, warnIfStarvable, tagKernel, quantize, quantizerConfig, constraintConfig } from './quantCommon.js';

export interface QuantDenseOptions extends DenseOptions, QuantizerOptions {}

export class QuantDense extends Dense implements QuantizedLayer {
  readonly inputQuantizer: Quantizer | null;
  readonly kernelQuantizer: Quantizer | null;
  readonly kernelConstraint: Constraint | null;

  constructor(opts: QuantDenseOptions) {
    super(opts);
    const r = resolveQuantizers(opts);
    this.inputQuantizer = r.input;
    this.kernelQuantizer = r.kernel;
    this.kernelConstraint = r.constraint;
    warnIfStarvable(this.kernelQuantizer, this.kernelConstraint);
  }

  override get className(): string {
    return 'quant_dense';
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

  protected override product(x: Tensor, kernel: Tensor, _ctx: CallContext): Tensor {
    const xnor = usesXnorPath(this, this.inputQuantizer, this.kernelQuantizer);
    return matmul(x, kernel, xnor ? { forward: xnorDenseForward } : {});
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), inputQuantizer: quantizerConfig(this.inputQuantizer),
      kernelQuantizer: quantizerConfig(this.kernelQuantizer), kernelConstraint: constraintConfig(this.kernelConstraint),
    };
  }
}

// QuantDense (Larq): a Dense layer whose input and kernel go through
// quantizers in the forward pass. The optimizer updates the latent float
// kernel; the straight-through gradients of the quantizers carry the loss
// gradient to it. The forward steps are Dense's (nn/productLayer.ts); this
// class only sets the quantizers and the constraint.
import type { Shape } from '../../tensor/shape.js';
import type { Rng } from '../../tensor/random.js';
import type { Constraint } from '../variable.js';
import { Dense, type DenseOptions } from './dense.js';
import { type QuantizerOptions, resolveQuantizers, warnIfStarvable, tagKernel, quantizerConfig, constraintConfig } from './quantCommon.js';

export interface QuantDenseOptions extends DenseOptions, QuantizerOptions {}

export class QuantDense extends Dense {
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

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), inputQuantizer: quantizerConfig(this.inputQuantizer),
      kernelQuantizer: quantizerConfig(this.kernelQuantizer), kernelConstraint: constraintConfig(this.kernelConstraint),
    };
  }
}

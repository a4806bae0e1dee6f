import type { Tensor } from '../../tensor/tensor.js';
import type { Shape } from '../../tensor/shape.js';
import { Layer, type CallContext } from '../layer.js';
import { leakyRelu, LEAKY_RELU_ALPHA } from '../../ops/pointwise.js';

/** x for x > 0, alpha·x elsewhere (Keras' LeakyReLU, alpha 0.3 by default). */
export class LeakyReLU extends Layer {
  readonly alpha: number;

  constructor(opts: { alpha?: number; name?: string } = {}) {
    super(opts.name);
    this.alpha = opts.alpha ?? LEAKY_RELU_ALPHA;
  }

  get className(): string {
    return 'leaky_re_lu';
  }

  computeOutputShape(inputShape: Shape): Shape {
    return inputShape;
  }

  call(x: Tensor, _ctx: CallContext): Tensor {
    return leakyRelu(x, this.alpha);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), alpha: this.alpha };
  }
}

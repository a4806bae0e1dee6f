import type { Tensor } from '../../tensor/tensor.js';
import type { Shape } from '../../tensor/shape.js';
import { Layer, type CallContext } from '../layer.js';
import { dropout } from '../../ops/dropout.js';

export class Dropout extends Layer {
  readonly rate: number;

  constructor(rate: number, opts: { name?: string } = {}) {
    super(opts.name);
    if (!(rate >= 0 && rate < 1)) throw new Error(`Dropout: rate must be in [0, 1), got ${rate}`);
    this.rate = rate;
  }

  get className(): string {
    return 'dropout';
  }

  computeOutputShape(inputShape: Shape): Shape {
    return inputShape;
  }

  call(x: Tensor, ctx: CallContext): Tensor {
    return dropout(x, this.rate, ctx.rng, ctx.training);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate };
  }
}

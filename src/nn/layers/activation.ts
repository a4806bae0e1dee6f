import type { Tensor } from '../../tensor/tensor.js';
import type { Shape } from '../../tensor/shape.js';
import { Layer, type CallContext } from '../layer.js';
import { activationByName } from '../../ops/activations.js';

export class Activation extends Layer {
  readonly activation: string;
  private readonly fn: (x: Tensor) => Tensor;

  constructor(activation: string, opts: { name?: string } = {}) {
    super(opts.name);
    this.activation = activation;
    this.fn = activationByName(activation);
  }

  get className(): string {
    return 'activation';
  }

  computeOutputShape(inputShape: Shape): Shape {
    return inputShape;
  }

  call(x: Tensor, _ctx: CallContext): Tensor {
    return this.fn(x);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), activation: this.activation };
  }
}

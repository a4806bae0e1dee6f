import type { Tensor } from '../../tensor/tensor.js';
import type { Shape } from '../../tensor/shape.js';
import { Layer, type CallContext } from '../layer.js';
import { activationByName, type ActivationName } from '../../ops/activations.js';

/**
 * A pointwise activation by name. 'softmax' is the real softmax over the last
 * axis (with its gradient); as a model's last layer, Model.call stops before
 * it (the model's logits) and the loss and predict apply it.
 */
export class Activation extends Layer {
  readonly activation: ActivationName;
  private readonly fn: (x: Tensor) => Tensor;

  constructor(activation: ActivationName, opts: { name?: string } = {}) {
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

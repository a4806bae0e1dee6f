import type { Tensor } from '../../tensor/tensor.js';
import type { Shape } from '../../tensor/shape.js';
import { Layer, type CallContext } from '../layer.js';
import { relu } from '../../ops/activations.js';

/** max(x, 0) (Keras' ReLU layer). */
export class ReLU extends Layer {
  constructor(opts: { name?: string } = {}) {
    super(opts.name);
  }

  get className(): string {
    return 're_lu';
  }

  computeOutputShape(inputShape: Shape): Shape {
    return inputShape;
  }

  call(x: Tensor, _ctx: CallContext): Tensor {
    return relu(x);
  }
}

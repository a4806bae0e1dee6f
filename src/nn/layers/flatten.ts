import type { Tensor } from '../../tensor/tensor.js';
import type { Shape } from '../../tensor/shape.js';
import { Layer, type CallContext } from '../layer.js';
import { flatten } from '../../ops/reshape.js';

export class Flatten extends Layer {
  constructor(opts: { name?: string } = {}) {
    super(opts.name);
  }

  get className(): string {
    return 'flatten';
  }

  computeOutputShape(inputShape: Shape): Shape {
    return [inputShape.reduce((a, b) => a * b, 1)];
  }

  call(x: Tensor, _ctx: CallContext): Tensor {
    return flatten(x);
  }
}

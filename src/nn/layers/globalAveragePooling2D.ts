import type { Tensor } from '../../tensor/tensor.js';
import { ShapeError, type Shape } from '../../tensor/shape.js';
import { Layer, type CallContext } from '../layer.js';
import { globalAvgPool2d } from '../../ops/avgPool2d.js';

/** Mean over height and width: [batch, H, W, C] -> [batch, C]. */
export class GlobalAveragePooling2D extends Layer {
  constructor(opts: { name?: string } = {}) {
    super(opts.name);
  }

  get className(): string {
    return 'global_average_pooling2d';
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 3) {
      throw new ShapeError(`GlobalAveragePooling2D "${this.name}" needs images [batch, height, width, channels], got [batch, ${inputShape.join(', ')}]`);
    }
    return [inputShape[2]];
  }

  call(x: Tensor, _ctx: CallContext): Tensor {
    return globalAvgPool2d(x);
  }
}

import type { Tensor } from '../../tensor/tensor.js';
import { ShapeError, type Shape } from '../../tensor/shape.js';
import { Layer, type CallContext } from '../layer.js';
import { avgPool2d } from '../../ops/avgPool2d.js';
import { windowGeometry, pair, checkPadding, type Padding } from '../../ops/convGeometry.js';
import type { MaxPool2DOptions } from './maxPool2D.js';

/** Keras' AveragePooling2D ('same' padding averages only the cells inside the image). */
export class AveragePooling2D extends Layer {
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;

  constructor(opts: MaxPool2DOptions = {}) {
    super(opts.name);
    this.poolSize = pair(opts.poolSize ?? 2, 'AveragePooling2D poolSize');
    this.strides = pair(opts.strides ?? this.poolSize, 'AveragePooling2D strides');
    this.padding = checkPadding(opts.padding, 'AveragePooling2D');
  }

  get className(): string {
    return 'average_pooling2d';
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 3) {
      throw new ShapeError(`AveragePooling2D "${this.name}" needs images [batch, height, width, channels], got [batch, ${inputShape.join(', ')}]`);
    }
    const g = windowGeometry(`AveragePooling2D "${this.name}"`, [1, ...inputShape], this.poolSize, this.strides, this.padding);
    return [g.OH, g.OW, inputShape[2]];
  }

  call(x: Tensor, _ctx: CallContext): Tensor {
    return avgPool2d(x, { poolSize: this.poolSize, strides: this.strides, padding: this.padding });
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), poolSize: this.poolSize, strides: this.strides, padding: this.padding };
  }
}

/** Keras' other names for the same layer. */
export const AvgPool2D = AveragePooling2D;

import type { Tensor } from '../../tensor/tensor.js';
import { ShapeError, type Shape } from '../../tensor/shape.js';
import { Layer, type CallContext } from '../layer.js';
import { maxPool2d } from '../../ops/maxPool2d.js';
import { windowGeometry, pair, type Padding } from '../../ops/convGeometry.js';

export interface MaxPool2DOptions {
  poolSize?: number | [number, number];
  strides?: number | [number, number];
  padding?: Padding;
  name?: string;
}

export class MaxPool2D extends Layer {
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;

  constructor(opts: MaxPool2DOptions = {}) {
    super(opts.name);
    this.poolSize = pair(opts.poolSize ?? 2, 'MaxPool2D poolSize');
    this.strides = pair(opts.strides ?? this.poolSize, 'MaxPool2D strides');
    this.padding = opts.padding ?? 'valid';
  }

  get className(): string {
    return 'max_pooling2d';
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 3) {
      throw new ShapeError(`MaxPool2D "${this.name}" needs images [batch, height, width, channels], got [batch, ${inputShape.join(', ')}]`);
    }
    const g = windowGeometry(`MaxPool2D "${this.name}"`, [1, ...inputShape], this.poolSize, this.strides, this.padding);
    return [g.OH, g.OW, inputShape[2]];
  }

  call(x: Tensor, _ctx: CallContext): Tensor {
    return maxPool2d(x, { poolSize: this.poolSize, strides: this.strides, padding: this.padding });
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), poolSize: this.poolSize, strides: this.strides, padding: this.padding };
  }
}

/** Keras' other name for the same layer. */
export const MaxPooling2D = MaxPool2D;

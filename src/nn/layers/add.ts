import type { Tensor } from '../../tensor/tensor.js';
import { ShapeError, shapeStr, type Shape } from '../../tensor/shape.js';
import { add } from '../../ops/arithmetic.js';
import { MergeLayer } from './merge.js';

/** Elementwise sum of inputs of one shape (Keras' Add, residual shortcuts). */
export class Add extends MergeLayer {
  constructor(opts: { name?: string } = {}) {
    super(opts.name);
  }

  get className(): string {
    return 'add';
  }

  mergeShapes(shapes: Shape[]): Shape {
    const s0 = shapeStr(shapes[0]);
    if (shapes.some((s) => shapeStr(s) !== s0)) {
      throw new ShapeError(`Add "${this.name}" needs inputs of one shape, got ${shapes.map(shapeStr).join(', ')}`);
    }
    return [...shapes[0]];
  }

  merge(xs: Tensor[]): Tensor {
    let y = add(xs[0], xs[1]);
    for (let i = 2; i < xs.length; i++) y = add(y, xs[i]);
    return y;
  }
}

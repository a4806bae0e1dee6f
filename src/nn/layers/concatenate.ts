import type { Tensor } from '../../tensor/tensor.js';
import { ShapeError, shapeStr, type Shape } from '../../tensor/shape.js';
import { concatLastAxis } from '../../ops/concat.js';
import { MergeLayer } from './merge.js';

/** Concatenation along the channel (last) axis (Keras' Concatenate, axis -1; DenseNet blocks). */
export class Concatenate extends MergeLayer {
  constructor(opts: { name?: string; axis?: -1 } = {}) {
    super(opts.name);
    if (opts.axis !== undefined && opts.axis !== -1) throw new ShapeError('Concatenate: only axis -1 (channels) is supported');
  }

  get className(): string {
    return 'concatenate';
  }

  mergeShapes(shapes: Shape[]): Shape {
    const lead = shapes[0].slice(0, -1);
    for (const s of shapes) {
      if (s.length !== shapes[0].length || s.slice(0, -1).some((d, i) => d !== lead[i])) {
        throw new ShapeError(`Concatenate "${this.name}" needs inputs that differ only in the last axis, got ${shapes.map(shapeStr).join(', ')}`);
      }
    }
    return [...lead, shapes.reduce((n, s) => n + s[s.length - 1], 0)];
  }

  merge(xs: Tensor[]): Tensor {
    return concatLastAxis(xs);
  }
}

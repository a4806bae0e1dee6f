import type { Tensor } from '../../tensor/tensor.js';
import { ShapeError, type Shape } from '../../tensor/shape.js';
import { Layer, type CallContext } from '../layer.js';
import { pad2d } from '../../ops/pad2d.js';

export interface ZeroPadding2DOptions {
  /** n (all sides), [rows, cols] (symmetric) or [[top, bottom], [left, right]]. */
  padding?: number | [number, number] | [[number, number], [number, number]];
  name?: string;
}

/** Pads images with zeros (Keras' ZeroPadding2D). */
export class ZeroPadding2D extends Layer {
  readonly pads: { top: number; bottom: number; left: number; right: number };

  constructor(opts: ZeroPadding2DOptions = {}) {
    super(opts.name);
    const p = opts.padding ?? 1;
    let t: number, b: number, l: number, r: number;
    if (typeof p === 'number') t = b = l = r = p;
    else if (typeof p[0] === 'number') { t = b = p[0] as number; l = r = p[1] as number; }
    else { [t, b] = p[0] as [number, number]; [l, r] = p[1] as [number, number]; }
    for (const v of [t, b, l, r]) {
      if (!Number.isInteger(v) || v < 0) throw new ShapeError(`ZeroPadding2D: paddings must be non-negative integers, got ${JSON.stringify(p)}`);
    }
    this.pads = { top: t, bottom: b, left: l, right: r };
  }

  get className(): string {
    return 'zero_padding2d';
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 3) {
      throw new ShapeError(`ZeroPadding2D "${this.name}" needs images [batch, height, width, channels], got [batch, ${inputShape.join(', ')}]`);
    }
    const { top, bottom, left, right } = this.pads;
    return [inputShape[0] + top + bottom, inputShape[1] + left + right, inputShape[2]];
  }

  call(x: Tensor, _ctx: CallContext): Tensor {
    return pad2d(x, this.pads, 0);
  }

  override getConfig(): Record<string, unknown> {
    const { top, bottom, left, right } = this.pads;
    return { ...super.getConfig(), padding: [[top, bottom], [left, right]] };
  }
}

import type { Tensor } from '../../tensor/tensor.js';
import { ShapeError, type Shape } from '../../tensor/shape.js';
import { Layer, type CallContext } from '../layer.js';
import { reshape } from '../../ops/reshape.js';

/** Reshapes each sample (Keras' Reshape; one dimension may be -1). */
export class Reshape extends Layer {
  readonly targetShape: number[];

  constructor(opts: { targetShape: readonly number[]; name?: string }) {
    super(opts.name);
    this.targetShape = [...opts.targetShape];
    if (this.targetShape.filter((d) => d === -1).length > 1 || this.targetShape.some((d) => d !== -1 && !(Number.isInteger(d) && d > 0))) {
      throw new ShapeError(`Reshape: targetShape must be positive integers with at most one -1, got ${JSON.stringify(opts.targetShape)}`);
    }
  }

  get className(): string {
    return 'reshape';
  }

  computeOutputShape(inputShape: Shape): Shape {
    const n = inputShape.reduce((a, b) => a * b, 1);
    const known = this.targetShape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const out = this.targetShape.map((d) => (d === -1 ? n / known : d));
    if (out.some((d) => !Number.isInteger(d)) || out.reduce((a, b) => a * b, 1) !== n) {
      throw new ShapeError(`Reshape "${this.name}": cannot reshape [${inputShape.join(', ')}] (${n} values) to [${this.targetShape.join(', ')}]`);
    }
    return out;
  }

  call(x: Tensor, _ctx: CallContext): Tensor {
    return reshape(x, [x.shape[0], ...this.outputShape!]);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), targetShape: this.targetShape };
  }
}

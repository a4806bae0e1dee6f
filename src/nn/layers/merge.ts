// Base of layers with several inputs (Add, Concatenate): built for the shapes
// of all their inputs, applied to all their inputs' batches at once. As in
// Keras, they exist only in functional graphs (Model), not in Sequential.
import type { Tensor } from '../../tensor/tensor.js';
import { ShapeError, shapeStr, type Shape } from '../../tensor/shape.js';
import type { Rng } from '../../tensor/random.js';
import { Layer, type CallContext } from '../layer.js';

export abstract class MergeLayer extends Layer {
  /** The shapes of every input (without the batch axis), set when built. */
  inputShapes: Shape[] | null = null;

  /** Output shape for the inputs' shapes; throws ShapeError naming the layer on a mismatch. */
  abstract mergeShapes(shapes: Shape[]): Shape;

  /** Combines the inputs' batches. */
  abstract merge(xs: Tensor[]): Tensor;

  override computeOutputShapes(shapes: Shape[]): Shape {
    if (shapes.length < 2) throw new ShapeError(`${this.className} "${this.name}" needs at least 2 inputs, got ${shapes.length}`);
    return this.mergeShapes(shapes);
  }

  computeOutputShape(_inputShape: Shape): Shape {
    throw new ShapeError(`${this.className} "${this.name}" merges several inputs: use it in a functional Model (layer.apply([a, b]))`);
  }

  call(_x: Tensor, _ctx: CallContext): Tensor {
    throw new ShapeError(`${this.className} "${this.name}" merges several inputs: call applyMany([a, b], ctx)`);
  }

  override buildMany(shapes: Shape[], _rng: Rng): Shape {
    const out = this.computeOutputShapes(shapes);
    if (this.inputShapes) {
      const same = this.inputShapes.length === shapes.length && this.inputShapes.every((s, i) => shapeStr(s) === shapeStr(shapes[i]));
      if (!same) throw new ShapeError(`layer "${this.name}" was built for inputs ${this.inputShapes.map(shapeStr).join(', ')}, not ${shapes.map(shapeStr).join(', ')}`);
      return this.outputShape!;
    }
    this.inputShapes = shapes.map((s) => [...s]);
    this.inputShape = [...shapes[0]];
    this.outputShape = [...out];
    return out;
  }

  override applyMany(xs: Tensor[], ctx: CallContext): Tensor {
    if (!this.inputShapes) throw new Error(`layer "${this.name}" is not built: build its model first`);
    if (xs.length !== this.inputShapes.length) throw new ShapeError(`layer "${this.name}" takes ${this.inputShapes.length} inputs, got ${xs.length}`);
    xs.forEach((x, i) => {
      const want = this.inputShapes![i];
      if (x.rank !== want.length + 1 || want.some((d, k) => d !== x.shape[k + 1]) || x.shape[0] !== xs[0].shape[0]) {
        throw new ShapeError(`layer "${this.name}" input ${i} expects [batch, ${want.join(', ')}], got ${shapeStr(x.shape)}`);
      }
    });
    return this.runOutputHooks(this.merge(xs), ctx);
  }
}

// Base class of all layers (tinygrad-style: small classes over ops). A layer
// is built once for an input shape (without the batch axis), creating its
// variables; call() then maps a batch to a batch.
import { Tensor } from '../tensor/tensor.js';
import { ShapeError, shapeStr, type Shape } from '../tensor/shape.js';
import type { Rng } from '../tensor/random.js';
import { Variable, type VariableOptions } from './variable.js';
import { getInitializer, type Initializer } from './initializers.js';

export interface CallContext {
  training: boolean;
  /** Randomness for dropout and training-time perturbations. */
  rng: Rng;
  /** The simulated chip of a hardware evaluation (src/hardware/chip.ts); absent otherwise. */
  chip?: ChipContext;
}

/** What layer transforms may ask of a simulated chip: keyed, reproducible random draws. */
export interface ChipContext {
  readonly seed: number;
  /** A fresh generator for a fixed (per-chip) draw, the same for the same key. */
  rng(key: string): Rng;
  /** A generator that continues across forward passes (temporal noise), one per key. */
  stream(key: string): Rng;
}

/**
 * A transformation hooked into a layer's forward pass from outside the layer
 * (the hardware models in src/hardware/): layers apply them without knowing
 * what they model.
 */
export interface LayerTransform {
  readonly name: string;
  apply(x: Tensor, ctx: CallContext, layer: Layer): Tensor;
}

export abstract class Layer {
  name: string;
  /** Applied, in order, to the kernel the forward pass uses (after its quantizer). Dense and conv layers honour it. */
  readonly kernelTransforms: LayerTransform[] = [];
  /** Applied, in order, to the raw product (the accumulator: before bias and activation). Dense and conv layers honour it. */
  readonly accumulatorTransforms: LayerTransform[] = [];
  /** Applied, in order, to the layer's output. Every layer honours it (see apply()). */
  readonly outputTransforms: LayerTransform[] = [];
  /** Input shape without the batch axis, set by build(). */
  inputShape: Shape | null = null;
  outputShape: Shape | null = null;
  readonly variables: Variable[] = [];

  constructor(name?: string) {
    this.name = name ?? '';
  }

  /** Keras' snake_case class name, used for default layer names. */
  abstract get className(): string;

  /** Output shape (without batch axis) for an input shape; throws ShapeError on mismatch. */
  abstract computeOutputShape(inputShape: Shape): Shape;

  /** Creates variables; called once by build(). */
  protected createVariables(_inputShape: Shape, _rng: Rng): void {}

  abstract call(x: Tensor, ctx: CallContext): Tensor;

  get built(): boolean {
    return this.inputShape !== null;
  }

  build(inputShape: Shape, rng: Rng): Shape {
    if (this.built) {
      if (!sameDims(this.inputShape!, inputShape)) {
        throw new ShapeError(`layer "${this.name}" was built for input ${shapeStr(this.inputShape!)}, not ${shapeStr(inputShape)}`);
      }
      return this.outputShape!;
    }
    const out = this.computeOutputShape(inputShape);
    this.createVariables(inputShape, rng);
    this.inputShape = [...inputShape];
    this.outputShape = [...out];
    return out;
  }

  /** Checks the batch against the built shape, then calls. */
  apply(x: Tensor, ctx: CallContext): Tensor {
    if (!this.built) throw new Error(`layer "${this.name}" is not built: build it (or its model) first`);
    if (!sameDims(x.shape.slice(1), this.inputShape!)) {
      throw new ShapeError(`layer "${this.name}" expects input [batch, ${this.inputShape!.join(', ')}], got ${shapeStr(x.shape)}`);
    }
    let y = this.call(x, ctx);
    for (const t of this.outputTransforms) y = t.apply(y, ctx, this);
    return y;
  }

  protected applyTransforms(list: LayerTransform[], x: Tensor, ctx: CallContext): Tensor {
    let y = x;
    for (const t of list) y = t.apply(y, ctx, this);
    return y;
  }

  protected addWeight(name: string, shape: Shape, init: string | Initializer, rng: Rng,
    opts: VariableOptions = {}): Variable {
    const value = new Tensor(shape);
    getInitializer(init)(value.data, shape, rng);
    const v = new Variable(`${this.name}/${name}`, value, opts);
    this.variables.push(v);
    return v;
  }

  get trainableWeights(): Variable[] {
    return this.variables.filter((v) => v.trainable);
  }

  get nonTrainableWeights(): Variable[] {
    return this.variables.filter((v) => !v.trainable);
  }

  countParams(): number {
    return this.variables.reduce((n, v) => n + v.size, 0);
  }

  /** Constructor arguments, for summaries and saving. */
  getConfig(): Record<string, unknown> {
    return { name: this.name };
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
    this.variables.length = 0;
  }
}

function sameDims(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

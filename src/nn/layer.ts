// Base class of all layers (tinygrad-style: small classes over ops). A layer
// is built once for an input shape (without the batch axis), creating its
// variables; call() then maps a batch to a batch.
import { Tensor } from '../tensor/tensor.js';
import { ShapeError, shapeStr, type Shape } from '../tensor/shape.js';
import type { Rng } from '../tensor/random.js';
import { Variable, type VariableOptions } from './variable.js';
import { getInitializer, type Initializer } from './initializers.js';
import { LayerHooks, type CallContext, type HookPoint } from './hooks.js';
import { SymbolicTensor, isSymbolic } from './symbolic.js';

export type { CallContext, ChipContext } from './hooks.js';

export abstract class Layer {
  name: string;
  /** Where perturbations and probes attach (nn/hooks.ts): 'output' on every layer; product layers honour all points. */
  readonly hooks: LayerHooks = new LayerHooks(() => this.name, this.hookPoints());
  /** Input shape without the batch axis, set by build(). */
  inputShape: Shape | null = null;
  outputShape: Shape | null = null;
  readonly variables: Variable[] = [];

  constructor(name?: string) {
    this.name = name ?? '';
  }

  /** The hook points this layer honours (called once, by the constructor). */
  protected hookPoints(): readonly HookPoint[] {
    return ['output'];
  }

  /** The layer that computes, for wrappers (NoisyLayer) that stand for another layer; the layer itself otherwise. */
  unwrap(): Layer {
    return this;
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

  /**
   * On a batch: checks it against the built shape, then calls. On symbolic
   * tensors (functional API, `input()`): records the application and returns
   * the symbolic output; the layer is built later by `new Model(...)`.
   */
  apply(x: Tensor, ctx: CallContext): Tensor;
  apply(x: SymbolicTensor | SymbolicTensor[]): SymbolicTensor;
  apply(x: Tensor | SymbolicTensor | SymbolicTensor[], ctx?: CallContext): Tensor | SymbolicTensor {
    if (isSymbolic(x)) return this.applySymbolic(Array.isArray(x) ? x : [x]);
    if (Array.isArray(x)) throw new Error(`layer "${this.name}": apply() takes a tensor or symbolic tensors, got an array of something else`);
    return this.applyTensor(x as Tensor, ctx!);
  }

  private applied = false;

  private applySymbolic(xs: SymbolicTensor[]): SymbolicTensor {
    if (this.applied) {
      throw new Error(`layer "${this.name || this.className}" is already applied in a graph; shared layers are not supported (create another layer)`);
    }
    const shapes = xs.map((t) => t.shape);
    let shape: Shape;
    try {
      shape = this.computeOutputShapes(shapes);
    } catch (e) {
      if (e instanceof ShapeError) {
        throw new ShapeError(`layer "${this.name || this.className}" applied to ${xs.map((t) => `"${t.name}" ${shapeStr(t.shape)}`).join(', ')}: ${e.message}`);
      }
      throw e;
    }
    this.applied = true;
    return new SymbolicTensor({ layer: this, inputs: xs.map((t) => t.node), shape: [...shape], name: this.name || this.className });
  }

  /** Output shape for the shapes of every input; single-input layers accept exactly one. */
  computeOutputShapes(inputShapes: Shape[]): Shape {
    if (inputShapes.length !== 1) {
      throw new ShapeError(`layer "${this.name || this.className}" takes one input, got ${inputShapes.length}`);
    }
    return this.computeOutputShape(inputShapes[0]);
  }

  /** Builds for the shapes of every input (merge layers take several). */
  buildMany(inputShapes: Shape[], rng: Rng): Shape {
    if (inputShapes.length !== 1) {
      throw new ShapeError(`layer "${this.name}" takes one input, got ${inputShapes.length}`);
    }
    return this.build(inputShapes[0], rng);
  }

  /** Applies to every input of a graph node (merge layers take several). */
  applyMany(xs: Tensor[], ctx: CallContext): Tensor {
    if (xs.length !== 1) throw new ShapeError(`layer "${this.name}" takes one input, got ${xs.length}`);
    return this.applyTensor(xs[0], ctx);
  }

  /** The output hooks on a computed output. */
  protected runOutputHooks(y: Tensor, ctx: CallContext): Tensor {
    return this.hooks.count('output') === 0 ? y : this.hooks.run('output', y, ctx, { layer: this });
  }

  private applyTensor(x: Tensor, ctx: CallContext): Tensor {
    if (!this.built) throw new Error(`layer "${this.name}" is not built: build it (or its model) first`);
    if (!sameDims(x.shape.slice(1), this.inputShape!)) {
      throw new ShapeError(`layer "${this.name}" expects input [batch, ${this.inputShape!.join(', ')}], got ${shapeStr(x.shape)}`);
    }
    return this.runOutputHooks(this.call(x, ctx), ctx);
  }

  private trainableFlag = true;

  /** Keras' layer.trainable: false freezes every variable of the layer (set before or after building). */
  get trainable(): boolean {
    return this.trainableFlag;
  }

  set trainable(v: boolean) {
    this.trainableFlag = v;
    if (!v) {
      for (const x of this.variables) {
        x.trainable = false;
        x.value.requiresGrad = false;
      }
    }
  }

  protected addWeight(name: string, shape: Shape, init: string | Initializer, rng: Rng,
    opts: VariableOptions = {}): Variable {
    const value = new Tensor(shape);
    getInitializer(init)(value.data, shape, rng);
    const v = new Variable(`${this.name}/${name}`, value, { ...opts, trainable: (opts.trainable ?? true) && this.trainableFlag });
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

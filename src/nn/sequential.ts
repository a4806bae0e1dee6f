// Sequential: a list of layers applied in order. Building checks every
// layer's input against the previous layer's output, so a shape mismatch is
// reported at build time with the names of both layers.
import type { Tensor } from '../tensor/tensor.js';
import { ShapeError, shapeStr, type Shape } from '../tensor/shape.js';
import { Rng } from '../tensor/random.js';
import { noGrad } from '../autograd/graph.js';
import { Layer, type CallContext } from './layer.js';
import type { Variable } from './variable.js';

export interface SequentialOptions {
  /** Input shape without the batch axis, e.g. [28, 28, 1]. Builds the model immediately. */
  inputShape?: Shape;
  name?: string;
  /** Seed of the weight initialisation (default 0). */
  seed?: number;
}

export class Sequential {
  readonly layers: Layer[] = [];
  name: string;
  inputShape: Shape | null = null;
  private readonly initRng: Rng;

  constructor(layers: Layer[] = [], opts: SequentialOptions = {}) {
    this.name = opts.name ?? 'sequential';
    this.initRng = new Rng(opts.seed ?? 0);
    for (const l of layers) this.add(l);
    if (opts.inputShape) this.build(opts.inputShape);
  }

  add(layer: Layer): this {
    if (!(layer instanceof Layer)) throw new Error(`Sequential.add: ${String(layer)} is not a layer`);
    if (this.inputShape) throw new Error('Sequential.add: the model is already built');
    if (!layer.name) {
      const base = layer.className;
      const taken = new Set(this.layers.map((l) => l.name));
      let n = 0;
      while (taken.has(n === 0 ? base : `${base}_${n}`)) n++;
      layer.name = n === 0 ? base : `${base}_${n}`;
    } else if (this.layers.some((l) => l.name === layer.name)) {
      throw new Error(`Sequential.add: a layer named "${layer.name}" already exists`);
    }
    this.layers.push(layer);
    return this;
  }

  get built(): boolean {
    return this.inputShape !== null;
  }

  /** Creates every layer's variables for inputs of `inputShape` (no batch axis). */
  build(inputShape: Shape): this {
    if (this.built) return this;
    if (this.layers.length === 0) throw new Error('Sequential.build: the model has no layers');
    let shape: Shape = [...inputShape];
    let prev = 'the input';
    for (const layer of this.layers) {
      try {
        shape = layer.build(shape, this.initRng);
      } catch (e) {
        if (e instanceof ShapeError) throw new ShapeError(`${e.message} (after ${prev}, output ${shapeStr(shape)})`);
        throw e;
      }
      prev = `layer "${layer.name}"`;
    }
    this.inputShape = [...inputShape];
    return this;
  }

  get outputShape(): Shape {
    if (!this.built) throw new Error('the model is not built');
    return this.layers[this.layers.length - 1].outputShape!;
  }

  call(x: Tensor, ctx: CallContext): Tensor {
    if (!this.built) this.build(x.shape.slice(1));
    let y = x;
    for (const layer of this.layers) y = layer.apply(y, ctx);
    return y;
  }

  /** Inference-mode forward pass without recording gradients. */
  predict(x: Tensor): Tensor {
    return noGrad(() => this.call(x, { training: false, rng: new Rng(0) }));
  }

  get variables(): Variable[] {
    return this.layers.flatMap((l) => l.variables);
  }

  get trainableVariables(): Variable[] {
    return this.variables.filter((v) => v.trainable);
  }

  get nonTrainableVariables(): Variable[] {
    return this.variables.filter((v) => !v.trainable);
  }

  countParams(): number {
    return this.variables.reduce((n, v) => n + v.size, 0);
  }

  /** Drops gradients left on the variables (the optimizer step does it too). */
  zeroGrad(): void {
    for (const v of this.variables) {
      if (v.value.grad) {
        v.value.grad.dispose();
        v.value.grad = null;
      }
    }
  }

  dispose(): void {
    for (const l of this.layers) l.dispose();
  }
}

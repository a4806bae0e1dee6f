// Sequential: a list of layers applied in order — a Model whose graph is a
// chain. Building checks every layer's input against the previous layer's
// output, so a shape mismatch is reported at build time with the names of
// both layers.
import type { Tensor } from '../tensor/tensor.js';
import { ShapeError, shapeStr, type Shape } from '../tensor/shape.js';
import { Layer, type CallContext } from './layer.js';
import { Model } from './model.js';
import { Rng } from '../tensor/random.js';
import type { GraphNode } from './symbolic.js';
import { logitsNode } from './graph.js';

export interface SequentialOptions {
  /** Input shape without the batch axis, e.g. [28, 28, 1]. Builds the model immediately. */
  inputShape?: Shape;
  name?: string;
  /** Seed of the weight initialisation (default 0). */
  seed?: number;
}

export class Sequential extends Model {
  constructor(layers: Layer[] = [], opts: SequentialOptions = {}) {
    super();
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

  /** Creates every layer's variables for inputs of `inputShape` (no batch axis). */
  override build(inputShape: Shape): this {
    if (this.built) return super.build(inputShape);
    if (this.layers.length === 0) throw new Error('Sequential.build: the model has no layers');
    let shape: Shape = [...inputShape];
    let prev = 'the input';
    const input: GraphNode = { layer: null, inputs: [], shape: [...inputShape], name: 'input' };
    const nodes: GraphNode[] = [input];
    for (const layer of this.layers) {
      try {
        shape = layer.build(shape, this.initRng);
      } catch (e) {
        if (e instanceof ShapeError) throw new ShapeError(`${e.message} (after ${prev}, output ${shapeStr(shape)})`);
        throw e;
      }
      nodes.push({ layer, inputs: [nodes[nodes.length - 1]], shape: [...shape], name: layer.name });
      prev = `layer "${layer.name}"`;
    }
    this.inputShape = [...inputShape];
    this.graphValue = { nodes, inputs: [input], outputs: [nodes[nodes.length - 1]] };
    return this;
  }

  override get outputShape(): Shape {
    if (!this.built) throw new Error('the model is not built');
    return this.layers[this.layers.length - 1].outputShape!;
  }

  /** The chain up to the logits (a final softmax is left to the loss and predict). */
  override call(x: Tensor, ctx: CallContext): Tensor {
    if (!this.built) this.build(x.shape.slice(1));
    const last = logitsNode(this.graph);
    if (!last.layer) return x;
    let y = x;
    for (const layer of this.layers) {
      y = layer.apply(y, ctx);
      if (layer === last.layer) break;
    }
    return y;
  }
}

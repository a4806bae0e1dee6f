// Symbolic tensors of the functional API (Keras' KerasTensor): what
// `input({ shape })` and `layer.apply(symbolic)` return. A symbolic tensor is
// a shape (without the batch axis) and the graph node that produces it; no
// values. `new Model({ inputs, outputs })` walks the nodes back from the
// outputs to collect the graph.
//
// Structural types only (no import of layer.ts), so that layer.ts can create
// symbolic tensors without an import cycle.
import type { Shape } from '../tensor/shape.js';
import { ShapeError } from '../tensor/shape.js';

/** What the graph needs of a layer (Layer has it). */
export interface GraphLayer {
  name: string;
  readonly className: string;
}

/** One node of a functional graph: a model input (layer null) or one application of a layer. */
export interface GraphNode {
  readonly layer: GraphLayer | null;
  /** The nodes whose outputs this node consumes, in argument order. */
  readonly inputs: readonly GraphNode[];
  /** Output shape without the batch axis. */
  readonly shape: Shape;
  /** The input's name (model inputs) or the layer's name when applied. */
  readonly name: string;
}

export class SymbolicTensor {
  readonly node: GraphNode;
  constructor(node: GraphNode) {
    this.node = node;
  }
  get shape(): Shape {
    return this.node.shape;
  }
  get name(): string {
    return this.node.name;
  }
}

export interface InputOptions {
  /** Shape without the batch axis, e.g. [28, 28, 1]. */
  shape: readonly number[];
  name?: string;
}

/** A model input (Keras' `Input`). */
export function input(opts: InputOptions): SymbolicTensor {
  const shape = [...(opts?.shape ?? [])];
  if (shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new ShapeError(`input: shape must be a non-empty list of positive integers (without the batch axis), got ${JSON.stringify(opts?.shape)}`);
  }
  const name = opts.name ?? 'input';
  return new SymbolicTensor({ layer: null, inputs: [], shape, name });
}

export function isSymbolic(x: unknown): x is SymbolicTensor | SymbolicTensor[] {
  return x instanceof SymbolicTensor || (Array.isArray(x) && x.length > 0 && x.every((t) => t instanceof SymbolicTensor));
}

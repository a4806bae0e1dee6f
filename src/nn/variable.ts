// A named model weight: the tensor plus what optimizers and summaries need to
// know about it (trainable or not, its constraint, its quantized precision).
import type { Tensor } from '../tensor/tensor.js';
import { keep } from '../tensor/scope.js';

export type Constraint = (value: Tensor) => void;

export interface VariableOptions {
  trainable?: boolean;
  constraint?: Constraint | null;
  /** Bits of the values the forward pass actually uses (1 for a binarized kernel); 32 when not quantized. */
  precision?: number;
}

export class Variable {
  readonly name: string;
  readonly value: Tensor;
  trainable: boolean;
  constraint: Constraint | null;
  precision: number;

  constructor(name: string, value: Tensor, opts: VariableOptions = {}) {
    this.name = name;
    this.value = keep(value);
    value.name = name;
    this.trainable = opts.trainable ?? true;
    this.value.requiresGrad = this.trainable;
    this.constraint = opts.constraint ?? null;
    this.precision = opts.precision ?? 32;
  }

  get shape(): readonly number[] {
    return this.value.shape;
  }

  get size(): number {
    return this.value.size;
  }

  get grad(): Tensor | null {
    return this.value.grad;
  }

  dispose(): void {
    this.value.dispose();
  }
}

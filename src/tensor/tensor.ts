// A Tensor is a shape plus a block of WASM linear memory (so kernels read it in
// place) plus, when it was produced by a differentiable op, the node that
// knows how to push its gradient back (see autograd/graph.ts).
import { alloc, allocZeroed, free, f32View, i32View } from '../wasm/memory.js';
import { track, untrack } from './scope.js';
import { type Shape, checkShape, sizeOf, shapeStr } from './shape.js';

/** The autograd record of an op output (autograd/graph.ts creates and runs it). */
export interface GradNode {
  op: string;
  parents: Tensor[];
  /** Receives dLoss/dOutput; must call accumulateGrad() for each parent that requiresGrad. */
  backward(gradOut: Tensor): void;
}

export type DType = 'float32' | 'int32';

export class Tensor {
  readonly isTensor = true;
  readonly shape: Shape;
  readonly size: number;
  readonly dtype: DType;
  private _ptr: number;
  /** Leaves with requiresGrad get .grad filled by backward(). */
  requiresGrad = false;
  grad: Tensor | null = null;
  /** Set on op outputs while autograd records. */
  node: GradNode | null = null;
  name: string | undefined;

  /** Allocates uninitialised memory unless `zero`. */
  constructor(shape: Shape, dtype: DType = 'float32', zero = false) {
    checkShape(shape);
    this.shape = Object.freeze([...shape]);
    this.size = sizeOf(shape);
    this.dtype = dtype;
    this._ptr = zero ? allocZeroed(this.size * 4) : alloc(this.size * 4);
    track(this);
  }

  static zeros(shape: Shape, dtype: DType = 'float32'): Tensor {
    return new Tensor(shape, dtype, true);
  }

  static full(shape: Shape, value: number): Tensor {
    const t = new Tensor(shape);
    t.data.fill(value);
    return t;
  }

  static ones(shape: Shape): Tensor {
    return Tensor.full(shape, 1);
  }

  static scalar(value: number): Tensor {
    return Tensor.full([], value);
  }

  /** Copies `values` into a new tensor; the length must match the shape. */
  static from(values: ArrayLike<number>, shape: Shape = [values.length], dtype: DType = 'float32'): Tensor {
    const n = sizeOf(shape);
    if (values.length !== n) {
      throw new Error(`Tensor.from: ${values.length} values do not fill shape ${shapeStr(shape)} (${n} elements)`);
    }
    const t = new Tensor(shape, dtype);
    if (dtype === 'float32') t.data.set(values);
    else t.int32Data.set(values);
    return t;
  }

  get ptr(): number {
    if (this._ptr < 0) throw new Error(`${this.describe()} was disposed`);
    return this._ptr;
  }

  get isDisposed(): boolean {
    return this._ptr < 0;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** A live view of the float32 contents (invalidated when memory grows: do not keep it). */
  get data(): Float32Array {
    if (this.dtype !== 'float32') throw new Error(`${this.describe()} is ${this.dtype}, not float32`);
    return f32View(this.ptr, this.size);
  }

  get int32Data(): Int32Array {
    if (this.dtype !== 'int32') throw new Error(`${this.describe()} is ${this.dtype}, not int32`);
    return i32View(this.ptr, this.size);
  }

  /** A copy of the contents that survives dispose(). */
  toArray(): Float32Array {
    return this.data.slice();
  }

  item(): number {
    if (this.size !== 1) throw new Error(`item(): ${this.describe()} has ${this.size} elements, not 1`);
    return this.dtype === 'float32' ? this.data[0] : this.int32Data[0];
  }

  /** A new tensor with the same contents and shape, outside autograd. */
  clone(): Tensor {
    const t = new Tensor(this.shape, this.dtype);
    i32View(t.ptr, this.size).set(i32View(this.ptr, this.size));
    return t;
  }

  /** Overwrites the contents with src's (same size). */
  assign(src: Tensor): void {
    if (src.size !== this.size) throw new Error(`assign: ${src.describe()} into ${this.describe()}`);
    i32View(this.ptr, this.size).set(i32View(src.ptr, src.size));
  }

  describe(): string {
    return `tensor ${this.name ? this.name + ' ' : ''}${shapeStr(this.shape)}`;
  }

  toString(): string {
    return `Tensor${shapeStr(this.shape)}`;
  }

  dispose(): void {
    if (this._ptr < 0) return;
    free(this._ptr);
    this._ptr = -1;
    this.node = null;
    if (this.grad) {
      this.grad.dispose();
      this.grad = null;
    }
    untrack(this);
  }
}

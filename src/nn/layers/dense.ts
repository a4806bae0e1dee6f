import type { Tensor } from '../../tensor/tensor.js';
import { ShapeError, type Shape } from '../../tensor/shape.js';
import type { Rng } from '../../tensor/random.js';
import { Layer, type CallContext } from '../layer.js';
import type { Variable } from '../variable.js';
import type { Initializer } from '../initializers.js';
import { matmul } from '../../ops/matmul.js';
import { biasAdd } from '../../ops/biasAdd.js';
import { activationByName } from '../../ops/activations.js';

export interface DenseOptions {
  units: number;
  useBias?: boolean;
  activation?: string;
  kernelInitializer?: string | Initializer;
  biasInitializer?: string | Initializer;
  name?: string;
}

export class Dense extends Layer {
  readonly units: number;
  readonly useBias: boolean;
  readonly activation: string;
  readonly kernelInitializer: string | Initializer;
  readonly biasInitializer: string | Initializer;
  kernel: Variable | null = null;
  bias: Variable | null = null;

  constructor(opts: DenseOptions) {
    super(opts.name);
    if (!Number.isInteger(opts.units) || opts.units < 1) throw new Error(`Dense: units must be a positive integer, got ${opts.units}`);
    this.units = opts.units;
    this.useBias = opts.useBias ?? true;
    this.activation = opts.activation ?? 'linear';
    activationByName(this.activation);
    this.kernelInitializer = opts.kernelInitializer ?? 'glorot_uniform';
    this.biasInitializer = opts.biasInitializer ?? 'zeros';
  }

  get className(): string {
    return 'dense';
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 1) {
      throw new ShapeError(`Dense "${this.name}" needs a flat input [batch, features], got [batch, ${inputShape.join(', ')}]; add a Flatten layer before it`);
    }
    return [this.units];
  }

  protected override createVariables(inputShape: Shape, rng: Rng): void {
    this.kernel = this.addWeight('kernel', [inputShape[0], this.units], this.kernelInitializer, rng);
    if (this.useBias) this.bias = this.addWeight('bias', [this.units], this.biasInitializer, rng);
  }

  /** The kernel as the forward pass uses it (quantized layers override). */
  protected effectiveKernel(_ctx: CallContext): Tensor {
    return this.kernel!.value;
  }

  /** The input as the forward pass uses it (quantized layers override). */
  protected effectiveInput(x: Tensor, _ctx: CallContext): Tensor {
    return x;
  }

  /** The matrix product proper (quantized layers override it to run on packed bits). */
  protected product(x: Tensor, kernel: Tensor, _ctx: CallContext): Tensor {
    return matmul(x, kernel);
  }

  call(x: Tensor, ctx: CallContext): Tensor {
    const kernel = this.applyTransforms(this.kernelTransforms, this.effectiveKernel(ctx), ctx);
    let y = this.applyTransforms(this.accumulatorTransforms, this.product(this.effectiveInput(x, ctx), kernel, ctx), ctx);
    if (this.bias) y = biasAdd(y, this.bias.value);
    return activationByName(this.activation)(y);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), units: this.units, useBias: this.useBias, activation: this.activation };
  }
}


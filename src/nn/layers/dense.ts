import type { Tensor } from '../../tensor/tensor.js';
import { ShapeError, type Shape } from '../../tensor/shape.js';
import type { Rng } from '../../tensor/random.js';
import type { Variable } from '../variable.js';
import type { Initializer } from '../initializers.js';
import type { Quantizer } from '../../quantizers/quantizer.js';
import { matmul } from '../../ops/matmul.js';
import { activationByName, type ActivationName } from '../../ops/activations.js';
import { ProductLayer, type KernelSlot, type MultiplyOptions, type PaddedInput, type ProductSpec } from '../productLayer.js';
import { xnorDenseForward } from './xnorPath.js';

export interface DenseOptions {
  units: number;
  useBias?: boolean;
  activation?: ActivationName;
  kernelInitializer?: string | Initializer;
  biasInitializer?: string | Initializer;
  name?: string;
}

export class Dense extends ProductLayer {
  readonly units: number;
  readonly useBias: boolean;
  readonly activation: string;
  readonly kernelInitializer: string | Initializer;
  readonly biasInitializer: string | Initializer;
  kernel: Variable | null = null;
  /** Quantizes the kernel in the forward pass (QuantDense); null uses it as is. */
  kernelQuantizer: Quantizer | null = null;

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

  get spec(): ProductSpec {
    return { kind: 'dense', units: this.units };
  }

  kernelSlots(): KernelSlot[] {
    if (!this.kernel) throw new Error(`layer "${this.name}" is not built`);
    return [{ name: 'kernel', variable: this.kernel, quantizer: this.kernelQuantizer }];
  }

  multiplyPadded(xp: PaddedInput, kernels: readonly Tensor[], opts: MultiplyOptions = {}): Tensor {
    return matmul(xp.x, kernels[0], opts.binary ? { forward: xnorDenseForward } : {});
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), units: this.units, useBias: this.useBias, activation: this.activation };
  }
}


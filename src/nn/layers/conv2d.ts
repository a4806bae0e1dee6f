import type { Tensor } from '../../tensor/tensor.js';
import { ShapeError, type Shape } from '../../tensor/shape.js';
import type { Rng } from '../../tensor/random.js';
import type { Variable } from '../variable.js';
import type { Initializer } from '../initializers.js';
import type { Quantizer } from '../../quantizers/quantizer.js';
import { conv2d } from '../../ops/conv2d.js';
import { activationByName, type ActivationName } from '../../ops/activations.js';
import { ProductLayer, type KernelSlot, type MultiplyOptions, type PaddedInput, type ProductSpec } from '../productLayer.js';
import { xnorConvForward } from './xnorPath.js';
import { windowGeometry, pair, type Padding, checkPadding, positiveInteger } from '../../ops/convGeometry.js';

export interface Conv2DOptions {
  filters: number;
  kernelSize: number | [number, number];
  strides?: number | [number, number];
  padding?: Padding;
  useBias?: boolean;
  activation?: ActivationName;
  kernelInitializer?: string | Initializer;
  biasInitializer?: string | Initializer;
  name?: string;
}

export class Conv2D extends ProductLayer {
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly useBias: boolean;
  readonly activation: string;
  readonly kernelInitializer: string | Initializer;
  readonly biasInitializer: string | Initializer;
  kernel: Variable | null = null;
  /** Quantizes the kernel in the forward pass (QuantConv2D); null uses it as is. */
  kernelQuantizer: Quantizer | null = null;
  /** Value of the cells 'same' padding adds (QuantConv2D's padValues; 0 here). */
  padValues = 0;

  constructor(opts: Conv2DOptions) {
    super(opts.name);
    this.filters = positiveInteger(opts.filters, 'Conv2D: filters');
    this.kernelSize = pair(opts.kernelSize, 'Conv2D kernelSize');
    this.strides = pair(opts.strides ?? 1, 'Conv2D strides');
    this.padding = checkPadding(opts.padding, 'Conv2D');
    this.useBias = opts.useBias ?? true;
    this.activation = opts.activation ?? 'linear';
    activationByName(this.activation);
    this.kernelInitializer = opts.kernelInitializer ?? 'glorot_uniform';
    this.biasInitializer = opts.biasInitializer ?? 'zeros';
  }

  get className(): string {
    return 'conv2d';
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 3) {
      throw new ShapeError(`Conv2D "${this.name}" needs images [batch, height, width, channels], got [batch, ${inputShape.join(', ')}]`);
    }
    const g = windowGeometry(`Conv2D "${this.name}"`, [1, ...inputShape], this.kernelSize, this.strides, this.padding);
    return [g.OH, g.OW, this.filters];
  }

  protected override createVariables(inputShape: Shape, rng: Rng): void {
    const [kh, kw] = this.kernelSize;
    this.kernel = this.addWeight('kernel', [kh, kw, inputShape[2], this.filters], this.kernelInitializer, rng);
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], this.biasInitializer, rng);
  }

  get spec(): ProductSpec {
    return {
      kind: 'conv2d', filters: this.filters, kernelSize: this.kernelSize, strides: this.strides, padding: this.padding,
      padValue: this.padValues,
    };
  }

  kernelSlots(): KernelSlot[] {
    if (!this.kernel) throw new Error(`layer "${this.name}" is not built`);
    return [{ name: 'kernel', variable: this.kernel, quantizer: this.kernelQuantizer }];
  }

  multiplyPadded(xp: PaddedInput, kernels: readonly Tensor[], opts: MultiplyOptions = {}): Tensor {
    return conv2d(xp.x, kernels[0], { strides: this.strides, padding: xp.padding, forward: opts.binary ? xnorConvForward : undefined });
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), filters: this.filters, kernelSize: this.kernelSize, strides: this.strides,
      padding: this.padding, useBias: this.useBias, activation: this.activation,
    };
  }
}

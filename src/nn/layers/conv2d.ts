import type { Tensor } from '../../tensor/tensor.js';
import { ShapeError, type Shape } from '../../tensor/shape.js';
import type { Rng } from '../../tensor/random.js';
import { Layer, type CallContext } from '../layer.js';
import type { Variable } from '../variable.js';
import type { Initializer } from '../initializers.js';
import { conv2d } from '../../ops/conv2d.js';
import { biasAdd } from '../../ops/biasAdd.js';
import { activationByName } from '../../ops/activations.js';
import { windowGeometry, pair, type Padding, checkPadding, positiveInteger } from '../../ops/convGeometry.js';

export interface Conv2DOptions {
  filters: number;
  kernelSize: number | [number, number];
  strides?: number | [number, number];
  padding?: Padding;
  useBias?: boolean;
  activation?: string;
  kernelInitializer?: string | Initializer;
  biasInitializer?: string | Initializer;
  name?: string;
}

export class Conv2D extends Layer {
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly useBias: boolean;
  readonly activation: string;
  readonly kernelInitializer: string | Initializer;
  readonly biasInitializer: string | Initializer;
  kernel: Variable | null = null;
  bias: Variable | null = null;

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

  protected effectiveKernel(_ctx: CallContext): Tensor {
    return this.kernel!.value;
  }

  protected effectiveInput(x: Tensor, _ctx: CallContext): Tensor {
    return x;
  }

  /** The convolution proper (quantized layers override it for their padding and kernels). */
  protected convolve(x: Tensor, kernel: Tensor, _ctx: CallContext): Tensor {
    return conv2d(x, kernel, { strides: this.strides, padding: this.padding });
  }

  call(x: Tensor, ctx: CallContext): Tensor {
    const kernel = this.applyTransforms(this.kernelTransforms, this.effectiveKernel(ctx), ctx);
    let y = this.applyTransforms(this.accumulatorTransforms, this.convolve(this.effectiveInput(x, ctx), kernel, ctx), ctx);
    if (this.bias) y = biasAdd(y, this.bias.value);
    return activationByName(this.activation)(y);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), filters: this.filters, kernelSize: this.kernelSize, strides: this.strides,
      padding: this.padding, useBias: this.useBias, activation: this.activation,
    };
  }
}

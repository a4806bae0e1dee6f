// QuantSeparableConv2D (Larq): a depthwise convolution followed by a 1x1
// pointwise convolution, each with its own quantized kernel, sharing one
// input quantizer (applied before the depthwise step, then padding as in
// QuantConv2D). Needed to reproduce models such as Larq's own summary test.
import type { Tensor } from '../../tensor/tensor.js';
import { ShapeError, type Shape } from '../../tensor/shape.js';
import type { Rng } from '../../tensor/random.js';
import { ProductLayer, type KernelSlot, type PaddedInput, type ProductSpec } from '../productLayer.js';
import type { Constraint, Variable } from '../variable.js';
import type { Initializer } from '../initializers.js';
import type { Quantizer } from '../../quantizers/quantizer.js';
import { getQuantizer, type QuantizerLike } from '../../quantizers/registry.js';
import { getConstraint, type ConstraintLike } from '../../quantizers/constraints.js';
import { depthwiseConv2d } from '../../ops/depthwiseConv2d.js';
import { conv2d } from '../../ops/conv2d.js';
import { activationByName, type ActivationName } from '../../ops/activations.js';
import { windowGeometry, pair, type Padding, checkPadding, positiveInteger } from '../../ops/convGeometry.js';
import { warnIfStarvable, tagKernel, checkPadValues, quantizerConfig, constraintConfig } from './quantCommon.js';

export interface QuantSeparableConv2DOptions {
  filters: number;
  kernelSize: number | [number, number];
  strides?: number | [number, number];
  padding?: Padding;
  depthMultiplier?: number;
  useBias?: boolean;
  activation?: ActivationName;
  inputQuantizer?: QuantizerLike;
  depthwiseQuantizer?: QuantizerLike;
  pointwiseQuantizer?: QuantizerLike;
  depthwiseConstraint?: ConstraintLike;
  pointwiseConstraint?: ConstraintLike;
  depthwiseInitializer?: string | Initializer;
  pointwiseInitializer?: string | Initializer;
  biasInitializer?: string | Initializer;
  padValues?: number;
  name?: string;
}

export class QuantSeparableConv2D extends ProductLayer {
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly depthMultiplier: number;
  readonly useBias: boolean;
  readonly activation: string;
  readonly depthwiseQuantizer: Quantizer | null;
  readonly pointwiseQuantizer: Quantizer | null;
  readonly depthwiseConstraint: Constraint | null;
  readonly pointwiseConstraint: Constraint | null;
  readonly padValues: number;
  private readonly inits: { depthwise: string | Initializer; pointwise: string | Initializer; bias: string | Initializer };
  depthwiseKernel: Variable | null = null;
  pointwiseKernel: Variable | null = null;

  constructor(opts: QuantSeparableConv2DOptions) {
    super(opts.name);
    this.filters = positiveInteger(opts.filters, 'QuantSeparableConv2D: filters');
    this.kernelSize = pair(opts.kernelSize, 'QuantSeparableConv2D kernelSize');
    this.strides = pair(opts.strides ?? 1, 'QuantSeparableConv2D strides');
    this.padding = checkPadding(opts.padding, 'QuantSeparableConv2D');
    this.depthMultiplier = positiveInteger(opts.depthMultiplier ?? 1, 'QuantSeparableConv2D: depthMultiplier');
    this.useBias = opts.useBias ?? true;
    this.activation = opts.activation ?? 'linear';
    activationByName(this.activation);
    this.inputQuantizer = getQuantizer(opts.inputQuantizer);
    this.depthwiseQuantizer = getQuantizer(opts.depthwiseQuantizer);
    this.pointwiseQuantizer = getQuantizer(opts.pointwiseQuantizer);
    this.depthwiseConstraint = getConstraint(opts.depthwiseConstraint);
    this.pointwiseConstraint = getConstraint(opts.pointwiseConstraint);
    this.padValues = checkPadValues(opts.padValues ?? 0);
    this.inits = {
      depthwise: opts.depthwiseInitializer ?? 'glorot_uniform',
      pointwise: opts.pointwiseInitializer ?? 'glorot_uniform',
      bias: opts.biasInitializer ?? 'zeros',
    };
    warnIfStarvable(this.depthwiseQuantizer, this.depthwiseConstraint, 'depthwise_constraint', 'depthwise_quantizer');
    warnIfStarvable(this.pointwiseQuantizer, this.pointwiseConstraint, 'pointwise_constraint', 'pointwise_quantizer');
  }

  get className(): string {
    return 'quant_separable_conv2d';
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 3) {
      throw new ShapeError(`QuantSeparableConv2D "${this.name}" needs images [batch, height, width, channels], got [batch, ${inputShape.join(', ')}]`);
    }
    const g = windowGeometry(`QuantSeparableConv2D "${this.name}"`, [1, ...inputShape], this.kernelSize, this.strides, this.padding);
    return [g.OH, g.OW, this.filters];
  }

  protected override createVariables(inputShape: Shape, rng: Rng): void {
    const [kh, kw] = this.kernelSize;
    const C = inputShape[2];
    this.depthwiseKernel = this.addWeight('depthwise_kernel', [kh, kw, C, this.depthMultiplier], this.inits.depthwise, rng);
    tagKernel(this.depthwiseKernel, this.depthwiseQuantizer, this.depthwiseConstraint);
    this.pointwiseKernel = this.addWeight('pointwise_kernel', [1, 1, C * this.depthMultiplier, this.filters], this.inits.pointwise, rng);
    tagKernel(this.pointwiseKernel, this.pointwiseQuantizer, this.pointwiseConstraint);
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], this.inits.bias, rng);
  }

  get spec(): ProductSpec {
    return {
      kind: 'separable_conv2d', filters: this.filters, depthMultiplier: this.depthMultiplier, kernelSize: this.kernelSize,
      strides: this.strides, padding: this.padding, padValue: this.padValues,
    };
  }

  kernelSlots(): KernelSlot[] {
    if (!this.depthwiseKernel || !this.pointwiseKernel) throw new Error(`layer "${this.name}" is not built`);
    return [
      { name: 'depthwise_kernel', variable: this.depthwiseKernel, quantizer: this.depthwiseQuantizer },
      { name: 'pointwise_kernel', variable: this.pointwiseKernel, quantizer: this.pointwiseQuantizer },
    ];
  }

  /** The depthwise step, then the 1x1 pointwise step on its output (no quantizer between them, as in Larq). */
  multiplyPadded(xp: PaddedInput, kernels: readonly Tensor[]): Tensor {
    const depthwise = depthwiseConv2d(xp.x, kernels[0], { strides: this.strides, padding: xp.padding });
    return conv2d(depthwise, kernels[1]);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), filters: this.filters, kernelSize: this.kernelSize, strides: this.strides, padding: this.padding,
      depthMultiplier: this.depthMultiplier, useBias: this.useBias, activation: this.activation,
      inputQuantizer: quantizerConfig(this.inputQuantizer), depthwiseQuantizer: quantizerConfig(this.depthwiseQuantizer),
      pointwiseQuantizer: quantizerConfig(this.pointwiseQuantizer), depthwiseConstraint: constraintConfig(this.depthwiseConstraint),
      pointwiseConstraint: constraintConfig(this.pointwiseConstraint), padValues: this.padValues,
    };
  }
}

// QuantDepthwiseConv2D (Larq): a depthwise convolution (each input channel
// convolved with its own depthMultiplier filters) with an input quantizer and
// a quantized depthwise kernel. Larq names the kernel arguments depthwise*;
// the kernel* spellings are accepted as aliases so all quantized layers can be
// configured alike.
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
import { activationByName, type ActivationName } from '../../ops/activations.js';
import { windowGeometry, pair, type Padding, checkPadding, positiveInteger } from '../../ops/convGeometry.js';
import { warnIfStarvable, tagKernel, checkPadValues, quantizerConfig, constraintConfig } from './quantCommon.js';

export interface QuantDepthwiseConv2DOptions {
  kernelSize: number | [number, number];
  strides?: number | [number, number];
  padding?: Padding;
  depthMultiplier?: number;
  useBias?: boolean;
  activation?: ActivationName;
  inputQuantizer?: QuantizerLike;
  depthwiseQuantizer?: QuantizerLike;
  depthwiseConstraint?: ConstraintLike;
  depthwiseInitializer?: string | Initializer;
  /** Alias of depthwiseQuantizer. */
  kernelQuantizer?: QuantizerLike;
  /** Alias of depthwiseConstraint. */
  kernelConstraint?: ConstraintLike;
  biasInitializer?: string | Initializer;
  padValues?: number;
  name?: string;
}

function pick<T>(a: T | undefined, b: T | undefined, what: string): T | undefined {
  if (a !== undefined && b !== undefined) throw new Error(`QuantDepthwiseConv2D: give ${what} once (depthwise* or its kernel* alias)`);
  return a ?? b;
}

export class QuantDepthwiseConv2D extends ProductLayer {
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly depthMultiplier: number;
  readonly useBias: boolean;
  readonly activation: string;
  readonly depthwiseQuantizer: Quantizer | null;
  readonly depthwiseConstraint: Constraint | null;
  readonly depthwiseInitializer: string | Initializer;
  readonly biasInitializer: string | Initializer;
  readonly padValues: number;
  depthwiseKernel: Variable | null = null;

  constructor(opts: QuantDepthwiseConv2DOptions) {
    super(opts.name);
    this.kernelSize = pair(opts.kernelSize, 'QuantDepthwiseConv2D kernelSize');
    this.strides = pair(opts.strides ?? 1, 'QuantDepthwiseConv2D strides');
    this.padding = checkPadding(opts.padding, 'QuantDepthwiseConv2D');
    this.depthMultiplier = positiveInteger(opts.depthMultiplier ?? 1, 'QuantDepthwiseConv2D: depthMultiplier');
    this.useBias = opts.useBias ?? true;
    this.activation = opts.activation ?? 'linear';
    activationByName(this.activation);
    this.inputQuantizer = getQuantizer(opts.inputQuantizer);
    this.depthwiseQuantizer = getQuantizer(pick(opts.depthwiseQuantizer, opts.kernelQuantizer, 'the quantizer'));
    this.depthwiseConstraint = getConstraint(pick(opts.depthwiseConstraint, opts.kernelConstraint, 'the constraint'));
    this.depthwiseInitializer = opts.depthwiseInitializer ?? 'glorot_uniform';
    this.biasInitializer = opts.biasInitializer ?? 'zeros';
    this.padValues = checkPadValues(opts.padValues ?? 0);
    warnIfStarvable(this.depthwiseQuantizer, this.depthwiseConstraint, 'depthwise_constraint');
  }

  /** The same quantizer under the name the other quantized layers use. */
  get kernelQuantizer(): Quantizer | null {
    return this.depthwiseQuantizer;
  }

  get className(): string {
    return 'quant_depthwise_conv2d';
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 3) {
      throw new ShapeError(`QuantDepthwiseConv2D "${this.name}" needs images [batch, height, width, channels], got [batch, ${inputShape.join(', ')}]`);
    }
    const g = windowGeometry(`QuantDepthwiseConv2D "${this.name}"`, [1, ...inputShape], this.kernelSize, this.strides, this.padding);
    return [g.OH, g.OW, inputShape[2] * this.depthMultiplier];
  }

  protected override createVariables(inputShape: Shape, rng: Rng): void {
    const [kh, kw] = this.kernelSize;
    this.depthwiseKernel = this.addWeight('depthwise_kernel', [kh, kw, inputShape[2], this.depthMultiplier], this.depthwiseInitializer, rng);
    tagKernel(this.depthwiseKernel, this.depthwiseQuantizer, this.depthwiseConstraint);
    if (this.useBias) this.bias = this.addWeight('bias', [inputShape[2] * this.depthMultiplier], this.biasInitializer, rng);
  }

  get spec(): ProductSpec {
    return {
      kind: 'depthwise_conv2d', depthMultiplier: this.depthMultiplier, kernelSize: this.kernelSize, strides: this.strides,
      padding: this.padding, padValue: this.padValues,
    };
  }

  kernelSlots(): KernelSlot[] {
    if (!this.depthwiseKernel) throw new Error(`layer "${this.name}" is not built`);
    return [{ name: 'depthwise_kernel', variable: this.depthwiseKernel, quantizer: this.depthwiseQuantizer }];
  }

  multiplyPadded(xp: PaddedInput, kernels: readonly Tensor[]): Tensor {
    return depthwiseConv2d(xp.x, kernels[0], { strides: this.strides, padding: xp.padding });
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), kernelSize: this.kernelSize, strides: this.strides, padding: this.padding,
      depthMultiplier: this.depthMultiplier, useBias: this.useBias, activation: this.activation,
      inputQuantizer: quantizerConfig(this.inputQuantizer), depthwiseQuantizer: quantizerConfig(this.depthwiseQuantizer),
      depthwiseConstraint: constraintConfig(this.depthwiseConstraint), padValues: this.padValues,
    };
  }
}

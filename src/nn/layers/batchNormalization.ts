import type { Tensor } from '../../tensor/tensor.js';
import type { Shape } from '../../tensor/shape.js';
import type { Rng } from '../../tensor/random.js';
import { Layer, type CallContext } from '../layer.js';
import type { Variable } from '../variable.js';
import { batchNorm } from '../../ops/batchNorm.js';

export interface BatchNormalizationOptions {
  /** Keras default 0.99. */
  momentum?: number;
  /** Keras default 1e-3. */
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  name?: string;
}

/** Normalises the last axis; Keras semantics (gamma, beta, moving_mean, moving_variance). */
export class BatchNormalization extends Layer {
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  gamma: Variable | null = null;
  beta: Variable | null = null;
  movingMean: Variable | null = null;
  movingVariance: Variable | null = null;

  constructor(opts: BatchNormalizationOptions = {}) {
    super(opts.name);
    this.momentum = opts.momentum ?? 0.99;
    this.epsilon = opts.epsilon ?? 1e-3;
    this.center = opts.center ?? true;
    this.scale = opts.scale ?? true;
    if (!(this.momentum >= 0 && this.momentum <= 1)) throw new Error(`BatchNormalization: momentum must be in [0, 1], got ${this.momentum}`);
    if (!(this.epsilon > 0)) throw new Error(`BatchNormalization: epsilon must be > 0, got ${this.epsilon}`);
  }

  get className(): string {
    return 'batch_normalization';
  }

  computeOutputShape(inputShape: Shape): Shape {
    return inputShape;
  }

  protected override createVariables(inputShape: Shape, rng: Rng): void {
    const C = [inputShape[inputShape.length - 1]];
    if (this.scale) this.gamma = this.addWeight('gamma', C, 'ones', rng);
    if (this.center) this.beta = this.addWeight('beta', C, 'zeros', rng);
    this.movingMean = this.addWeight('moving_mean', C, 'zeros', rng, { trainable: false });
    this.movingVariance = this.addWeight('moving_variance', C, 'ones', rng, { trainable: false });
  }

  call(x: Tensor, ctx: CallContext): Tensor {
    return batchNorm(x, {
      gamma: this.gamma?.value ?? null,
      beta: this.beta?.value ?? null,
      movingMean: this.movingMean!.value,
      movingVariance: this.movingVariance!.value,
    }, { training: ctx.training, momentum: this.momentum, epsilon: this.epsilon });
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), momentum: this.momentum, epsilon: this.epsilon, center: this.center, scale: this.scale };
  }
}

import type { Tensor } from '../tensor/tensor.js';
import { wasm } from '../wasm/module.js';
import type { Variable } from '../nn/variable.js';
import { Optimizer } from './optimizer.js';
import type { LearningRateSchedule } from './schedules.js';

export interface SGDOptions {
  learningRate?: number | LearningRateSchedule;
  momentum?: number;
  nesterov?: boolean;
}

/** Keras SGD: v = momentum·v − lr·g; w += v (or momentum·v − lr·g with Nesterov). */
export class SGD extends Optimizer {
  readonly momentum: number;
  readonly nesterov: boolean;

  constructor(opts: SGDOptions = {}) {
    super(opts.learningRate ?? 0.01);
    this.momentum = opts.momentum ?? 0;
    this.nesterov = opts.nesterov ?? false;
    if (!(this.momentum >= 0 && this.momentum < 1)) throw new Error(`SGD: momentum must be in [0, 1), got ${this.momentum}`);
  }

  get name(): string {
    return 'SGD';
  }

  protected updateVariable(v: Variable, grad: Tensor, lr: number): void {
    const velocity = this.momentum > 0 ? this.slot(v, 'momentum').ptr : 0;
    wasm().sgdUpdate(v.value.ptr, grad.ptr, velocity, v.size, lr, this.momentum, this.nesterov ? 1 : 0);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), momentum: this.momentum, nesterov: this.nesterov };
  }
}

import type { Tensor } from '../tensor/tensor.js';
import { wasm } from '../wasm/module.js';
import type { Variable } from '../nn/variable.js';
import { Optimizer } from './optimizer.js';
import type { LearningRateSchedule } from './schedules.js';

export interface AdamOptions {
  learningRate?: number | LearningRateSchedule;
  beta1?: number;
  beta2?: number;
  /** Keras default 1e-7. */
  epsilon?: number;
}

/** Adam with Keras' defaults and bias correction folded into the step size. */
export class Adam extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;

  constructor(opts: AdamOptions = {}) {
    super(opts.learningRate ?? 1e-3);
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.epsilon = opts.epsilon ?? 1e-7;
  }

  get name(): string {
    return 'Adam';
  }

  protected updateVariable(v: Variable, grad: Tensor, lr: number): void {
    const t = this.iterations + 1;
    const lrT = lr * Math.sqrt(1 - this.beta2 ** t) / (1 - this.beta1 ** t);
    wasm().adamUpdate(v.value.ptr, grad.ptr, this.slot(v, 'm').ptr, this.slot(v, 'v').ptr, v.size, lrT,
      this.beta1, this.beta2, this.epsilon);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}

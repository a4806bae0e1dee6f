// Bop, the Binary optimizer (Helwegen et al. 2019), as Larq implements it.
// Binary weights have no latent float to nudge; instead Bop keeps an
// exponential moving average m of the gradient and flips a weight when m has
// the weight's sign and exceeds the threshold:
//   m ← m + γ·(g − m);   w ← sign(−tsign(w·m − τ)·w)
// with tsign(0) = 0 and Larq's sign(0) = +1, which decides the tie w·m == τ
// (the weight becomes +1). No learning rate. Bop binarizes whatever it
// updates, so use it only for binary variables, through CaseOptimizer.
import type { Tensor } from '../tensor/tensor.js';
import type { Variable } from '../nn/variable.js';
import { Optimizer } from './optimizer.js';
import type { LearningRateSchedule } from './schedules.js';

export interface BopOptions {
  /** τ; Larq's default 1e-8. */
  threshold?: number | LearningRateSchedule;
  /** Adaptivity rate γ of the moving average; Larq's default 1e-4. */
  gamma?: number | LearningRateSchedule;
}

const f = Math.fround;

function valueAt(v: number | LearningRateSchedule, step: number): number {
  return typeof v === 'number' ? v : v(step);
}

export class Bop extends Optimizer {
  readonly threshold: number | LearningRateSchedule;
  readonly gamma: number | LearningRateSchedule;

  constructor(opts: BopOptions = {}) {
    super(0);
    this.threshold = opts.threshold ?? 1e-8;
    this.gamma = opts.gamma ?? 1e-4;
    if (typeof this.threshold === 'number' && !(this.threshold >= 0)) throw new Error(`Bop: threshold must be >= 0, got ${this.threshold}`);
    if (typeof this.gamma === 'number' && !(this.gamma > 0 && this.gamma <= 1)) throw new Error(`Bop: gamma must be in (0, 1], got ${this.gamma}`);
  }

  get name(): string {
    return 'Bop';
  }

  /** Larq's rule: a variable is binary when its precision is 1 (e.g. an ste_sign or NoOp(1) kernel). */
  static isBinaryVariable(v: Variable): boolean {
    return v.precision === 1;
  }

  protected updateVariable(v: Variable, grad: Tensor, _lr: number): void {
    const gamma = f(valueAt(this.gamma, this.iterations));
    const tau = f(valueAt(this.threshold, this.iterations));
    const mSlot = this.slot(v, 'm');
    const m = mSlot.data;
    const w = v.value.data;
    const g = grad.data;
    for (let i = 0; i < w.length; i++) {
      const mi = f(m[i] + f(gamma * f(g[i] - m[i])));
      m[i] = mi;
      const d = f(f(w[i] * mi) - tau);
      const t = d > 0 ? 1 : d < 0 ? -1 : 0;
      w[i] = -t * w[i] >= 0 ? 1 : -1;
    }
  }

  override getConfig(): Record<string, unknown> {
    const show = (x: number | LearningRateSchedule) => (typeof x === 'number' ? x : 'schedule');
    return { name: this.name, threshold: show(this.threshold), gamma: show(this.gamma) };
  }
}

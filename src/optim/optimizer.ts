// Base of all optimizers: one step() that walks the variables, asks the
// subclass for the update of each, then applies the variable's constraint
// (as Keras does, after the update) and releases the gradient.
import { Tensor } from '../tensor/tensor.js';
import { keep } from '../tensor/scope.js';
import { noGrad } from '../autograd/graph.js';
import type { Variable } from '../nn/variable.js';
import type { LearningRateSchedule } from './schedules.js';
import { FlipRatio } from '../quantizers/flipRatio.js';

export abstract class Optimizer {
  learningRate: number | LearningRateSchedule;
  /** Number of steps taken (Keras' optimizer.iterations). */
  iterations = 0;
  private readonly slots = new Map<Variable, Map<string, Tensor>>();
  /** Measure the flip ratio of binary (precision-1) variables; an optimizer that delegates turns it off in its children. */
  trackFlips = true;
  private readonly flips = new FlipRatio();

  constructor(learningRate: number | LearningRateSchedule) {
    if (typeof learningRate === 'number' && !(learningRate >= 0)) {
      throw new Error(`${this.constructor.name}: learningRate must be >= 0, got ${learningRate}`);
    }
    this.learningRate = learningRate;
  }

  abstract get name(): string;

  currentLearningRate(): number {
    return typeof this.learningRate === 'number' ? this.learningRate : this.learningRate(this.iterations);
  }

  /** Updates every trainable variable that has a gradient. */
  step(variables: Variable[]): void {
    const lr = this.currentLearningRate();
    noGrad(() => {
      for (const v of variables) {
        const g = v.value.grad;
        if (!v.trainable || !g) continue;
        this.updateVariable(v, g, lr);
        if (v.constraint) v.constraint(v.value);
        g.dispose();
        v.value.grad = null;
      }
    });
    this.iterations++;
    this.recordFlips(variables);
  }

  /** Feeds the signs of the trainable binary variables to the flip-ratio metric. */
  protected recordFlips(variables: Variable[]): void {
    if (!this.trackFlips) return;
    const binary = variables.filter((v) => v.trainable && v.precision === 1);
    if (binary.length > 0) this.flips.updateSigns(binary.map((v) => v.value.data));
  }

  /** Metrics of the steps since the last call, then reset (fit() puts them into each EpochLog): flip_ratio when the model has binary variables. */
  epochMetrics(): Record<string, number> {
    const m: Record<string, number> = this.flips.steps > 0 ? { flip_ratio: this.flips.result() } : {};
    this.flips.reset();
    return m;
  }

  /** Applies the update for one variable; `lr` is this step's learning rate. */
  protected abstract updateVariable(v: Variable, grad: Tensor, lr: number): void;

  /** Per-variable state (moments, velocities), zero-initialised, living as long as the optimizer. */
  protected slot(v: Variable, name: string): Tensor {
    let m = this.slots.get(v);
    if (!m) this.slots.set(v, (m = new Map()));
    let t = m.get(name);
    if (!t) {
      t = keep(Tensor.zeros(v.shape));
      t.name = `${v.name}/${name}`;
      m.set(name, t);
    }
    return t;
  }

  /** The state of every variable, for saving a training state. */
  slotEntries(): { variable: Variable; name: string; value: Tensor }[] {
    const out: { variable: Variable; name: string; value: Tensor }[] = [];
    for (const [variable, m] of this.slots) for (const [name, value] of m) out.push({ variable, name, value });
    return out;
  }

  /** Restores one slot of slotEntries() (loading a saved training state). */
  setSlot(v: Variable, name: string, values: ArrayLike<number>): void {
    const t = this.slot(v, name);
    if (values.length !== t.size) throw new Error(`setSlot: ${t.describe()} needs ${t.size} values, got ${values.length}`);
    t.data.set(values);
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, learningRate: typeof this.learningRate === 'number' ? this.learningRate : 'schedule' };
  }

  dispose(): void {
    for (const m of this.slots.values()) for (const t of m.values()) t.dispose();
    this.slots.clear();
    this.flips.dispose();
  }
}

// CaseOptimizer (Larq): each variable is trained by the optimizer whose
// predicate claims it — typically binary variables by Bop and everything else
// (BatchNorm, biases, float layers) by Adam. The variable → optimizer map is
// computed on the first step with Larq's checks (a variable claimed twice or
// an optimizer claiming nothing is an error; an unclaimed variable without a
// default optimizer is left untrained with a warning). Each sub-optimizer
// keeps its own iteration count, as in Larq.
import type { Tensor } from '../tensor/tensor.js';
import type { Variable } from '../nn/variable.js';
import { Optimizer } from './optimizer.js';

export type VariablePredicate = (v: Variable) => boolean;

export interface CaseOptimizerOptions {
  /** Trains the variables no predicate claims. */
  defaultOptimizer?: Optimizer | null;
}

export class CaseOptimizer extends Optimizer {
  readonly cases: readonly [VariablePredicate, Optimizer][];
  readonly defaultOptimizer: Optimizer | null;
  private mapping: Map<Variable, Optimizer | null> | null = null;

  constructor(cases: [VariablePredicate, Optimizer][], opts: CaseOptimizerOptions = {}) {
    super(0);
    if (cases.length === 0 && !opts.defaultOptimizer) throw new Error('CaseOptimizer: give at least one (predicate, optimizer) pair or a default optimizer');
    this.cases = cases;
    this.defaultOptimizer = opts.defaultOptimizer ?? null;
    // Flips are measured once, over all variables, here.
    for (const o of this.optimizers) o.trackFlips = false;
  }

  get name(): string {
    return 'CaseOptimizer';
  }

  get optimizers(): Optimizer[] {
    return [...this.cases.map(([, o]) => o), ...(this.defaultOptimizer ? [this.defaultOptimizer] : [])];
  }

  /** The default optimizer's rate (the one logged per epoch); Bop has none. */
  override currentLearningRate(): number {
    return (this.defaultOptimizer ?? this.cases[0][1]).currentLearningRate();
  }

  private assign(v: Variable): Optimizer | null {
    const claims = this.cases.filter(([p]) => p(v)).map(([, o]) => o);
    if (claims.length > 1) throw new Error(`Variable ${v.name} claimed by multiple optimizers.`);
    if (claims.length === 1) return claims[0];
    if (!this.defaultOptimizer) console.warn(`No \`default_optimizer\` provided to train variable \`${v.name}\`.`);
    return this.defaultOptimizer;
  }

  /** Which optimizer trains v (null: none), once the map exists. */
  optimizerFor(v: Variable): Optimizer | null | undefined {
    return this.mapping?.get(v);
  }

  override step(variables: Variable[]): void {
    const first = this.mapping === null;
    const mapping = (this.mapping ??= new Map());
    for (const v of variables) if (v.trainable && !mapping.has(v)) mapping.set(v, this.assign(v));
    if (first) {
      const used = new Set(mapping.values());
      for (const [, o] of this.cases) if (!used.has(o)) throw new Error(`Optimizer ${o.name} did not claim any variables.`);
    }
    const groups = new Map<Optimizer, Variable[]>();
    for (const v of variables) {
      const o = mapping.get(v);
      if (o) {
        if (!groups.has(o)) groups.set(o, []);
        groups.get(o)!.push(v);
      } else if (v.value.grad) {
        v.value.grad.dispose();
        v.value.grad = null;
      }
    }
    for (const [o, vs] of groups) o.step(vs);
    this.iterations++;
    this.recordFlips(variables);
  }

  protected updateVariable(_v: Variable, _grad: Tensor, _lr: number): void {
    throw new Error('CaseOptimizer delegates every update to its sub-optimizers');
  }

  override slotEntries(): { variable: Variable; name: string; value: Tensor }[] {
    return this.optimizers.flatMap((o) => o.slotEntries());
  }

  override getConfig(): Record<string, unknown> {
    return {
      name: this.name,
      optimizers: this.cases.map(([, o]) => o.getConfig()),
      defaultOptimizer: this.defaultOptimizer?.getConfig() ?? null,
    };
  }

  override dispose(): void {
    for (const o of this.optimizers) o.dispose();
    super.dispose();
  }
}

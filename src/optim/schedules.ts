// Learning-rate schedules, as functions of the optimizer's iteration count
// (Keras' LearningRateSchedule semantics, step-based). Each built-in schedule
// carries its name and arguments (`schedule`), so a saved training state can
// rebuild it; a plain function works as a schedule but cannot be saved.
export type LearningRateSchedule = ((iteration: number) => number) & { schedule?: ScheduleConfig };

export interface ScheduleConfig {
  className: 'Constant' | 'ExponentialDecay' | 'PiecewiseConstant' | 'CosineDecay';
  config: Record<string, unknown>;
}

function described(fn: (iteration: number) => number, schedule: ScheduleConfig): LearningRateSchedule {
  return Object.assign(fn, { schedule });
}

/** Rebuilds a built-in schedule from its `schedule` description. */
export function scheduleFromConfig(s: ScheduleConfig): LearningRateSchedule {
  const c = s.config as never;
  switch (s.className) {
    case 'Constant': return constant((s.config as { value: number }).value);
    case 'ExponentialDecay': return exponentialDecay(c);
    case 'PiecewiseConstant': {
      const p = s.config as { boundaries: number[]; values: number[] };
      return piecewiseConstant(p.boundaries, p.values);
    }
    case 'CosineDecay': return cosineDecay(c);
    default: throw new Error(`unknown learning-rate schedule ${JSON.stringify(s)}`);
  }
}

export function constant(lr: number): LearningRateSchedule {
  return described(() => lr, { className: 'Constant', config: { value: lr } });
}

/** lr · decayRate^(step / decaySteps), floored per decaySteps when staircase. */
export function exponentialDecay(opts: { initialLearningRate: number; decaySteps: number; decayRate: number; staircase?: boolean }): LearningRateSchedule {
  const { initialLearningRate, decaySteps, decayRate, staircase } = opts;
  if (!(decaySteps > 0)) throw new Error(`exponentialDecay: decaySteps must be > 0, got ${decaySteps}`);
  return described((step) => {
    const p = step / decaySteps;
    return initialLearningRate * decayRate ** (staircase ? Math.floor(p) : p);
  }, { className: 'ExponentialDecay', config: { initialLearningRate, decaySteps, decayRate, staircase: staircase ?? false } });
}

/** values[i] while step < boundaries[i]; values.length == boundaries.length + 1. */
export function piecewiseConstant(boundaries: number[], values: number[]): LearningRateSchedule {
  if (values.length !== boundaries.length + 1) {
    throw new Error(`piecewiseConstant: need ${boundaries.length + 1} values for ${boundaries.length} boundaries, got ${values.length}`);
  }
  return described((step) => {
    for (let i = 0; i < boundaries.length; i++) if (step < boundaries[i]) return values[i];
    return values[values.length - 1];
  }, { className: 'PiecewiseConstant', config: { boundaries: [...boundaries], values: [...values] } });
}

/**
 * Cosine decay from lr to alpha·lr over decaySteps. With warmupSteps and
 * warmupTarget (Keras 3's CosineDecay arguments), the rate first rises
 * linearly from initialLearningRate to warmupTarget over warmupSteps, then
 * decays from warmupTarget over the next decaySteps.
 */
export function cosineDecay(opts: { initialLearningRate: number; decaySteps: number; alpha?: number; warmupTarget?: number; warmupSteps?: number }): LearningRateSchedule {
  const { initialLearningRate, decaySteps } = opts;
  const alpha = opts.alpha ?? 0;
  const warmupSteps = opts.warmupSteps ?? 0;
  const warmupTarget = opts.warmupTarget;
  if (warmupSteps > 0 && warmupTarget === undefined) throw new Error('cosineDecay: warmupSteps needs a warmupTarget');
  const peak = warmupSteps > 0 ? warmupTarget! : initialLearningRate;
  const config: Record<string, unknown> = { initialLearningRate, decaySteps, alpha };
  if (warmupSteps > 0) Object.assign(config, { warmupTarget, warmupSteps });
  return described((step) => {
    if (step < warmupSteps) return initialLearningRate + (peak - initialLearningRate) * (step / warmupSteps);
    const p = Math.min(step - warmupSteps, decaySteps) / decaySteps;
    const cos = 0.5 * (1 + Math.cos(Math.PI * p));
    return peak * ((1 - alpha) * cos + alpha);
  }, { className: 'CosineDecay', config });
}

export const SCHEDULE_NAMES = ['constant', 'cosine'] as const;
export type ScheduleName = (typeof SCHEDULE_NAMES)[number];

/**
 * The schedule a CLI run uses: `cosine` decays lr to 0 over the whole run
 * (the usual choice for binarized nets, e.g. in Larq Zoo: the latent weights
 * stop flipping at the end, so BatchNorm's moving statistics settle on the
 * final binary weights); `constant` keeps lr (Larq's MNIST tutorial).
 */
export function scheduleByName(name: string, lr: number, totalSteps: number): number | LearningRateSchedule {
  switch (name) {
    case 'constant':
      return lr;
    case 'cosine':
      return cosineDecay({ initialLearningRate: lr, decaySteps: Math.max(1, totalSteps) });
    default:
      throw new Error(`unknown learning-rate schedule "${name}" (known: ${SCHEDULE_NAMES.join(', ')})`);
  }
}

// Learning-rate schedules, as functions of the optimizer's iteration count
// (Keras' LearningRateSchedule semantics, step-based).
export type LearningRateSchedule = (iteration: number) => number;

export function constant(lr: number): LearningRateSchedule {
  return () => lr;
}

/** lr · decayRate^(step / decaySteps), floored per decaySteps when staircase. */
export function exponentialDecay(opts: { initialLearningRate: number; decaySteps: number; decayRate: number; staircase?: boolean }): LearningRateSchedule {
  const { initialLearningRate, decaySteps, decayRate, staircase } = opts;
  if (!(decaySteps > 0)) throw new Error(`exponentialDecay: decaySteps must be > 0, got ${decaySteps}`);
  return (step) => {
    const p = step / decaySteps;
    return initialLearningRate * Math.pow(decayRate, staircase ? Math.floor(p) : p);
  };
}

/** values[i] while step < boundaries[i]; values.length == boundaries.length + 1. */
export function piecewiseConstant(boundaries: number[], values: number[]): LearningRateSchedule {
  if (values.length !== boundaries.length + 1) {
    throw new Error(`piecewiseConstant: need ${boundaries.length + 1} values for ${boundaries.length} boundaries, got ${values.length}`);
  }
  return (step) => {
    for (let i = 0; i < boundaries.length; i++) if (step < boundaries[i]) return values[i];
    return values[values.length - 1];
  };
}

/** Cosine decay from lr to alpha·lr over decaySteps. */
export function cosineDecay(opts: { initialLearningRate: number; decaySteps: number; alpha?: number }): LearningRateSchedule {
  const { initialLearningRate, decaySteps } = opts;
  const alpha = opts.alpha ?? 0;
  return (step) => {
    const p = Math.min(step, decaySteps) / decaySteps;
    const cos = 0.5 * (1 + Math.cos(Math.PI * p));
    return initialLearningRate * ((1 - alpha) * cos + alpha);
  };
}

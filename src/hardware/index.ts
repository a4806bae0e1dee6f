// Hardware non-idealities: perturbation models hooked into layers, seeded
// chips, Monte-Carlo evaluation and sweeps.
export { Chip, hashKey, drawKey, type ChipJSON } from './chip.js';
export {
  type Perturbation, type LayerSelector, attachAll, withPerturbations, selectLayers,
} from './perturbation.js';
export { GaussianNoise, addGaussianNoise, noiseTransform, type GaussianNoiseOptions, type NoiseOptions } from './noise.js';
export { NoisyLayer, noisy } from './noisyLayer.js';
export { ProcessVariation, signFlipProbability, type ProcessVariationOptions, type VariationModel, type DrawMode } from './variation.js';
export { Saturation, intRange, limitValue, limitTensor, type SaturationOptions, type OverflowMode, type IntRange } from './saturation.js';
export { ADC, adcQuantize, type AdcOptions, type AdcRange } from './adc.js';
export { SaturatingMultiplier, type SaturatingMultiplierOptions } from './multiplier.js';
export { BitFlips, type BitFlipsOptions } from './bitflips.js';
export { drawBitErrors, applyBitErrors, type BitErrorRates } from './bitErrors.js';
export { gaussian, fillGaussian } from './gaussian.js';
export { chipStats, percentile, tQuantile, type ChipStats } from './stats.js';
export {
  evaluateOnChips, floatEngine, type ChipEngine, type ChipRunner, type ChipEvaluation, type EvaluateOnChipsOptions,
} from './montecarlo.js';
export { xnorEngine, packedPathBlocker, packedEngine, autogradEngine, ENGINES, SharedBatch } from '../engines/index.js';
export {
  runSweep, inferencePerturbations, trainingPerturbations, DEFAULT_LEVELS, SWEEP_KINDS,
  type SweepKind, type SweepPoint, type SweepResult, type SweepOptions,
} from './sweeps.js';

// Robustness sweeps: accuracy over a population of chips as one
// perturbation's strength grows, for one or several models (trained without
// and with the perturbation: "train level" x "inference level" grids as in
// Joshi et al., Nature Comm. 2020). Every point uses the same chip
// population, so differences between points and models are not chip luck.
import type { Model } from '../nn/model.js';
import type { Dataset } from '../data/dataset.js';
import type { Verbosity } from '../train/progress.js';
import type { Perturbation, LayerSelector } from './perturbation.js';
import { GaussianNoise } from './noise.js';
import { ProcessVariation, type VariationModel } from './variation.js';
import { Saturation, type OverflowMode } from './saturation.js';
import { BitFlips } from './bitflips.js';
import { SaturatingMultiplier, type BinaryEncoding } from './multiplier.js';
import { ConfigError } from '../errors.js';
import { evaluateSteps, runSteps, runStepsAsync, type ChipEngine } from './montecarlo.js';

export type SweepKind = 'noise' | 'variation' | 'saturation' | 'bitflips' | 'multiplier';
export const SWEEP_KINDS: readonly SweepKind[] = ['noise', 'variation', 'saturation', 'bitflips', 'multiplier'];

/**
 * What the levels mean: noise sigma (relative to each output's std by
 * default), variation sigma, accumulator bits, bit-error rate, bits of each
 * product's register (or of the popcount counter with binaryEncoding 'xnor').
 */
export const DEFAULT_LEVELS: Record<SweepKind, number[]> = {
  noise: [0, 0.1, 0.2, 0.3, 0.5, 0.75, 1],
  variation: [0, 0.1, 0.2, 0.3, 0.5, 0.75, 1],
  saturation: [4, 5, 6, 7, 8, 10, 12, 16],
  bitflips: [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1],
  multiplier: [4, 5, 6, 7, 8, 10, 12, 16],
};

export interface SweepPerturbationOptions {
  /** Layers the perturbation applies to (default 'all'; bit flips: 'binary'). */
  layers?: LayerSelector;
  /** Noise sigma relative to the output's std (default true). */
  relative?: boolean;
  /** Variation model (default 'multiplicative'). */
  variationModel?: VariationModel;
  /** Binary kernels under variation: analog (default) or digital (sign flips). */
  variationBinary?: 'analog' | 'digital';
  /** Accumulator / register overflow (default 'saturate'). */
  overflow?: OverflowMode;
  /** Multiplier register signed (default false: the user's 0..2^b-1). */
  multiplierSigned?: boolean;
  /** How binary layers' ±1 products are represented (default 'value'; see SaturatingMultiplier). */
  binaryEncoding?: BinaryEncoding;
  /** Code step of float (unquantized) layer inputs for the multiplier: 1/255 for 8-bit pixels scaled to [-1, 1] (default). */
  floatInputStep?: number;
}

function multiplier(level: number, o: SweepPerturbationOptions): SaturatingMultiplier {
  return new SaturatingMultiplier({
    bits: level, signed: o.multiplierSigned ?? false, mode: o.overflow ?? 'saturate', binaryEncoding: o.binaryEncoding,
    floatInputStep: o.floatInputStep ?? 1 / 255, layers: o.layers ?? 'all',
  });
}

/** The perturbation of one sweep level as a chip sees it at inference. */
export function inferencePerturbations(kind: SweepKind, level: number, o: SweepPerturbationOptions = {}): Perturbation[] {
  switch (kind) {
    case 'noise': return [new GaussianNoise({ sigma: level, relative: o.relative ?? true, training: false, evaluation: true, layers: o.layers ?? 'all' })];
    case 'variation': return [new ProcessVariation({ model: o.variationModel ?? 'multiplicative', sigma: level, mode: 'per-chip', layers: o.layers ?? 'all', binary: o.variationBinary })];
    case 'saturation': return [new Saturation({ bits: level, mode: o.overflow ?? 'saturate', layers: o.layers ?? 'all' })];
    case 'bitflips': return [new BitFlips({ rate: level, layers: o.layers ?? 'binary' })];
    case 'multiplier': return [multiplier(level, o)];
    default: throw new ConfigError(`unknown sweep "${String(kind)}" (known: ${SWEEP_KINDS.join(', ')})`);
  }
}

/** The same perturbation as a training-time regulariser (fresh draws every step); level 0 or null: none. */
export function trainingPerturbations(kind: SweepKind, level: number | null, o: SweepPerturbationOptions = {}): Perturbation[] {
  if (level === null || level === 0) return [];
  switch (kind) {
    case 'noise': return [new GaussianNoise({ sigma: level, relative: o.relative ?? true, training: true, evaluation: false, layers: o.layers ?? 'all' })];
    case 'variation': return [new ProcessVariation({ model: o.variationModel ?? 'multiplicative', sigma: level, mode: 'per-forward', layers: o.layers ?? 'all', binary: o.variationBinary })];
    case 'saturation': return [new Saturation({ bits: level, mode: o.overflow ?? 'saturate', layers: o.layers ?? 'all' })];
    case 'bitflips': return [new BitFlips({ rate: level, mode: 'per-forward', layers: o.layers ?? 'binary' })];
    case 'multiplier': return [multiplier(level, o)];
    default: throw new ConfigError(`unknown sweep "${String(kind)}" (known: ${SWEEP_KINDS.join(', ')})`);
  }
}

export interface SweepPoint {
  /** The inference level (sigma, bits or rate). */
  level: number;
  /** The level the model was trained under (null: trained without this perturbation / unknown). */
  train_level: number | null;
  mean: number;
  std: number;
  p5: number;
  yield: number;
  ci95: [number, number];
  clean_accuracy: number;
  chips: number;
  min: number;
  max: number;
  accuracies: number[];
  seconds: number;
}

export interface SweepModel {
  trainLevel: number | null;
  model: Model;
}

export interface SweepOptions extends SweepPerturbationOptions {
  kind: SweepKind;
  levels: readonly number[];
  chips: number;
  seed: number;
  engine?: 'float' | 'xnor' | 'deploy' | ChipEngine;
  batchSize?: number;
  yieldThreshold?: number;
  verbose?: Verbosity;
  signal?: AbortSignal;
  /** Called after each point (write partial results here). */
  onPoint?: (p: SweepPoint, all: SweepPoint[]) => void;
}

export interface SweepResult {
  sweep: SweepKind;
  points: SweepPoint[];
  interrupted: boolean;
}

function* sweepSteps(models: Iterable<SweepModel>, data: Dataset, o: SweepOptions): Generator<void, SweepResult> {
  const points: SweepPoint[] = [];
  for (const { trainLevel, model } of models) {
    let clean: number | undefined;
    for (const level of o.levels) {
      if (o.signal?.aborted) return { sweep: o.kind, points, interrupted: true };
      const r = yield* evaluateSteps(model, data, {
        chips: o.chips, seed: o.seed, perturbations: inferencePerturbations(o.kind, level, o), engine: o.engine,
        batchSize: o.batchSize, yieldThreshold: o.yieldThreshold, cleanAccuracy: clean, verbose: o.verbose, signal: o.signal,
        label: `${o.kind}${trainLevel !== null ? ` train ${trainLevel}` : ''} level ${level}`,
      });
      if (!r || r.interrupted) return { sweep: o.kind, points, interrupted: true };
      clean = r.clean_accuracy;
      const p: SweepPoint = {
        level, train_level: trainLevel, mean: r.mean, std: r.std, p5: r.p5, yield: r.yield, ci95: r.ci95,
        clean_accuracy: r.clean_accuracy, chips: r.chips, min: r.min, max: r.max, accuracies: r.accuracies, seconds: r.seconds,
      };
      points.push(p);
      o.onPoint?.(p, points);
    }
  }
  return { sweep: o.kind, points, interrupted: false };
}

/** Evaluates every model at every level on the same chips; models come as (train level, model) pairs. */
export function runSweep(models: Iterable<SweepModel>, data: Dataset, o: SweepOptions): SweepResult {
  return runSteps(sweepSteps(models, data, o));
}

/** runSweep that returns to the event loop between batches, so Ctrl-C (o.signal) stops it promptly. */
export function runSweepAsync(models: Iterable<SweepModel>, data: Dataset, o: SweepOptions): Promise<SweepResult> {
  return runStepsAsync(sweepSteps(models, data, o));
}

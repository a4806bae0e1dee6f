// Job specs: a robustness study (the "train level x inference level x chips"
// grid of `xnorkit robustness`) as plain JSON, and the two kinds of
// independent jobs it splits into — one training run per train level, one
// slice of chips per (model, level) point. A job carries everything a
// stateless worker needs; its result depends only on its spec (a chip's
// draws on population seed, chip index and level; a training run on its
// recipe), so any worker, in any order, computes the same numbers.
import { createHash } from 'node:crypto';
import type { SweepKind, SweepPerturbationOptions } from '../hardware/sweeps.js';

/** Where trained models travel: Redis (the queue's server) or a directory every worker can read. */
export type ModelStore = { kind: 'redis' } | { kind: 'dir'; path: string };

export interface TrainingRecipe {
  model: string;
  float: boolean;
  epochs: number;
  batchSize: number;
  lr: number;
  lrSchedule: string;
  seed: number;
  /** Train on the first N samples (null: all). */
  limit: number | null;
  sweep: SweepKind;
  /** The sweep's perturbation applied during training at this level (0: standard training). */
  trainLevel: number;
  perturbation: SweepPerturbationOptions;
  dataset: string;
  dataDir: string | null;
}

/** A robustness study: what `xnorkit robustness` computes, as data. */
export interface RobustnessStudy {
  kind: 'robustness';
  model: string;
  float: boolean;
  sweep: SweepKind;
  levels: number[];
  trainLevels: number[];
  training: { epochs: number; batchSize: number; lr: number; lrSchedule: string; seed: number; limit: number | null };
  chips: number;
  chipSeed: number;
  engine: 'float' | 'xnor' | 'deploy';
  perturbation: SweepPerturbationOptions;
  yieldThreshold: number;
  dataset: string;
  dataDir: string | null;
  testLimit: number | null;
  /** Chips per job: the grain of the split (results do not depend on it). */
  chipsPerJob: number;
}

export interface TrainJob {
  type: 'train';
  id: string;
  study: string;
  /** Content address of the trained model (hash of the recipe): the same recipe is trained once, whatever the study. */
  modelKey: string;
  recipe: TrainingRecipe;
  /** Test set used for the model's clean accuracy. */
  test: { dataset: string; dataDir: string | null; limit: number | null };
  store: ModelStore;
}

export interface ChipsJob {
  type: 'chips';
  id: string;
  study: string;
  modelKey: string;
  /** Index of the model (train level) and of the inference level in the study. */
  model: number;
  level: number;
  sweep: SweepKind;
  levelValue: number;
  perturbation: SweepPerturbationOptions;
  chipSeed: number;
  firstChip: number;
  chips: number;
  engine: 'float' | 'xnor' | 'deploy';
  yieldThreshold: number;
  test: { dataset: string; dataDir: string | null; limit: number | null };
  store: ModelStore;
}

/** A training run of `xnorkit experiment` (float twin, binarized model, or a hardware-aware model). */
export interface ExperimentTrainJob {
  type: 'xtrain';
  id: string;
  study: string;
  modelKey: string;
  /** The experiment's resolved config (src/experiment/config.ts), as JSON. */
  config: Record<string, unknown>;
  role: 'float' | 'binary' | 'aware';
  /** For 'aware': the sweep kind and the level the model trains under. */
  kind?: 'noise' | 'variation' | 'saturation';
  trainLevel?: number;
  /** File name of the training state in the run folder (float.xnks, hw-noise-0.5.xnks, ...). */
  stateFile: string;
  store: ModelStore;
}

export type JobSpec = TrainJob | ChipsJob | ExperimentTrainJob;

export interface TrainResult {
  type: 'train';
  train_seconds: number;
  clean_accuracy: number;
  model_bytes: number;
  epochs: unknown[];
  /** The model was found in the store (trained earlier from the same recipe), not trained by this job. */
  reused?: boolean;
  /** Which worker ran it and which attempt it was (information only, never merged). */
  worker?: string;
  attempt?: number;
}

export interface ChipsResult {
  type: 'chips';
  accuracies: number[];
  clean_accuracy: number;
  samples: number;
  seconds: number;
  worker?: string;
  attempt?: number;
}

export interface ExperimentTrainResult {
  type: 'xtrain';
  history: { epochs: unknown[]; train_seconds: number; interrupted: boolean };
  trace: unknown[];
  worker?: string;
  attempt?: number;
}

export type JobResult = TrainResult | ChipsResult | ExperimentTrainResult;

/** JSON with object keys sorted, so equal specs hash equally whatever the order their fields were set in. */
export function canonicalJson(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(canonicalJson).join(',')}]`;
  if (x !== null && typeof x === 'object') {
    const o = x as Record<string, unknown>;
    return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(x);
}

export function shortHash(x: unknown): string {
  return createHash('sha256').update(canonicalJson(x)).digest('hex').slice(0, 16);
}

/** The study's id: the same study (whatever its split into jobs) has the same id, so a rerun or --resume finds its results. */
export function studyId(s: RobustnessStudy): string {
  // Machines keep the data in different places; the study is the same.
  return shortHash({ ...s, dataDir: undefined });
}

// The results.json of `xnorkit experiment`, as the report reads it. Field
// names are a contract (issue 6): `float` and `binary` with test_accuracy,
// file_size_bytes, latency_ms_batch1, samples_per_second_batch256,
// train_seconds; `hardware` with the sweeps. Fields are only ever added.
import type { EpochLog } from '../train/fit.js';
import type { SweepPoint } from '../hardware/sweeps.js';

/** Smoothed training trace: mean batch loss / accuracy over windows of steps. */
export interface TracePoint {
  /** Fractional epoch at the end of the window (1.5 = half-way through epoch 2). */
  epoch: number;
  loss: number;
  accuracy: number;
}

export interface ModelResult {
  /** Preset name and variant, e.g. "larq-mnist (float twin)". */
  name: string;
  /** What the model is: "float32", "binary (ste_sign)", "DoReFa 4-bit". */
  kind: string;
  /** How it was trained: epochs, batch, optimizer and learning-rate schedule. */
  training?: string;
  /** Null while not evaluated (e.g. interrupted). */
  test_accuracy: number | null;
  test_loss: number | null;
  params: number;
  /** Larq summary memory (binary weights at 1 bit), KiB. */
  summary_memory_kib: number;
  /** Bytes of the model file for inference; see file_size_source. */
  file_size_bytes: number | null;
  /** How file_size_bytes was obtained (an exported file, or what stands in for one). */
  file_size_source: string;
  /** The file measured, relative to the run folder. */
  model_file: string | null;
  /** The training state (.xnks), relative to the run folder. */
  state_file: string | null;
  latency_ms_batch1: number | null;
  samples_per_second_batch256: number | null;
  /** What ran the speed measurement ("float kernels", "XNOR-popcount kernels per layer", ...). */
  speed_engine: string | null;
  /** The same measurement with model.predict (layer by layer, training code path), for reference. */
  layer_by_layer?: { latency_ms_batch1: number; samples_per_second_batch256: number };
  train_seconds: number | null;
  train_samples_per_second: number | null;
  epochs: EpochLog[];
  trace: TracePoint[];
}

export interface HardwareModel {
  /** Level of the perturbation the model was trained under; null: standard training. */
  train_level: number | null;
  clean_accuracy: number | null;
  train_seconds: number | null;
  state_file: string | null;
}

export interface SweepSection {
  kind: 'noise' | 'variation' | 'saturation';
  /** What a level means, for axis titles. */
  level_label: string;
  levels: number[];
  perturbation: Record<string, unknown>;
  models: HardwareModel[];
  points: SweepPoint[];
  complete: boolean;
}

export interface HardwareResults {
  chips: number;
  chip_seed: number;
  test_samples: number;
  engine: string;
  /** How the hardware-aware models were trained. */
  aware_training: string;
  noise: SweepSection | null;
  variation: SweepSection | null;
  saturation: SweepSection | null;
}

/** One sweep of the plan section: levels x models on the same chips, with the hardware assumption in words. */
export interface PlanSweep {
  /** What a level means (axis title). */
  level_label: string;
  /** The modelled hardware, in words. */
  assumption: string;
  perturbation: Record<string, unknown>;
  levels: number[];
  /** The standard model (train_level null) and the models trained under the perturbation. */
  models: HardwareModel[];
  points: SweepPoint[];
  complete: boolean;
}

/**
 * "Your plan, step by step" (issue 18): the user's three scenarios in their
 * order, on this run's models: (1) Gaussian noise on the output of one layer
 * at a time and of all layers, and whether noise in training raised the
 * clean accuracy; (2) process variation of the dense layers only, standard vs
 * variation-aware training; (3) an unsigned 8-bit (0..255) multiplier,
 * standard vs multiplier-aware training.
 */
export interface PlanResults {
  chips: number;
  test_samples: number;
  noise: {
    sigma: number;
    assumption: string;
    /** One row per product layer (its name), then 'all'. */
    rows: { layers: string; point: SweepPoint }[];
    /** Clean accuracy of the standard and of the noise-trained model of the noise sweep, on the same test images. */
    clean_standard: number | null;
    clean_noise_trained: number | null;
    noise_train_sigma: number | null;
    complete: boolean;
  } | null;
  dense_variation: PlanSweep | null;
  multiplier: PlanSweep | null;
  /** Where the multi-seed studies of the same questions are (EXPERIMENTS.md). */
  studies: string;
}

export interface ExperimentResults {
  format: 'xnorkit-experiment';
  version: 1;
  status: 'running' | 'complete' | 'interrupted';
  interrupted: boolean;
  preset: string;
  /** True for the quick preset (and any run on a data subset): the figures are not full-run figures. */
  quick: boolean;
  /** What this run cut compared with a full run, in words. */
  cuts: string[];
  dataset: string;
  train_samples: number;
  test_samples: number;
  model: string;
  quantization: string;
  seed: number;
  float: ModelResult | null;
  binary: ModelResult | null;
  comparison: {
    accuracy_drop: number | null;
    /** float file size / binary file size. */
    size_ratio: number | null;
    speedup_batch1: number | null;
    speedup_batch256: number | null;
  };
  hardware: HardwareResults | null;
  /** The user's three scenarios (absent in runs from before issue 18, or without hardware). */
  plan?: PlanResults | null;
  /** Seconds per finished step of the sequence. */
  steps: { name: string; seconds: number }[];
  seconds: number;
  started: string;
  finished: string | null;
  machine: Record<string, unknown>;
  config: Record<string, unknown>;
}

// The experiment's hardware section: for output noise, process variation
// and accumulator saturation in turn, train the hardware-aware models (same
// data, schedule and seed as the standard binarized model, with the
// perturbation active during training), then sweep the inference level over
// a Monte-Carlo population of chips for the standard and the aware models
// (src/hardware's runSweep: every point sees the same chips).
import type { Model } from '../nn/model.js';
import type { Dataset } from '../data/dataset.js';
import { evaluate } from '../train/fit.js';
import type { Verbosity } from '../train/progress.js';
import { runSweep, trainingPerturbations, type SweepPerturbationOptions, type SweepModel, type SweepPoint, type SweepResult } from '../hardware/sweeps.js';
import type { HardwareResults, SweepSection } from '../report/schema.js';
import type { ExperimentConfig } from './config.js';
import { trainModel, type TrainOutcome } from './trainModel.js';

/** Training runs and sweeps computed elsewhere (src/cluster: jobs on a queue), with the numbers they would have here. */
export interface HardwareRemote {
  /** Waits for the training run that writes `stateFile`, loads its weights into `model` and writes its state into `dir`. */
  train(stateFile: string, model: Model, dir: string): Promise<TrainOutcome>;
  /** The sweep of `kind` over these models (the standard model first, then the aware ones in trainLevels order). */
  sweep(kind: HwKind, models: SweepModel[], onPoint: (p: SweepPoint, all: SweepPoint[]) => void): Promise<SweepResult>;
}

export const HW_KINDS = ['noise', 'variation', 'saturation'] as const;
export type HwKind = (typeof HW_KINDS)[number];

const LEVEL_LABELS: Record<HwKind, string> = {
  noise: 'noise σ on every conv/dense output, relative to that output\'s standard deviation',
  variation: 'σ of the multiplicative per-chip deviation of every weight (binary weights vary in value)',
  saturation: 'bits of the signed, saturating accumulator of every conv/dense layer',
};

export const PERTURBATION: Record<HwKind, SweepPerturbationOptions> = {
  noise: { layers: 'all', relative: true },
  variation: { layers: 'all', variationModel: 'multiplicative', variationBinary: 'analog' },
  saturation: { layers: 'all', overflow: 'saturate' },
};

/**
 * A saturating accumulator draws nothing at random: every chip computes the
 * same numbers, so one chip is the whole population.
 */
export function chipsFor(kind: HwKind, c: ExperimentConfig): number {
  return kind === 'saturation' ? 1 : c.hardware.chips;
}

export const AWARE_TRAINING = 'trained from scratch with the same data, schedule and seed as the standard binarized model, ' +
  'with the perturbation active during training (fresh draws every step).';

export interface HardwareJob {
  config: ExperimentConfig;
  /** The trained standard binarized model. */
  standard: Model;
  /** Builds an untrained binarized model like the standard one. */
  newModel: () => Model;
  train: Dataset;
  test: Dataset;
  dir: string;
  signal?: AbortSignal;
  verbose: Verbosity;
  log: (line: string) => void;
  /** Called whenever results changed (a model trained, a point measured): write partial results. */
  onUpdate: (hw: HardwareResults) => void;
  /** Records a finished step for the report's step table. */
  step: (name: string, seconds: number) => void;
  /** Called after each sweep (redraw the report). */
  onSweepDone?: () => Promise<void>;
  /** Train and sweep through this instead of here. */
  remote?: HardwareRemote;
}

export function emptyHardware(c: ExperimentConfig, testSamples: number): HardwareResults {
  return {
    chips: c.hardware.chips, chip_seed: c.hardware.chipSeed, test_samples: testSamples,
    engine: c.hardware.engine === 'xnor' ? 'xnor (binary layers on the XNOR-popcount kernels)' : 'float (float-emulated forward)',
    aware_training: AWARE_TRAINING, noise: null, variation: null, saturation: null,
  };
}

/** Runs the three sweeps in turn; resolves to false when interrupted. */
export async function runHardware(job: HardwareJob, hw: HardwareResults): Promise<boolean> {
  const c = job.config;
  for (const kind of HW_KINDS) {
    const sc = c.hardware[kind];
    const section: SweepSection = {
      kind, level_label: LEVEL_LABELS[kind], levels: sc.levels, perturbation: { ...PERTURBATION[kind] }, complete: false,
      models: [{ train_level: null, clean_accuracy: null, train_seconds: null, state_file: 'binary.xnks' }], points: [],
    };
    hw[kind] = section;
    const models: SweepModel[] = [{ trainLevel: null, model: job.standard }];
    const owned: Model[] = [];
    try {
      for (const tl of sc.trainLevels) {
        if (job.signal?.aborted) return false;
        const model = job.newModel();
        owned.push(model);
        const stateFile = `hw-${kind}-${tl}.xnks`;
        job.log(`hardware-aware training under ${kind} at ${tl}`);
        const t0 = performance.now();
        const { history, optimizer } = job.remote ? await job.remote.train(stateFile, model, job.dir) : trainModel({
          model, data: job.train, epochs: c.train.epochs, batchSize: c.train.batchSize, learningRate: c.train.learningRate, schedule: c.train.schedule, seed: c.seed,
          dir: job.dir, stateFile, perturbations: trainingPerturbations(kind, tl, PERTURBATION[kind]), signal: job.signal,
          verbose: job.verbose, extra: { role: `hardware-aware (${kind} ${tl})`, config: c },
        });
        optimizer.dispose();
        if (history.interrupted) return false;
        job.step(`hardware-aware training: ${kind} ${tl}`, (performance.now() - t0) / 1000);
        section.models.push({ train_level: tl, clean_accuracy: null, train_seconds: history.train_seconds, state_file: stateFile });
        models.push({ trainLevel: tl, model });
        job.onUpdate(hw);
      }
      for (let i = 0; i < models.length; i++) section.models[i].clean_accuracy = evaluate(models[i].model, job.test, { batchSize: 500 }).accuracy;
      const t0 = performance.now();
      const onPoint = (p: SweepPoint, all: SweepPoint[]) => {
        section.points = [...all];
        job.log(`${kind} · ${p.train_level === null ? 'standard' : `trained at ${p.train_level}`} · level ${p.level}: ` +
          `${(100 * p.mean).toFixed(2)} % ± ${(100 * p.std).toFixed(2)} over ${p.chips} chips`);
        job.onUpdate(hw);
      };
      const r = job.remote ? await job.remote.sweep(kind, models, onPoint) : runSweep(models, job.test, {
        ...PERTURBATION[kind], kind, levels: sc.levels, chips: chipsFor(kind, c), seed: c.hardware.chipSeed, engine: c.hardware.engine,
        verbose: job.verbose, signal: job.signal, onPoint,
      });
      section.points = r.points;
      section.complete = !r.interrupted;
      job.step(`hardware sweep: ${kind}`, (performance.now() - t0) / 1000);
      job.onUpdate(hw);
      if (r.interrupted) return false;
      await job.onSweepDone?.();
    } finally {
      for (const m of owned) m.dispose();
    }
  }
  return true;
}

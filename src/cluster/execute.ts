// Runs one job of a study on this machine: a training run (the same recipe,
// hence the same weights, as `xnorkit robustness` trains in one process),
// or a slice of chips of one sweep point (evaluateOnChips with firstChip:
// chip i is Chip.nth(chipSeed, i) whoever evaluates it). Data sets and
// models are cached between jobs, as a worker runs many jobs of one study.
import { createModelByName } from '../nn/models/index.js';
import type { Model } from '../nn/model.js';
import { loadDataset } from '../data/loadDataset.js';
import type { Dataset } from '../data/dataset.js';
import { Adam } from '../optim/adam.js';
import { scheduleByName, type ScheduleName } from '../optim/schedules.js';
import { numBatches } from '../data/batches.js';
import { fitAsync, evaluate, type History } from '../train/fit.js';
import { saveTrainingState, loadTrainingState, type TrainingState } from '../nn/checkpoint.js';
import { withPerturbationsAsync } from '../hardware/perturbation.js';
import { trainingPerturbations, inferencePerturbations } from '../hardware/sweeps.js';
import { evaluateOnChipsAsync } from '../hardware/montecarlo.js';
import { ClusterError, ModelFormatError } from '../errors.js';
import type { ModelBytes } from './store.js';
import type { ChipsJob, ChipsResult, ExperimentTrainJob, ExperimentTrainResult, JobSpec, JobResult, TrainJob, TrainResult } from './spec.js';
import { trainModelAsync } from '../experiment/trainModel.js';
import { PERTURBATION } from '../experiment/hardware.js';
import type { ExperimentConfig } from '../experiment/config.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Models kept loaded per process (a study has one per train level). */
const MODEL_CACHE = 4;

export class JobRunner {
  private readonly data = new Map<string, Dataset>();
  private readonly models = new Map<string, Model>();
  private readonly extras = new Map<string, Record<string, unknown>>();

  /** dataDir: where this machine keeps the data sets (overrides the jobs' own). */
  constructor(private readonly store: ModelBytes, private readonly opts: { dataDir?: string } = {}) {}

  private dataset(name: string, split: 'train' | 'test', limit: number | null, dataDir: string | null): Dataset {
    const key = JSON.stringify([name, split, limit, dataDir]);
    let d = this.data.get(key);
    if (!d) {
      d = loadDataset(name, { split, limit: limit ?? undefined, dataDir: this.opts.dataDir ?? dataDir ?? undefined });
      this.data.set(key, d);
    }
    return d;
  }

  private remember(key: string, model: Model): Model {
    this.models.set(key, model);
    while (this.models.size > MODEL_CACHE) {
      const [oldest, m] = this.models.entries().next().value as [string, Model];
      this.models.delete(oldest);
      m.dispose();
    }
    return model;
  }

  /** A trained model and what its training recorded, from this process's cache or the store. */
  private async load(modelKey: string): Promise<{ model: Model; extra: Record<string, unknown> } | null> {
    const cached = this.models.get(modelKey);
    if (cached) return { model: cached, extra: this.extras.get(modelKey) ?? {} };
    const bytes = await this.store.get(modelKey);
    if (!bytes) return null;
    let state: TrainingState;
    try {
      state = loadTrainingState(bytes);
    } catch (e) {
      throw new ModelFormatError(`model ${this.store.where(modelKey)}: ${(e as Error).message}`);
    }
    state.optimizer?.dispose();
    this.extras.set(modelKey, state.extra);
    return { model: this.remember(modelKey, state.model), extra: state.extra };
  }

  /** The trained model of a chip job, or null when it is not in the store yet. */
  async model(modelKey: string): Promise<Model | null> {
    return (await this.load(modelKey))?.model ?? null;
  }

  async run(job: JobSpec, signal?: AbortSignal): Promise<JobResult> {
    if (job.type === 'xtrain') return this.experimentTrain(job, signal);
    return job.type === 'train' ? this.train(job, signal) : this.chips(job, signal);
  }

  /** One training run of `xnorkit experiment`: the model and trainModel call of src/experiment, on this machine. */
  async experimentTrain(job: ExperimentTrainJob, signal?: AbortSignal): Promise<ExperimentTrainResult> {
    const c = job.config as unknown as ExperimentConfig;
    const data = this.dataset(c.dataset, 'train', c.train.limit, c.dataDir);
    const float = job.role === 'float';
    const model = createModelByName(c.model, {
      float, seed: c.seed, inputShape: [data.height, data.width, data.channels], numClasses: data.numClasses,
      ...(float ? { floatActivation: c.floatActivation } : c.bits ? { bits: c.bits } : {}),
    });
    const dir = mkdtempSync(join(tmpdir(), 'xnorkit-job-'));
    try {
      const aware = job.role === 'aware' ? { kind: job.kind!, level: job.trainLevel! } : null;
      const { history, trace, optimizer } = await trainModelAsync({
        model, data, epochs: c.train.epochs, batchSize: c.train.batchSize, learningRate: c.train.learningRate, schedule: c.train.schedule, seed: c.seed,
        dir, stateFile: job.stateFile, perturbations: aware ? trainingPerturbations(aware.kind, aware.level, PERTURBATION[aware.kind]) : undefined,
        signal, verbose: 'quiet', extra: { role: aware ? `hardware-aware (${aware.kind} ${aware.level})` : job.role, config: c },
      });
      optimizer.dispose();
      model.dispose();
      if (history.interrupted) throw new ClusterError(`job ${job.id}: training interrupted`);
      await this.store.put(job.modelKey, new Uint8Array(readFileSync(join(dir, job.stateFile))));
      return { type: 'xtrain', history, trace };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  async train(job: TrainJob, signal?: AbortSignal): Promise<TrainResult> {
    const r = job.recipe;
    const data = this.dataset(r.dataset, 'train', r.limit, r.dataDir);
    const test = this.dataset(job.test.dataset, 'test', job.test.limit, job.test.dataDir);
    // Models are content-addressed by recipe: one trained before (an earlier study, another shard, an
    // attempt that died after storing it) is the same model, and only its clean accuracy is measured.
    const stored = await this.load(job.modelKey);
    if (stored) {
      const clean = evaluate(stored.model, test, { batchSize: 500 }).accuracy;
      return {
        type: 'train', train_seconds: Number(stored.extra.train_seconds ?? 0), clean_accuracy: clean, model_bytes: 0,
        epochs: (stored.extra.history as unknown[] | undefined) ?? [], reused: true,
      };
    }
    const model = createModelByName(r.model, { float: r.float, seed: r.seed });
    const optimizer = new Adam({ learningRate: scheduleByName(r.lrSchedule as ScheduleName, r.lr, r.epochs * numBatches(data.count, r.batchSize)) });
    let h: History;
    try {
      h = await withPerturbationsAsync(model, trainingPerturbations(r.sweep, r.trainLevel, r.perturbation), () =>
        fitAsync(model, data, { epochs: r.epochs, batchSize: r.batchSize, optimizer, seed: r.seed, verbose: 'quiet', signal }));
    } finally {
      optimizer.dispose();
    }
    if (h.interrupted) {
      model.dispose();
      throw new ClusterError(`job ${job.id}: training interrupted`);
    }
    const bytes = saveTrainingState(model, null, { recipe: r, train_seconds: h.train_seconds, history: h.epochs });
    await this.store.put(job.modelKey, bytes);
    this.remember(job.modelKey, model);
    this.extras.set(job.modelKey, { recipe: r, train_seconds: h.train_seconds, history: h.epochs });
    const clean = evaluate(model, test, { batchSize: 500 }).accuracy;
    return { type: 'train', train_seconds: h.train_seconds, clean_accuracy: clean, model_bytes: bytes.byteLength, epochs: h.epochs };
  }

  async chips(job: ChipsJob, signal?: AbortSignal): Promise<ChipsResult> {
    const model = await this.model(job.modelKey);
    if (!model) throw new ClusterError(`job ${job.id}: the trained model ${this.store.where(job.modelKey)} is not in the model store (its training job has not finished, or the store was cleared)`);
    const test = this.dataset(job.test.dataset, 'test', job.test.limit, job.test.dataDir);
    const r = await evaluateOnChipsAsync(model, test, {
      chips: job.chips, firstChip: job.firstChip, seed: job.chipSeed, perturbations: inferencePerturbations(job.sweep, job.levelValue, job.perturbation),
      engine: job.engine, yieldThreshold: job.yieldThreshold, signal,
    });
    if (!r || r.interrupted) throw new ClusterError(`job ${job.id}: interrupted`);
    return { type: 'chips', accuracies: r.accuracies, clean_accuracy: r.clean_accuracy, samples: r.samples, seconds: r.seconds };
  }

  dispose(): void {
    for (const m of this.models.values()) m.dispose();
    this.models.clear();
  }
}

// One model's training inside the experiment: fit with a smoothed trace of
// the batch metrics (for the training-curve chart), the training state saved
// after every epoch (so an interrupted run keeps its finished epochs, and any
// state can be resumed with fit's initialEpoch), under optional hardware
// perturbations for hardware-aware training.
import { join } from 'node:path';
import type { Model } from '../nn/model.js';
import type { Dataset } from '../data/dataset.js';
import type { Optimizer } from '../optim/optimizer.js';
import { Adam } from '../optim/adam.js';
import { scheduleByName, type ScheduleName } from '../optim/schedules.js';
import { fit, fitAsync, type History, type FitOptions } from '../train/fit.js';
import { numBatches } from '../data/batches.js';
import type { Verbosity } from '../train/progress.js';
import { saveTrainingState } from '../nn/checkpoint.js';
import { writeFileAtomic } from '../util/files.js';
import { withPerturbations, withPerturbationsAsync, type Perturbation } from '../hardware/perturbation.js';
import type { TracePoint } from '../report/schema.js';

/** Points per epoch in the training trace. */
const TRACE_POINTS_PER_EPOCH = 25;

export interface TrainJob {
  model: Model;
  data: Dataset;
  epochs: number;
  batchSize: number;
  learningRate: number;
  schedule: ScheduleName;
  seed: number;
  /** Run folder and file name of the training state (.xnks). */
  dir: string;
  stateFile: string;
  perturbations?: Perturbation[];
  signal?: AbortSignal;
  verbose: Verbosity;
  /** Saved with the state (the run config, the model's role). */
  extra?: Record<string, unknown>;
}

export interface TrainOutcome {
  history: History;
  trace: TracePoint[];
  optimizer: Optimizer;
}

function prepare(job: TrainJob): { options: FitOptions; trace: TracePoint[]; optimizer: Optimizer } {
  const steps = numBatches(job.data.count, job.batchSize);
  const optimizer = new Adam({ learningRate: scheduleByName(job.schedule, job.learningRate, job.epochs * steps) });
  const window = Math.max(1, Math.round(steps / TRACE_POINTS_PER_EPOCH));
  const trace: TracePoint[] = [];
  let epoch = 1;
  let prev = { loss: 0, accuracy: 0, seen: 0 };
  let acc = { loss: 0, accuracy: 0, n: 0 };
  const onBatchEnd = (step: number, running: { loss: number; accuracy: number }) => {
    // fit reports running means over the epoch; the batch's own values are the differences of the sums.
    const seen = Math.min(step * job.batchSize, job.data.count);
    if (step === 1) prev = { loss: 0, accuracy: 0, seen: 0 };
    const n = seen - prev.seen;
    acc.loss += running.loss * seen - prev.loss * prev.seen;
    acc.accuracy += running.accuracy * seen - prev.accuracy * prev.seen;
    acc.n += n;
    prev = { loss: running.loss, accuracy: running.accuracy, seen };
    if (step % window === 0 || step === steps) {
      trace.push({ epoch: epoch - 1 + step / steps, loss: acc.loss / acc.n, accuracy: acc.accuracy / acc.n });
      acc = { loss: 0, accuracy: 0, n: 0 };
    }
  };
  const options: FitOptions = {
    epochs: job.epochs, batchSize: job.batchSize, optimizer, seed: job.seed, verbose: job.verbose, signal: job.signal,
    onBatchEnd,
    onEpochEnd: (log) => {
      writeFileAtomic(join(job.dir, job.stateFile), saveTrainingState(job.model, optimizer, {
        ...job.extra, epoch: log.epoch, seed: job.seed, batchSize: job.batchSize,
      }));
      epoch = log.epoch + 1;
    },
  };
  return { options, trace, optimizer };
}

export function trainModel(job: TrainJob): TrainOutcome {
  const { options, trace, optimizer } = prepare(job);
  const history = withPerturbations(job.model, job.perturbations ?? [], () => fit(job.model, job.data, options));
  return { history, trace, optimizer };
}

/** trainModel returning to the event loop after every step (a queue worker must keep renewing its job's lock). */
export async function trainModelAsync(job: TrainJob): Promise<TrainOutcome> {
  const { options, trace, optimizer } = prepare(job);
  const history = await withPerturbationsAsync(job.model, job.perturbations ?? [], () => fitAsync(job.model, job.data, options));
  return { history, trace, optimizer };
}

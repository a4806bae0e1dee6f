// fit / evaluate: the Keras training loop. One training step is one tidy()
// scope (forward, loss, backward, optimizer update), so nothing allocated in a
// step outlives it and the heap does not grow from epoch to epoch.
import { tidy } from '../tensor/scope.js';
import { Rng } from '../tensor/random.js';
import { backward, noGrad } from '../autograd/graph.js';
import { softmaxCrossEntropy } from '../ops/softmaxCrossEntropy.js';
import type { Sequential } from '../nn/sequential.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { Dataset } from '../data/dataset.js';
import { batches, numBatches } from '../data/batches.js';
import { countCorrect } from './metrics.js';
import { createProgress, type Verbosity } from './progress.js';

export interface EpochLog {
  epoch: number;
  loss: number;
  accuracy: number;
  val_loss?: number;
  val_accuracy?: number;
  seconds: number;
  samples_per_second: number;
  learning_rate: number;
  /** Mean share of binary weights whose sign changed per step (when the model has binary variables). */
  flip_ratio?: number;
}

export interface History {
  epochs: EpochLog[];
  /** Training seconds summed over epochs (validation excluded). */
  train_seconds: number;
  /** True when fit stopped early because of `signal`. */
  interrupted: boolean;
}

export interface FitOptions {
  /** Index of the last epoch to train (Keras semantics: with initialEpoch k, epochs k+1..epochs run). */
  epochs: number;
  /**
   * Epochs already trained (Keras' initial_epoch, default 0): resuming a
   * saved training state passes its epoch here, with the same seed.
   */
  initialEpoch?: number;
  batchSize: number;
  optimizer: Optimizer;
  /** Seeds shuffling and dropout (default 0); each epoch's draws depend only on (seed, epoch). */
  seed?: number;
  validationData?: Dataset;
  verbose?: Verbosity;
  /** Called after each epoch (e.g. to save a checkpoint or write partial results). */
  onEpochEnd?: (log: EpochLog) => void;
  /** Called after each step with the running metrics of the epoch. */
  onBatchEnd?: (step: number, metrics: { loss: number; accuracy: number }) => void;
  /** Abort after the current step (Ctrl-C); fit returns what finished. */
  signal?: AbortSignal;
  /** Changes each training batch in place before the step (data augmentation); draws from the epoch's own Rng. */
  augment?: (x: Tensor, rng: Rng) => void;
}

function checkCompatible(model: Sequential, data: Dataset): void {
  const shape = [data.height, data.width, data.channels];
  if (!model.built) model.build(shape);
  const want = model.inputShape!;
  if (want.length !== 3 || want.some((d, i) => d !== shape[i])) {
    throw new Error(`model expects inputs [${want.join(', ')}] but dataset ${data.name} has [${shape.join(', ')}]`);
  }
  const out = model.outputShape;
  if (out.length !== 1 || out[0] !== data.numClasses) {
    throw new Error(`model outputs [${out.join(', ')}] but dataset ${data.name} has ${data.numClasses} classes`);
  }
}

/**
 * The generators of one epoch, a function of (seed, epoch) alone: an epoch
 * draws the same shuffle and dropout masks whether the run started at epoch
 * 1 or was resumed from a saved state, which is what makes "train 2 epochs"
 * and "train 1, save, load, train 1 more" bit-identical.
 */
export function epochRngs(seed: number, epoch: number): { shuffleRng: Rng; dropoutRng: Rng; augmentRng: Rng } {
  const root = new Rng(seed);
  // Rng folds its seed to 32 bits; mixing the epoch into a word drawn from the
  // seed's own stream (then splitmix in the constructor) decorrelates epochs.
  const e = new Rng((root.nextU32() ^ Math.imul(epoch, 0x9e3779b9)) >>> 0);
  // Forked in this order so that adding a stream never changes the earlier ones.
  const shuffleRng = e.fork();
  const dropoutRng = e.fork();
  return { shuffleRng, dropoutRng, augmentRng: e.fork() };
}

/**
 * Trains synchronously. A SIGINT handler cannot run while this runs, so
 * interactive programs that must stop on Ctrl-C use fitAsync.
 */
export function fit(model: Sequential, data: Dataset, opts: FitOptions): History {
  const run = trainingSteps(model, data, opts);
  for (;;) {
    const r = run.next();
    if (r.done) return r.value;
  }
}

/**
 * fit that returns to the event loop after every step (a few microseconds
 * against a step's milliseconds), so that signal handlers, timers and I/O
 * run during training: Ctrl-C can abort through `signal`.
 */
export async function fitAsync(model: Sequential, data: Dataset, opts: FitOptions): Promise<History> {
  const run = trainingSteps(model, data, opts);
  for (;;) {
    const r = run.next();
    if (r.done) return r.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** The training loop, pausing (yield) after each step. */
function* trainingSteps(model: Sequential, data: Dataset, opts: FitOptions): Generator<void, History, undefined> {
  const { epochs, batchSize, optimizer } = opts;
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`fit: epochs must be a positive integer, got ${epochs}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`fit: batchSize must be a positive integer, got ${batchSize}`);
  const initialEpoch = opts.initialEpoch ?? 0;
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0 || initialEpoch > epochs) {
    throw new Error(`fit: initialEpoch must be an integer in [0, epochs=${epochs}], got ${initialEpoch}`);
  }
  checkCompatible(model, data);
  const seed = opts.seed ?? 0;
  const progress = createProgress(opts.verbose);
  const history: History = { epochs: [], train_seconds: 0, interrupted: false };
  const steps = numBatches(data.count, batchSize);

  for (let epoch = initialEpoch + 1; epoch <= epochs && !opts.signal?.aborted; epoch++) {
    const { shuffleRng, dropoutRng, augmentRng } = epochRngs(seed, epoch);
    progress.start(steps, `epoch ${epoch}/${epochs}`);
    const lr = optimizer.currentLearningRate();
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    let step = 0;
    const t0 = performance.now();
    for (const batch of batches(data, { batchSize, shuffle: true, rng: shuffleRng })) {
      opts.augment?.(batch.x, augmentRng);
      const r = tidy(() => {
        const logits = model.call(batch.x, { training: true, rng: dropoutRng });
        const loss = softmaxCrossEntropy(logits, batch.y);
        const c = countCorrect(logits, batch.y);
        const l = loss.item();
        backward(loss);
        optimizer.step(model.trainableVariables);
        return { loss: l, correct: c };
      });
      batch.x.dispose();
      if (!Number.isFinite(r.loss)) {
        progress.stop();
        throw new Error(`fit: the loss became ${r.loss} at epoch ${epoch}, step ${step + 1}; lower the learning rate`);
      }
      lossSum += r.loss * batch.size;
      correct += r.correct;
      seen += batch.size;
      step++;
      const running = { loss: lossSum / seen, accuracy: correct / seen };
      progress.update(step, running);
      opts.onBatchEnd?.(step, running);
      if (opts.signal?.aborted) break;
      yield;
    }
    const seconds = (performance.now() - t0) / 1000;
    if (seen < data.count) {
      history.interrupted = true;
      progress.stop(`epoch ${epoch} interrupted after ${seen} samples`);
      break;
    }
    history.train_seconds += seconds;
    const log: EpochLog = {
      epoch, loss: lossSum / seen, accuracy: correct / seen, seconds, samples_per_second: seen / seconds, learning_rate: lr,
    };
    Object.assign(log, optimizer.epochMetrics());
    if (opts.validationData) {
      const v = evaluate(model, opts.validationData, { batchSize: Math.max(batchSize, 256), verbose: 'quiet' });
      log.val_loss = v.loss;
      log.val_accuracy = v.accuracy;
    }
    history.epochs.push(log);
    progress.stop(`epoch ${epoch}/${epochs}: loss ${log.loss.toFixed(4)} · accuracy ${log.accuracy.toFixed(4)}` +
      (log.val_accuracy !== undefined ? ` · val_accuracy ${log.val_accuracy.toFixed(4)}` : '') +
      ` · ${seconds.toFixed(1)} s · ${log.samples_per_second.toFixed(0)} samples/s`);
    opts.onEpochEnd?.(log);
  }
  if (opts.signal?.aborted) history.interrupted = true;
  return history;
}

export interface EvaluateOptions {
  batchSize?: number;
  verbose?: Verbosity;
}

export interface Evaluation {
  loss: number;
  accuracy: number;
  count: number;
  seconds: number;
}

export function evaluate(model: Sequential, data: Dataset, opts: EvaluateOptions = {}): Evaluation {
  const batchSize = opts.batchSize ?? 256;
  checkCompatible(model, data);
  const progress = createProgress(opts.verbose ?? 'quiet');
  progress.start(numBatches(data.count, batchSize), 'evaluate');
  const ctx = { training: false, rng: new Rng(0) };
  let lossSum = 0;
  let correct = 0;
  let seen = 0;
  let step = 0;
  const t0 = performance.now();
  noGrad(() => {
    for (const batch of batches(data, { batchSize })) {
      tidy(() => {
        const logits = model.call(batch.x, ctx);
        lossSum += softmaxCrossEntropy(logits, batch.y).item() * batch.size;
        correct += countCorrect(logits, batch.y);
      });
      batch.x.dispose();
      seen += batch.size;
      progress.update(++step);
    }
  });
  progress.stop();
  return { loss: lossSum / seen, accuracy: correct / seen, count: seen, seconds: (performance.now() - t0) / 1000 };
}

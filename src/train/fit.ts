// fit / evaluate: the Keras training loop. One training step is one tidy()
// scope (forward, loss, backward, optimizer update), so nothing allocated in a
// step outlives it and the heap does not grow from epoch to epoch.
import { platform } from '#platform';
import { tidy } from '../tensor/scope.js';
import { Rng } from '../tensor/random.js';
import { backward, noGrad } from '../autograd/graph.js';
import { softmaxCrossEntropy } from '../ops/softmaxCrossEntropy.js';
import type { TrainableModel } from './trainableModel.js';
import type { Optimizer } from '../optim/optimizer.js';
import { type Dataset, validateDataset } from '../data/dataset.js';
import { batches, numBatches } from '../data/batches.js';
import { countCorrect } from './metrics.js';
import { createProgress, type Verbosity } from './progress.js';
import { ConfigError, NumericError, ShapeError } from '../errors.js';
import { BatchNormalization } from '../nn/layers/batchNormalization.js';
import { checkFiniteBatch, checkFiniteVariables, DIVERGENCE_FACTOR } from './finite.js';

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
  /** Batches left out because of NaN/Inf pixels or a non-finite loss (only with skipNonFinite). */
  skipped_batches: number;
  /** Conditions that make the numbers doubtful without being errors (e.g. BatchNorm statistics from too few steps). */
  warnings: string[];
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
  /**
   * A batch with a NaN or infinite pixel, or whose loss is not finite, is
   * skipped (counted in History.skipped_batches) instead of stopping with a
   * NumericError. A variable that becomes non-finite always stops training.
   */
  skipNonFinite?: boolean;
}

function checkCompatible(model: TrainableModel, data: Dataset): void {
  validateDataset(data);
  const shape = [data.height, data.width, data.channels];
  if (!model.built) model.build(shape);
  const want = model.inputShape!;
  if (want.length !== 3 || want.some((d, i) => d !== shape[i])) {
    throw new ShapeError(`model expects inputs [${want.join(', ')}] but dataset ${data.name} has [${shape.join(', ')}]`);
  }
  const out = model.outputShape;
  if (out.length !== 1 || out[0] !== data.numClasses) {
    throw new ShapeError(`model outputs [${out.join(', ')}] but dataset ${data.name} has ${data.numClasses} classes`);
  }
}

/**
 * BatchNormalization's moving statistics start at mean 0, variance 1 and move
 * by (1 − momentum) per step; after n steps the start still weighs
 * momentum^n. Above 5 % the statistics used at test time are far from the
 * data's, and test accuracy can be much lower than training accuracy.
 */
export function batchNormWarmupWarning(model: TrainableModel, steps: number): string | null {
  const bn = model.layers.filter((l): l is BatchNormalization => l instanceof BatchNormalization);
  if (bn.length === 0) return null;
  const momentum = Math.max(...bn.map((l) => l.momentum));
  const weight = momentum ** steps;
  if (weight <= 0.05) return null;
  const need = Math.ceil(Math.log(0.05) / Math.log(momentum));
  return `BatchNormalization moving statistics after only ${steps} training steps (momentum ${momentum}): ` +
    `their initial values (mean 0, variance 1) still weigh ${(100 * weight).toFixed(0)} %, so test accuracy can be far below ` +
    `training accuracy; train at least ${need} steps (more epochs or samples, or a smaller batch)`;
}

/**
 * The generators of one epoch, a function of (seed, epoch) alone: an epoch
 * draws the same shuffle and dropout masks whether the run started at epoch
 * 1 or was resumed from a saved state, which is what makes "train 2 epochs"
 * and "train 1, save, load, train 1 more" bit-identical.
 */
export function epochRngs(seed: number, epoch: number): { shuffleRng: Rng; dropoutRng: Rng } {
  const root = new Rng(seed);
  // Rng folds its seed to 32 bits; mixing the epoch into a word drawn from the
  // seed's own stream (then splitmix in the constructor) decorrelates epochs.
  const e = new Rng((root.nextU32() ^ Math.imul(epoch, 0x9e3779b9)) >>> 0);
  return { shuffleRng: e.fork(), dropoutRng: e.fork() };
}

/**
 * Trains synchronously. A SIGINT handler cannot run while this runs, so
 * interactive programs that must stop on Ctrl-C use fitAsync.
 */
export function fit(model: TrainableModel, data: Dataset, opts: FitOptions): History {
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
export async function fitAsync(model: TrainableModel, data: Dataset, opts: FitOptions): Promise<History> {
  const run = trainingSteps(model, data, opts);
  for (;;) {
    const r = run.next();
    if (r.done) return r.value;
    await platform.yieldTask();
  }
}

/** The training loop, pausing (yield) after each step. */
function* trainingSteps(model: TrainableModel, data: Dataset, opts: FitOptions): Generator<void, History, undefined> {
  const { epochs, batchSize, optimizer } = opts;
  if (!Number.isInteger(epochs) || epochs < 1) throw new ConfigError(`fit: epochs must be a positive integer, got ${epochs}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ConfigError(`fit: batchSize must be a positive integer, got ${batchSize}`);
  const initialEpoch = opts.initialEpoch ?? 0;
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0 || initialEpoch > epochs) {
    throw new ConfigError(`fit: initialEpoch must be an integer in [0, epochs=${epochs}], got ${initialEpoch}`);
  }
  checkCompatible(model, data);
  const seed = opts.seed ?? 0;
  const progress = createProgress(opts.verbose);
  const history: History = { epochs: [], train_seconds: 0, interrupted: false, skipped_batches: 0, warnings: [] };
  const steps = numBatches(data.count, batchSize);
  const numClasses = data.numClasses;

  for (let epoch = initialEpoch + 1; epoch <= epochs && !opts.signal?.aborted; epoch++) {
    const { shuffleRng, dropoutRng } = epochRngs(seed, epoch);
    progress.start(steps, `epoch ${epoch}/${epochs}`);
    const lr = optimizer.currentLearningRate();
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    let skippedSamples = 0;
    let step = 0;
    const t0 = performance.now();
    for (const batch of batches(data, { batchSize, shuffle: true, rng: shuffleRng })) {
      const where = `epoch ${epoch}, batch ${step + 1}`;
      let r: { loss: number; correct: number; bad: string | null };
      try {
        r = tidy(() => {
          // Checked before the forward pass: BatchNorm would fold a NaN into its moving statistics.
          const bad = checkFiniteBatch(batch.x, batch.indices, where);
          if (bad) return { loss: Number.NaN, correct: 0, bad };
          const logits = model.call(batch.x, { training: true, rng: dropoutRng });
          const loss = softmaxCrossEntropy(logits, batch.y);
          const c = countCorrect(logits, batch.y);
          const l = loss.item();
          if (!Number.isFinite(l)) return { loss: l, correct: c, bad: `the loss is ${l} at ${where}` };
          if (l > DIVERGENCE_FACTOR * Math.log(numClasses)) {
            throw new NumericError(`training diverged: the loss is ${l.toExponential(3)} at ${where} ` +
              `(a uniform guess scores ${Math.log(numClasses).toFixed(2)}); lower the learning rate`);
          }
          backward(loss);
          optimizer.step(model.trainableVariables);
          checkFiniteVariables(model.variables, `the optimizer step of ${where}`);
          return { loss: l, correct: c, bad: null };
        });
      } catch (e) {
        progress.stop();
        throw e;
      } finally {
        batch.x.dispose();
      }
      if (r.bad) {
        if (!opts.skipNonFinite) {
          progress.stop();
          throw new NumericError(`${r.bad}; fix the data or lower the learning rate, or skip such batches (skipNonFinite)`);
        }
        history.skipped_batches++;
        skippedSamples += batch.size;
        step++;
        if (opts.signal?.aborted) break;
        yield;
        continue;
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
    if (seen + skippedSamples < data.count) {
      history.interrupted = true;
      progress.stop(`epoch ${epoch} interrupted after ${seen} samples`);
      break;
    }
    if (seen === 0) throw new NumericError(`every batch of epoch ${epoch} had NaN/Inf values or a non-finite loss and was skipped`);
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
  const trained = history.epochs.length * steps - history.skipped_batches;
  const bnWarning = history.epochs.length > 0 ? batchNormWarmupWarning(model, (initialEpoch * steps) + trained) : null;
  if (bnWarning) history.warnings.push(bnWarning);
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

export function evaluate(model: TrainableModel, data: Dataset, opts: EvaluateOptions = {}): Evaluation {
  const batchSize = opts.batchSize ?? 256;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ConfigError(`evaluate: batchSize must be a positive integer, got ${batchSize}`);
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
      try {
        tidy(() => {
          const logits = model.call(batch.x, ctx);
          lossSum += softmaxCrossEntropy(logits, batch.y).item() * batch.size;
          correct += countCorrect(logits, batch.y);
        });
      } finally {
        batch.x.dispose();
      }
      seen += batch.size;
      progress.update(++step);
    }
  });
  progress.stop();
  return { loss: lossSum / seen, accuracy: correct / seen, count: seen, seconds: (performance.now() - t0) / 1000 };
}

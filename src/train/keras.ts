// The Keras training API behind Model.compile / fit / evaluate / predict:
// losses and metrics by name, validationSplit or validationData, callbacks,
// initialEpoch. Each step is one tidy() scope, as in the free fit (fit.ts),
// and each epoch draws its shuffle and dropout from epochRngs(seed, epoch),
// so that with the default loss (softmax cross-entropy on the logits of a
// softmax-ended model) model.fit and the free fit train identically.
//
// Models are taken structurally (KerasModel) so that nn/model.ts can call
// this file without an import cycle.
import { Tensor } from '../tensor/tensor.js';
import type { Shape } from '../tensor/shape.js';
import { Rng } from '../tensor/random.js';
import { tidy } from '../tensor/scope.js';
import { backward, noGrad } from '../autograd/graph.js';
import type { CallContext } from '../nn/hooks.js';
import type { Variable } from '../nn/variable.js';
import type { Optimizer } from '../optim/optimizer.js';
import { Adam } from '../optim/adam.js';
import type { Dataset } from '../data/dataset.js';
import { sampleSize } from '../data/dataset.js';
import { batches, numBatches } from '../data/batches.js';
import { epochRngs } from './fit.js';
import { createProgress, type Verbosity } from './progress.js';
import { getLoss, getMetric, type LossFn, type LossName, type Metric, type MetricName } from './losses.js';
import type { Callback, Logs, TrainingControl } from './callbacks.js';
import { ConfigError, ShapeError } from '../errors.js';

export interface CompileArgs {
  /** An optimizer instance, or 'adam' (learning rate 0.001). */
  optimizer?: Optimizer | 'adam';
  /** Default sparse_categorical_crossentropy (labels are class indices). */
  loss?: LossName | LossFn;
  metrics?: (MetricName | Metric)[];
}

export interface CompiledModel {
  optimizer: Optimizer;
  loss: LossFn;
  lossName: string;
  metrics: Metric[];
}

export function compileModel(args: CompileArgs = {}): CompiledModel {
  const optimizer = args.optimizer === undefined || args.optimizer === 'adam' ? new Adam({}) : args.optimizer;
  if (typeof optimizer !== 'object' || typeof optimizer.step !== 'function') {
    throw new ConfigError(`compile: optimizer must be an Optimizer (Adam, Bop, CaseOptimizer, ...) or 'adam', got ${String(args.optimizer)}`);
  }
  const loss = args.loss ?? 'sparse_categorical_crossentropy';
  return {
    optimizer, loss: getLoss(loss), lossName: typeof loss === 'string' ? loss : 'loss', metrics: (args.metrics ?? ['accuracy']).map(getMetric),
  };
}

/** What the Keras loop needs of a model (Model has it). */
export interface KerasModel {
  name: string;
  compiled: CompiledModel | null;
  readonly built: boolean;
  inputShape: Shape | null;
  readonly outputShape: Shape;
  readonly endsInSoftmax: boolean;
  readonly trainableVariables: Variable[];
  build(shape: Shape): unknown;
  call(x: Tensor, ctx: CallContext): Tensor;
  forward(x: Tensor, ctx: CallContext): Tensor;
  save(path: string): Promise<void>;
  getWeights(): Float32Array[];
  setWeights(w: readonly ArrayLike<number>[]): void;
}

export interface KerasFitOptions {
  epochs: number;
  batchSize?: number;
  /** Epochs already trained (resume); epochs initialEpoch+1..epochs run. */
  initialEpoch?: number;
  /** Hold out this fraction of the data (its last samples, before shuffling) for validation. */
  validationSplit?: number;
  validationData?: Dataset;
  callbacks?: Callback[];
  /** Shuffling and dropout seed (default 0). */
  seed?: number;
  shuffle?: boolean;
  verbose?: Verbosity;
  signal?: AbortSignal;
}

export interface KerasHistory {
  /** Keras' History.history: one array per log key (loss, accuracy, val_loss, ...). */
  history: Record<string, number[]>;
  /** 1-based epochs that ran. */
  epoch: number[];
  /** Training seconds summed over epochs. */
  train_seconds: number;
  stopped: boolean;
}

export interface KerasEvaluation {
  loss: number;
  /** Every compiled metric by name. */
  [metric: string]: number;
}

function compiled(model: KerasModel): CompiledModel {
  if (!model.compiled) throw new ConfigError(`model "${model.name}" is not compiled: call model.compile({ optimizer, loss, metrics }) first`);
  return model.compiled;
}

function checkData(model: KerasModel, data: Dataset): void {
  const shape = [data.height, data.width, data.channels];
  if (!model.built) model.build(shape);
  const want = model.inputShape!;
  if (want.length !== 3 || want.some((d, i) => d !== shape[i])) {
    throw new ShapeError(`model "${model.name}" expects inputs [${want.join(', ')}] but dataset ${data.name} has [${shape.join(', ')}]`);
  }
}

/** Samples [from, to) of a dataset, sharing memory. */
export function sliceDataset(ds: Dataset, from: number, to: number): Dataset {
  const s = sampleSize(ds);
  return { ...ds, images: ds.images.subarray(from * s, to * s), labels: ds.labels.subarray(from, to), count: to - from };
}

/** The loss input: logits of a softmax-ended model, the output otherwise. */
function lossInput(model: KerasModel, x: Tensor, ctx: CallContext): { out: Tensor; logits: boolean } {
  return model.endsInSoftmax ? { out: model.call(x, ctx), logits: true } : { out: model.forward(x, ctx), logits: false };
}

export async function fitModel(model: KerasModel, data: Dataset, opts: KerasFitOptions): Promise<KerasHistory> {
  const c = compiled(model);
  const { epochs } = opts;
  const batchSize = opts.batchSize ?? 32;
  const initialEpoch = opts.initialEpoch ?? 0;
  if (!Number.isInteger(epochs) || epochs < 1) throw new ConfigError(`fit: epochs must be a positive integer, got ${epochs}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ConfigError(`fit: batchSize must be a positive integer, got ${batchSize}`);
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0 || initialEpoch > epochs) {
    throw new ConfigError(`fit: initialEpoch must be an integer in [0, epochs=${epochs}], got ${initialEpoch}`);
  }
  let train = data;
  let val = opts.validationData;
  if (opts.validationSplit !== undefined) {
    const f = opts.validationSplit;
    if (val) throw new ConfigError('fit: give validationSplit or validationData, not both');
    if (!(f > 0 && f < 1)) throw new ConfigError(`fit: validationSplit must be in (0, 1), got ${f}`);
    const cut = Math.floor(data.count * (1 - f));
    if (cut < 1 || cut >= data.count) throw new ConfigError(`fit: validationSplit ${f} leaves no training or no validation samples of ${data.count}`);
    train = sliceDataset(data, 0, cut);
    val = sliceDataset(data, cut, data.count);
  }
  checkData(model, train);
  const seed = opts.seed ?? 0;
  const callbacks = opts.callbacks ?? [];
  const ctl: TrainingControl = { model, optimizer: c.optimizer, stopTraining: false };
  const progress = createProgress(opts.verbose);
  const history: KerasHistory = { history: {}, epoch: [], train_seconds: 0, stopped: false };
  const steps = numBatches(train.count, batchSize);
  for (const cb of callbacks) await cb.onTrainBegin?.(ctl);
  let last: Logs = {};
  for (let epoch = initialEpoch + 1; epoch <= epochs; epoch++) {
    for (const cb of callbacks) await cb.onEpochBegin?.(epoch - 1, ctl);
    const { shuffleRng, dropoutRng } = epochRngs(seed, epoch);
    progress.start(steps, `epoch ${epoch}/${epochs}`);
    const sums = new Float64Array(c.metrics.length);
    let lossSum = 0;
    let seen = 0;
    let step = 0;
    const t0 = performance.now();
    for (const batch of batches(train, { batchSize, shuffle: opts.shuffle ?? true, rng: shuffleRng })) {
      const r = tidy(() => {
        const { out, logits } = lossInput(model, batch.x, { training: true, rng: dropoutRng });
        const loss = c.loss(out, batch.y, logits);
        const m = c.metrics.map((mt) => mt.batchSum(out, batch.y));
        const l = loss.item();
        backward(loss);
        c.optimizer.step(model.trainableVariables);
        return { loss: l, m };
      });
      batch.x.dispose();
      if (!Number.isFinite(r.loss)) {
        progress.stop();
        throw new ConfigError(`fit: the loss became ${r.loss} at epoch ${epoch}, step ${step + 1}; lower the learning rate`);
      }
      lossSum += r.loss * batch.size;
      r.m.forEach((v, i) => (sums[i] += v));
      seen += batch.size;
      step++;
      const running: Logs = { loss: lossSum / seen };
      c.metrics.forEach((mt, i) => (running[mt.name] = sums[i] / seen));
      progress.update(step, { loss: running.loss, accuracy: running[c.metrics[0]?.name] ?? Number.NaN });
      for (const cb of callbacks) await cb.onBatchEnd?.(step, running, ctl);
      if (opts.signal?.aborted) break;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const seconds = (performance.now() - t0) / 1000;
    if (seen < train.count) {
      progress.stop(`epoch ${epoch} interrupted after ${seen} samples`);
      history.stopped = true;
      break;
    }
    history.train_seconds += seconds;
    const logs: Logs = { loss: lossSum / seen };
    c.metrics.forEach((mt, i) => (logs[mt.name] = sums[i] / seen));
    if (val) {
      const v = evaluateModel(model, val, { batchSize: Math.max(batchSize, 256) });
      for (const [k, x] of Object.entries(v)) logs[`val_${k}`] = x;
    }
    logs.learning_rate = c.optimizer.currentLearningRate();
    history.epoch.push(epoch);
    for (const [k, x] of Object.entries(logs)) (history.history[k] ??= []).push(x);
    progress.stop(`epoch ${epoch}/${epochs}: ` + Object.entries(logs).filter(([k]) => k !== 'learning_rate')
      .map(([k, x]) => `${k} ${x.toFixed(4)}`).join(' · ') + ` · ${seconds.toFixed(1)} s`);
    last = logs;
    for (const cb of callbacks) await cb.onEpochEnd?.(epoch - 1, logs, ctl);
    if (ctl.stopTraining) {
      history.stopped = true;
      break;
    }
  }
  for (const cb of callbacks) await cb.onTrainEnd?.(last, ctl);
  return history;
}

export function evaluateModel(model: KerasModel, data: Dataset, opts: { batchSize?: number } = {}): KerasEvaluation {
  const c = compiled(model);
  checkData(model, data);
  const batchSize = opts.batchSize ?? 256;
  const ctx = { training: false, rng: new Rng(0) };
  const sums = new Float64Array(c.metrics.length);
  let lossSum = 0;
  let seen = 0;
  noGrad(() => {
    for (const batch of batches(data, { batchSize })) {
      tidy(() => {
        const { out, logits } = lossInput(model, batch.x, ctx);
        lossSum += c.loss(out, batch.y, logits).item() * batch.size;
        c.metrics.forEach((mt, i) => (sums[i] += mt.batchSum(out, batch.y)));
      });
      batch.x.dispose();
      seen += batch.size;
    }
  });
  const out: KerasEvaluation = { loss: lossSum / seen };
  c.metrics.forEach((mt, i) => (out[mt.name] = sums[i] / seen));
  return out;
}

/** predict on a dataset, in batches: [count, ...output]. */
export function predictDataset(model: KerasModel, data: Dataset, opts: { batchSize?: number; logits?: boolean } = {}): Tensor {
  checkData(model, data);
  const batchSize = opts.batchSize ?? 256;
  const ctx = { training: false, rng: new Rng(0) };
  const per = model.outputShape.reduce((a, b) => a * b, 1);
  const result = new Float32Array(data.count * per);
  let o = 0;
  noGrad(() => {
    for (const batch of batches(data, { batchSize })) {
      tidy(() => {
        const y = opts.logits ? model.call(batch.x, ctx) : model.forward(batch.x, ctx);
        result.set(y.data, o);
        o += y.size;
      });
      batch.x.dispose();
    }
  });
  return Tensor.from(result, [data.count, ...model.outputShape]);
}

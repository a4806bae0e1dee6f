// Losses and metrics by Keras name. Labels are class indices (what every
// dataset here holds); the categorical losses read them as one-hot rows.
// When the model ends in softmax, the cross-entropies take its logits and
// fuse the softmax (stable gradient, and the same numbers as the free fit);
// otherwise they read the model's output as probabilities, clipped to
// [1e-7, 1 - 1e-7] as Keras does.
import { Tensor } from '../tensor/tensor.js';
import { ShapeError, shapeStr } from '../tensor/shape.js';
import { record, accumulateGrad } from '../autograd/graph.js';
import { softmaxCrossEntropy } from '../ops/softmaxCrossEntropy.js';
import { softmaxLastAxis } from '../ops/pointwise.js';
import { ConfigError } from '../errors.js';

/** Loss names (a typo fails typecheck). */
export interface LossRegistry {
  categorical_crossentropy: true;
  sparse_categorical_crossentropy: true;
  binary_crossentropy: true;
  mse: true;
  mean_squared_error: true;
}
export type LossName = keyof LossRegistry;

/** Metric names (a typo fails typecheck). */
export interface MetricRegistry {
  accuracy: true;
  sparse_categorical_accuracy: true;
  categorical_accuracy: true;
  top_k_categorical_accuracy: true;
  sparse_top_k_categorical_accuracy: true;
}
export type MetricName = keyof MetricRegistry;

/** A loss: (model output or logits, labels, whether `out` are logits of a softmax) -> scalar tensor with gradient. */
export type LossFn = (out: Tensor, labels: ArrayLike<number>, fromSoftmaxLogits: boolean) => Tensor;

const EPS = 1e-7;

function rows(out: Tensor, labels: ArrayLike<number>, what: string): [number, number] {
  if (out.rank !== 2) throw new ShapeError(`${what}: the model output must be [batch, classes], got ${shapeStr(out.shape)}`);
  const [B, K] = out.shape;
  if (labels.length !== B) throw new ShapeError(`${what}: ${labels.length} labels for a batch of ${B}`);
  for (let b = 0; b < B; b++) {
    const y = labels[b];
    if (!(Number.isInteger(y) && y >= 0 && y < Math.max(K, 2))) throw new ShapeError(`${what}: label ${y} outside 0..${Math.max(K, 2) - 1}`);
  }
  return [B, K];
}

/** Mean −log p[label] on probabilities. */
export function crossEntropyOnProbabilities(p: Tensor, labels: ArrayLike<number>): Tensor {
  const [B, K] = rows(p, labels, 'crossentropy');
  const pd = p.data;
  let loss = 0;
  for (let b = 0; b < B; b++) loss -= Math.log(Math.min(1 - EPS, Math.max(EPS, pd[b * K + labels[b]])));
  return record(Tensor.scalar(loss / B), 'crossEntropy', [p], (g) => {
    const s = g.item() / B;
    const d = Tensor.zeros(p.shape);
    const dd = d.data, pv = p.data;
    for (let b = 0; b < B; b++) {
      const v = pv[b * K + labels[b]];
      if (v > EPS && v < 1 - EPS) dd[b * K + labels[b]] = -s / v;
    }
    accumulateGrad(p, d);
  });
}

function target(labels: ArrayLike<number>, b: number, k: number, K: number): number {
  return K === 1 ? labels[b] : labels[b] === k ? 1 : 0;
}

/** Mean binary cross-entropy of probabilities against one-hot rows (or 0/1 labels for one output). */
export function binaryCrossEntropy(p: Tensor, labels: ArrayLike<number>): Tensor {
  const [B, K] = rows(p, labels, 'binary_crossentropy');
  const pd = p.data;
  let loss = 0;
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < K; k++) {
      const v = Math.min(1 - EPS, Math.max(EPS, pd[b * K + k]));
      const t = target(labels, b, k, K);
      loss -= t * Math.log(v) + (1 - t) * Math.log(1 - v);
    }
  }
  return record(Tensor.scalar(loss / (B * K)), 'binaryCrossEntropy', [p], (g) => {
    const s = g.item() / (B * K);
    const d = Tensor.zeros(p.shape);
    const dd = d.data, pv = p.data;
    for (let b = 0; b < B; b++) {
      for (let k = 0; k < K; k++) {
        const v = pv[b * K + k];
        if (v <= EPS || v >= 1 - EPS) continue;
        const t = target(labels, b, k, K);
        dd[b * K + k] = s * (-t / v + (1 - t) / (1 - v));
      }
    }
    accumulateGrad(p, d);
  });
}

/** Mean squared error against one-hot rows (or the label itself for one output). */
export function meanSquaredError(p: Tensor, labels: ArrayLike<number>): Tensor {
  const [B, K] = rows(p, labels, 'mse');
  const pd = p.data;
  let loss = 0;
  for (let b = 0; b < B; b++) for (let k = 0; k < K; k++) loss += (pd[b * K + k] - target(labels, b, k, K)) ** 2;
  return record(Tensor.scalar(loss / (B * K)), 'mse', [p], (g) => {
    const s = (2 * g.item()) / (B * K);
    const d = new Tensor(p.shape);
    const dd = d.data, pv = p.data;
    for (let b = 0; b < B; b++) for (let k = 0; k < K; k++) dd[b * K + k] = s * (pv[b * K + k] - target(labels, b, k, K));
    accumulateGrad(p, d);
  });
}

const crossEntropy: LossFn = (out, labels, logits) => (logits ? softmaxCrossEntropy(out, labels) : crossEntropyOnProbabilities(out, labels));

const losses: Record<LossName, LossFn> = {
  categorical_crossentropy: crossEntropy,
  sparse_categorical_crossentropy: crossEntropy,
  binary_crossentropy: (out, labels, logits) => binaryCrossEntropy(logits ? softmaxLastAxis(out) : out, labels),
  mse: (out, labels, logits) => meanSquaredError(logits ? softmaxLastAxis(out) : out, labels),
  mean_squared_error: (out, labels, logits) => meanSquaredError(logits ? softmaxLastAxis(out) : out, labels),
};

export function getLoss(loss: LossName | LossFn): LossFn {
  if (typeof loss === 'function') return loss;
  const f = (losses as Record<string, LossFn>)[loss];
  if (!f) throw new ConfigError(`unknown loss "${String(loss)}" (known: ${Object.keys(losses).join(', ')})`);
  return f;
}

/** A metric: correct-style count over a batch (summed, then divided by the samples seen). */
export interface Metric {
  name: string;
  /** Sum over the batch's rows (e.g. the number of correct predictions). */
  batchSum(out: Tensor, labels: ArrayLike<number>): number;
}

/** Rows whose label is among the k largest outputs (k = 1: accuracy; one output: p > 0.5 matches a 0/1 label). */
export function topKCorrect(out: Tensor, labels: ArrayLike<number>, k: number): number {
  const [B, K] = out.shape;
  const z = out.data;
  let n = 0;
  for (let b = 0; b < B; b++) {
    if (K === 1) {
      if ((z[b] > 0.5 ? 1 : 0) === labels[b]) n++;
      continue;
    }
    const v = z[b * K + labels[b]];
    let above = 0;
    for (let j = 0; j < K; j++) {
      const w = z[b * K + j];
      if (w > v || (w === v && j < labels[b])) above++;
    }
    if (above < k) n++;
  }
  return n;
}

export function topKAccuracy(k: number, name = `top_${k}_accuracy`): Metric {
  return { name, batchSum: (out, labels) => topKCorrect(out, labels, k) };
}

export function getMetric(m: MetricName | Metric): Metric {
  if (typeof m === 'object') return m;
  switch (m) {
    case 'accuracy':
    case 'sparse_categorical_accuracy':
    case 'categorical_accuracy':
      return topKAccuracy(1, m);
    case 'top_k_categorical_accuracy':
    case 'sparse_top_k_categorical_accuracy':
      return topKAccuracy(5, m);
    default:
      throw new ConfigError(`unknown metric "${String(m)}" (known: accuracy, sparse_categorical_accuracy, categorical_accuracy, top_k_categorical_accuracy)`);
  }
}

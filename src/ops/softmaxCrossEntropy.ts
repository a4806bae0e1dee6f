// Mean sparse softmax cross-entropy over a batch of logits, fused with the
// softmax so that the gradient is the stable (softmax − onehot)/B. The loss
// of a sample is logsumexp(z) − z_label, computed from the maximum logit in
// float64: exact for any logit gap, where log(softmax) would underflow (and
// a clamp like log(max(p, 1e-30)) caps every loss at 69.08).
import { Tensor } from '../tensor/tensor.js';
import { ShapeError, shapeStr } from '../tensor/shape.js';
import { record, accumulateGrad } from '../autograd/graph.js';
import { DatasetError } from '../errors.js';

export function softmax(logits: Tensor): Tensor {
  if (logits.rank !== 2) throw new ShapeError(`softmax: logits must be [B, classes], got ${shapeStr(logits.shape)}`);
  const [B, K] = logits.shape;
  const out = new Tensor(logits.shape);
  const z = logits.data, p = out.data;
  for (let b = 0; b < B; b++) {
    let max = -Infinity;
    for (let k = 0; k < K; k++) max = Math.max(max, z[b * K + k]);
    let s = 0;
    for (let k = 0; k < K; k++) s += (p[b * K + k] = Math.exp(z[b * K + k] - max));
    for (let k = 0; k < K; k++) p[b * K + k] /= s;
  }
  return out;
}

export function softmaxCrossEntropy(logits: Tensor, labels: ArrayLike<number>): Tensor {
  if (logits.rank !== 2) throw new ShapeError(`softmaxCrossEntropy: logits must be [B, classes], got ${shapeStr(logits.shape)}`);
  const [B, K] = logits.shape;
  if (labels.length !== B) throw new ShapeError(`softmaxCrossEntropy: ${labels.length} labels for a batch of ${B}`);
  for (let b = 0; b < B; b++) {
    const y = labels[b];
    if (!(y >= 0 && y < K && Number.isInteger(y))) throw new DatasetError(`softmaxCrossEntropy: label ${y} of sample ${b} is not a class index 0..${K - 1}`);
  }
  const probs = softmax(logits);
  const z = logits.data;
  let loss = 0;
  for (let b = 0; b < B; b++) {
    let max = -Infinity;
    for (let k = 0; k < K; k++) max = Math.max(max, z[b * K + k]);
    let s = 0;
    for (let k = 0; k < K; k++) s += Math.exp(z[b * K + k] - max);
    loss += max + Math.log(s) - z[b * K + labels[b]];
  }
  const out = Tensor.scalar(loss / B);
  return record(out, 'softmaxCrossEntropy', [logits], (g) => {
    const s = g.item() / B;
    const d = new Tensor(logits.shape);
    const dd = d.data, pp = probs.data;
    for (let b = 0; b < B; b++) {
      for (let k = 0; k < K; k++) dd[b * K + k] = pp[b * K + k] * s;
      dd[b * K + labels[b]] -= s;
    }
    accumulateGrad(logits, d);
  });
}

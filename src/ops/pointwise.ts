// Pointwise activations computed in JavaScript, each with its gradient:
// sigmoid, tanh, leaky ReLU, Larq's leaky_tanh, PReLU (per-channel slopes), and
// the row softmax with its Jacobian-vector product.
import { Tensor } from '../tensor/tensor.js';
import { ShapeError, shapeStr } from '../tensor/shape.js';
import { record, accumulateGrad } from '../autograd/graph.js';

function unary(x: Tensor, op: string, f: (v: number) => number, df: (v: number, y: number) => number): Tensor {
  const out = new Tensor(x.shape);
  const xd = x.data, yd = out.data;
  for (let i = 0; i < xd.length; i++) yd[i] = f(xd[i]);
  return record(out, op, [x], (g) => {
    const dx = new Tensor(x.shape);
    const dd = dx.data, gd = g.data, xv = x.data, yv = out.data;
    for (let i = 0; i < dd.length; i++) dd[i] = gd[i] * df(xv[i], yv[i]);
    accumulateGrad(x, dx);
  });
}

export function sigmoid(x: Tensor): Tensor {
  return unary(x, 'sigmoid', (v) => 1 / (1 + Math.exp(-v)), (_v, y) => y * (1 - y));
}

export function tanh(x: Tensor): Tensor {
  return unary(x, 'tanh', Math.tanh, (_v, y) => 1 - y * y);
}

/** LeakyReLU's default negative slope (Keras' 0.3): activation 'leaky_relu', `LeakyReLU()` and the packed export. */
export const LEAKY_RELU_ALPHA = 0.3;

export function leakyRelu(x: Tensor, alpha = LEAKY_RELU_ALPHA): Tensor {
  return unary(x, 'leakyRelu', (v) => (v > 0 ? v : alpha * v), (v) => (v > 0 ? 1 : alpha));
}

/** Larq's leaky_tanh: hard_tanh inside [-1, 1], slope `alpha` outside (x·α ± (1−α)). */
export function leakyTanh(x: Tensor, alpha = 0.2): Tensor {
  return unary(x, 'leakyTanh',
    (v) => (v > 1 ? 1 + alpha * (v - 1) : v < -1 ? -1 + alpha * (v + 1) : v),
    (v) => (v > 1 || v < -1 ? alpha : 1));
}

/** clip(x, 0, 1); the gradient passes inside (0, 1). */
export function clip01(x: Tensor): Tensor {
  return unary(x, 'clip01', (v) => Math.min(1, Math.max(0, v)), (v) => (v > 0 && v < 1 ? 1 : 0));
}

/** softmax over the last axis. */
export function softmaxLastAxis(x: Tensor): Tensor {
  if (x.rank < 1) throw new ShapeError(`softmax: needs at least one axis, got ${shapeStr(x.shape)}`);
  const K = x.shape[x.rank - 1];
  const rows = x.size / K;
  const out = new Tensor(x.shape);
  const z = x.data, p = out.data;
  for (let r = 0; r < rows; r++) {
    const o = r * K;
    let max = -Infinity;
    for (let k = 0; k < K; k++) max = Math.max(max, z[o + k]);
    let s = 0;
    for (let k = 0; k < K; k++) s += (p[o + k] = Math.exp(z[o + k] - max));
    for (let k = 0; k < K; k++) p[o + k] /= s;
  }
  return record(out, 'softmax', [x], (g) => {
    const dx = new Tensor(x.shape);
    const dd = dx.data, gd = g.data, pd = out.data;
    for (let r = 0; r < rows; r++) {
      const o = r * K;
      let dot = 0;
      for (let k = 0; k < K; k++) dot += gd[o + k] * pd[o + k];
      for (let k = 0; k < K; k++) dd[o + k] = pd[o + k] * (gd[o + k] - dot);
    }
    accumulateGrad(x, dx);
  });
}

/** PReLU: x where x > 0, alpha[c]·x elsewhere; alpha has the shape of one sample (or of its last axis). */
export function prelu(x: Tensor, alpha: Tensor): Tensor {
  const A = alpha.size;
  if (x.size % A !== 0 || (x.size / x.shape[0]) % A !== 0) {
    throw new ShapeError(`prelu: alpha ${shapeStr(alpha.shape)} does not tile input ${shapeStr(x.shape)}`);
  }
  const out = new Tensor(x.shape);
  const xd = x.data, yd = out.data, ad = alpha.data;
  for (let i = 0; i < xd.length; i++) yd[i] = xd[i] > 0 ? xd[i] : ad[i % A] * xd[i];
  return record(out, 'prelu', [x, alpha], (g) => {
    const dx = new Tensor(x.shape);
    const da = Tensor.zeros(alpha.shape);
    const dd = dx.data, gd = g.data, xv = x.data, av = alpha.data, dad = da.data;
    for (let i = 0; i < dd.length; i++) {
      if (xv[i] > 0) dd[i] = gd[i];
      else {
        dd[i] = gd[i] * av[i % A];
        dad[i % A] += gd[i] * xv[i];
      }
    }
    accumulateGrad(x, dx);
    accumulateGrad(alpha, da);
  });
}

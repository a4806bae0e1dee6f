// Batch normalisation over every axis but the last (channels). Training mode
// normalises with the batch statistics and updates the moving averages the
// Keras way (moving = moving·momentum + batch·(1 − momentum)); inference mode
// uses the moving averages. Both reduce to y = x·scale[c] + shift[c].
import { Tensor } from '../tensor/tensor.js';
import { ShapeError, shapeStr } from '../tensor/shape.js';
import { record, accumulateGrad, needsGrad } from '../autograd/graph.js';
import { wasm } from '../wasm/module.js';

export interface BatchNormParams {
  /** [C] or null when scale=false (gamma fixed at 1). */
  gamma: Tensor | null;
  /** [C] or null when center=false (beta fixed at 0). */
  beta: Tensor | null;
  movingMean: Tensor;
  movingVariance: Tensor;
}

export interface BatchNormOptions {
  training: boolean;
  momentum?: number;
  epsilon?: number;
}

function checkParam(name: string, t: Tensor | null, C: number, x: Tensor): void {
  if (t && (t.rank !== 1 || t.shape[0] !== C)) {
    throw new ShapeError(`batchNorm: ${name} ${shapeStr(t.shape)} does not match the ${C} channels of input ${shapeStr(x.shape)}`);
  }
}

export function batchNorm(x: Tensor, p: BatchNormParams, opts: BatchNormOptions): Tensor {
  const C = x.shape[x.rank - 1];
  for (const [n, t] of [['gamma', p.gamma], ['beta', p.beta], ['movingMean', p.movingMean], ['movingVariance', p.movingVariance]] as const) {
    checkParam(n, t, C, x);
  }
  const rows = x.size / C;
  const momentum = opts.momentum ?? 0.99;
  const eps = opts.epsilon ?? 1e-3;
  const k = wasm();

  const mean = new Tensor([C]);
  const invStd = new Tensor([C]);
  if (opts.training) {
    if (rows < 1) throw new ShapeError(`batchNorm: training needs at least one sample, got ${shapeStr(x.shape)}`);
    const variance = new Tensor([C]);
    k.channelMeanVar(x.ptr, rows, C, mean.ptr, variance.ptr);
    const m = mean.data, v = variance.data, is = invStd.data;
    const mm = p.movingMean.data, mv = p.movingVariance.data;
    for (let c = 0; c < C; c++) {
      is[c] = 1 / Math.sqrt(v[c] + eps);
      mm[c] = mm[c] * momentum + m[c] * (1 - momentum);
      mv[c] = mv[c] * momentum + v[c] * (1 - momentum);
    }
    variance.dispose();
  } else {
    const m = mean.data, is = invStd.data;
    const mm = p.movingMean.data, mv = p.movingVariance.data;
    for (let c = 0; c < C; c++) {
      m[c] = mm[c];
      is[c] = 1 / Math.sqrt(mv[c] + eps);
    }
  }

  const scale = new Tensor([C]);
  const shift = new Tensor([C]);
  {
    const m = mean.data, is = invStd.data, sc = scale.data, sh = shift.data;
    const gm = p.gamma ? p.gamma.data : null;
    const bt = p.beta ? p.beta.data : null;
    for (let c = 0; c < C; c++) {
      sc[c] = (gm ? gm[c] : 1) * is[c];
      sh[c] = (bt ? bt[c] : 0) - m[c] * sc[c];
    }
  }
  const out = new Tensor(x.shape);
  k.channelScaleShift(x.ptr, rows, C, scale.ptr, shift.ptr, out.ptr);
  const parents = [x, ...(p.gamma ? [p.gamma] : []), ...(p.beta ? [p.beta] : [])];
  if (!needsGrad(...parents)) {
    for (const t of [mean, invStd, scale, shift]) t.dispose();
    return out;
  }
  return record(out, 'batchNorm', parents, (g) => {
    if (opts.training) {
      const dx = new Tensor(x.shape);
      const dgamma = new Tensor([C]);
      const dbeta = new Tensor([C]);
      k.batchNormBackward(g.ptr, x.ptr, rows, C, mean.ptr, invStd.ptr, p.gamma ? p.gamma.ptr : 0, dx.ptr, dgamma.ptr, dbeta.ptr);
      accumulateGrad(x, dx);
      if (p.gamma) accumulateGrad(p.gamma, dgamma); else dgamma.dispose();
      if (p.beta) accumulateGrad(p.beta, dbeta); else dbeta.dispose();
    } else {
      // Statistics are constants in inference mode: y is affine in x.
      const dx = new Tensor(x.shape);
      const zero = Tensor.zeros([C]);
      k.channelScaleShift(g.ptr, rows, C, scale.ptr, zero.ptr, dx.ptr);
      zero.dispose();
      accumulateGrad(x, dx);
      if (p.beta) {
        const dbeta = new Tensor([C]);
        k.columnSum(g.ptr, rows, C, dbeta.ptr);
        accumulateGrad(p.beta, dbeta);
      }
      if (p.gamma) {
        // dy/dgamma = (x - mean)·invStd
        const xhat = new Tensor(x.shape);
        const negMeanInv = new Tensor([C]);
        const m = mean.data, is = invStd.data, nm = negMeanInv.data;
        for (let c = 0; c < C; c++) nm[c] = -m[c] * is[c];
        k.channelScaleShift(x.ptr, rows, C, invStd.ptr, negMeanInv.ptr, xhat.ptr);
        k.mul(xhat.ptr, g.ptr, x.size, xhat.ptr);
        const dgamma = new Tensor([C]);
        k.columnSum(xhat.ptr, rows, C, dgamma.ptr);
        accumulateGrad(p.gamma, dgamma);
        xhat.dispose();
        negMeanInv.dispose();
      }
    }
    for (const t of [mean, invStd, scale, shift]) t.dispose();
  });
}

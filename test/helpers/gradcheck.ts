// Finite-difference gradient checks. The scalar checked is L = Σ f(x)·R for a
// fixed random R, evaluated in float64 in JS from the float32 forward output,
// so central differences with a moderate step stay accurate.
import { expect } from 'vitest';
import { Tensor } from '../../src/tensor/tensor.js';
import { tidy } from '../../src/tensor/scope.js';
import { Rng } from '../../src/tensor/random.js';
import { backward, noGrad } from '../../src/autograd/graph.js';

export function randomTensor(shape: number[], rng: Rng, lo = -1, hi = 1): Tensor {
  const t = new Tensor(shape);
  rng.fillUniform(t.data, lo, hi);
  return t;
}

export interface GradCheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Check at most this many coordinates per input (chosen at random). */
  maxCoords?: number;
  seed?: number;
}

/** Checks d/dx Σ f(inputs)·R for every input against central differences. */
export function gradCheck(f: (xs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradCheckOptions = {}): void {
  const eps = opts.eps ?? 1e-2;
  const atol = opts.atol ?? 2e-3;
  const rtol = opts.rtol ?? 2e-2;
  const rng = new Rng(opts.seed ?? 7);
  let weights: Float64Array | null = null;

  const lossOf = (out: Tensor): number => {
    const d = out.data;
    if (!weights) {
      weights = new Float64Array(d.length);
      for (let i = 0; i < d.length; i++) weights[i] = rng.uniform() * 2 - 1;
    }
    let s = 0;
    for (let i = 0; i < d.length; i++) s += d[i] * weights[i];
    return s;
  };

  // Analytic gradients.
  for (const x of inputs) x.requiresGrad = true;
  const analytic = tidy(() => {
    const out = f(inputs);
    lossOf(out);
    const R = Tensor.from(Float32Array.from(weights!), out.shape);
    backward(out, R);
    return inputs.map((x) => (x.grad ? x.grad.toArray() : new Float32Array(x.size)));
  });
  for (const x of inputs) {
    x.grad?.dispose();
    x.grad = null;
  }

  // Numeric gradients.
  inputs.forEach((x, xi) => {
    const n = x.size;
    const coords = opts.maxCoords && opts.maxCoords < n
      ? Array.from(rng.permutation(n).subarray(0, opts.maxCoords))
      : Array.from({ length: n }, (_, i) => i);
    for (const i of coords) {
      const orig = x.data[i];
      x.data[i] = orig + eps;
      const lp = noGrad(() => tidy(() => lossOf(f(inputs))));
      x.data[i] = orig - eps;
      const lm = noGrad(() => tidy(() => lossOf(f(inputs))));
      x.data[i] = orig;
      const numeric = (lp - lm) / (2 * eps);
      const a = analytic[xi][i];
      const ok = Math.abs(a - numeric) <= atol + rtol * Math.abs(numeric);
      if (!ok) {
        expect.fail(`input ${xi} coordinate ${i}: analytic ${a}, numeric ${numeric}`);
      }
    }
  });
}

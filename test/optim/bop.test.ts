// Bop flips exactly when w·m > τ (with Larq's tie rule at w·m == τ) and
// averages gradients with γ; CaseOptimizer routes binary variables to Bop and
// the rest to the default optimizer with Larq's checks; the flip ratio reaches
// the training history.
import { describe, it, expect, vi, afterEach } from 'vitest';
import { Tensor } from '../../src/tensor/tensor.js';
import { tidy } from '../../src/tensor/scope.js';
import { Rng } from '../../src/tensor/random.js';
import { backward } from '../../src/autograd/graph.js';
import { Variable } from '../../src/nn/variable.js';
import { Sequential } from '../../src/nn/sequential.js';
import { QuantDense } from '../../src/nn/layers/quantDense.js';
import { QuantConv2D } from '../../src/nn/layers/quantConv2D.js';
import { Dense } from '../../src/nn/layers/dense.js';
import { Flatten } from '../../src/nn/layers/flatten.js';
import { BatchNormalization } from '../../src/nn/layers/batchNormalization.js';
import { Activation } from '../../src/nn/layers/activation.js';
import { Bop } from '../../src/optim/bop.js';
import { CaseOptimizer } from '../../src/optim/caseOptimizer.js';
import { Adam } from '../../src/optim/adam.js';
import { SGD } from '../../src/optim/sgd.js';
import { NoOp, DoReFa } from '../../src/quantizers/index.js';
import { fit } from '../../src/train/fit.js';
import type { Dataset } from '../../src/data/dataset.js';

const vars: Variable[] = [];
function variable(values: number[], precision = 1): Variable {
  const v = new Variable(`v${vars.length}`, Tensor.from(values), { precision });
  vars.push(v);
  return v;
}
/** One Bop step with the given gradient. */
function stepWith(opt: Bop, v: Variable, g: number[]): number[] {
  v.value.grad = Tensor.from(g);
  opt.step([v]);
  return Array.from(v.value.data);
}
afterEach(() => {
  for (const v of vars) v.dispose();
  vars.length = 0;
  vi.restoreAllMocks();
});

describe('Bop', () => {
  it('vector 1: flips only where m has the sign of w and |m| > τ; m averages with γ', () => {
    const opt = new Bop({ threshold: 0.1, gamma: 0.5 });
    const v = variable([1, -1, 1, -1]);
    expect(stepWith(opt, v, [0.4, 0.4, -0.4, -0.1])).toEqual([-1, -1, 1, -1]);
    expect(stepWith(opt, v, [0.4, 0.4, -0.4, -0.1])).toEqual([-1, -1, 1, -1]);
    const m = opt.slotEntries()[0].value;
    expect(Array.from(m.data)).toEqual([0.3, 0.3, -0.3, -0.075].map(Math.fround));
    opt.dispose();
  });

  it('vector 2: at w·m == τ exactly the weight becomes +1 (Larq sign(0) = +1)', () => {
    const opt = new Bop({ threshold: 0.25, gamma: 0.5 });
    const v = variable([-1, 1]);
    expect(stepWith(opt, v, [-0.5, 0.5])).toEqual([1, 1]);
    opt.dispose();
  });

  it('vector 3: binarizes latent floats; defaults τ = 1e-8, γ = 1e-4', () => {
    const opt = new Bop({ threshold: 1e-8, gamma: 1e-4 });
    const v = variable([0.3, -0.7, 0]);
    expect(stepWith(opt, v, [0, 0, 0])).toEqual([1, -1, 1]);
    const d = new Bop();
    expect([d.threshold, d.gamma]).toEqual([1e-8, 1e-4]);
    opt.dispose();
  });

  it('random steps: a flip happens exactly when w·m > τ for the running average m', () => {
    const rng = new Rng(17);
    const n = 4000;
    const gamma = 0.3;
    const tau = 0.05;
    const w0 = Array.from({ length: n }, () => (rng.uniform() < 0.5 ? -1 : 1));
    const opt = new Bop({ threshold: tau, gamma });
    const v = variable(w0);
    const m = new Float64Array(n);
    let flips = 0;
    let keeps = 0;
    for (let step = 0; step < 6; step++) {
      const before = Array.from(v.value.data);
      const g = Array.from({ length: n }, () => rng.uniform() * 0.6 - 0.3);
      const after = stepWith(opt, v, g);
      for (let i = 0; i < n; i++) {
        m[i] = (1 - gamma) * m[i] + gamma * g[i];
        const s = before[i] * m[i];
        if (Math.abs(s - tau) < 1e-6) continue; // too close to the tie for a float64 reference
        const flip = s > tau;
        expect(after[i], `step ${step} element ${i}`).toBe(flip ? -before[i] : before[i]);
        if (flip) flips++;
        else keeps++;
      }
    }
    expect(flips).toBeGreaterThan(100);
    expect(keeps).toBeGreaterThan(100);
    opt.dispose();
  });

  it('gamma and threshold may be schedules of its own step count', () => {
    const opt = new Bop({ threshold: (t) => (t === 0 ? 10 : 0.01), gamma: () => 1 });
    const v = variable([1]);
    expect(stepWith(opt, v, [1])).toEqual([1]); // τ = 10 holds it
    expect(stepWith(opt, v, [1])).toEqual([-1]); // τ = 0.01 lets it flip
    opt.dispose();
  });

  it('isBinaryVariable: precision 1 only (ste_sign and NoOp(1) kernels; not ste_tern, DoReFa 4, biases, BN)', () => {
    const m = new Sequential([
      new QuantDense({ units: 3, kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip' }),
      new QuantDense({ units: 3, kernelQuantizer: new NoOp({ precision: 1 }), useBias: false }),
      new QuantDense({ units: 3, kernelQuantizer: 'ste_tern', useBias: false }),
      new QuantDense({ units: 3, kernelQuantizer: new DoReFa({ kBit: 4, mode: 'weights' }), useBias: false }),
      new Dense({ units: 3, useBias: false }),
      new BatchNormalization(),
    ], { inputShape: [4] });
    const binary = m.variables.filter(Bop.isBinaryVariable).map((v) => v.name);
    expect(binary).toEqual(['quant_dense/kernel', 'quant_dense_1/kernel']);
    m.dispose();
  });
});

describe('CaseOptimizer', () => {
  function smallBnn(): Sequential {
    return new Sequential([
      new QuantDense({ units: 6, kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip', useBias: false }),
      new BatchNormalization({ scale: false }),
      new QuantDense({ units: 3, inputQuantizer: 'ste_sign', kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip' }),
    ], { inputShape: [5], seed: 3 });
  }
  function trainStep(m: Sequential, opt: { step(v: Variable[]): void }, x: Tensor): void {
    tidy(() => {
      const y = m.call(x, { training: true, rng: new Rng(0) });
      backward(y, Tensor.full(y.shape, 0.5));
      opt.step(m.trainableVariables);
    });
  }

  it('binary kernels go to Bop (and end exactly ±1), the rest to the default optimizer', () => {
    const m = smallBnn();
    const bop = new Bop({ threshold: 1e-6, gamma: 1e-3 });
    const adam = new Adam({ learningRate: 0.01 });
    const opt = new CaseOptimizer([[Bop.isBinaryVariable, bop]], { defaultOptimizer: adam });
    const x = Tensor.from(Array.from({ length: 20 }, (_, i) => Math.sin(i)), [4, 5]);
    const beta0 = m.layers[1].variables.find((v) => v.name.endsWith('beta'))!.value.toArray();
    for (let s = 0; s < 3; s++) trainStep(m, opt, x);
    for (const v of m.variables) {
      if (v.name.endsWith('kernel')) {
        expect(opt.optimizerFor(v)).toBe(bop);
        expect(Array.from(v.value.data).every((w) => w === 1 || w === -1)).toBe(true);
      } else if (v.trainable) {
        expect(opt.optimizerFor(v)).toBe(adam);
      }
    }
    const beta = m.layers[1].variables.find((v) => v.name.endsWith('beta'))!.value.toArray();
    expect(Array.from(beta)).not.toEqual(Array.from(beta0));
    expect([opt.iterations, bop.iterations, adam.iterations]).toEqual([3, 3, 3]);
    expect(m.variables.every((v) => v.value.grad === null)).toBe(true);
    x.dispose();
    opt.dispose();
    m.dispose();
  });

  it("Larq's checks: claimed twice, claims nothing, no default", () => {
    const m = smallBnn();
    const x = Tensor.from(new Array(10).fill(0.3), [2, 5]);
    expect(() => trainStep(m, new CaseOptimizer([[Bop.isBinaryVariable, new Bop()], [() => true, new Adam()]]), x))
      .toThrow(/claimed by multiple optimizers/);
    m.zeroGrad();
    expect(() => trainStep(m, new CaseOptimizer([[() => false, new Bop()]], { defaultOptimizer: new Adam() }), x))
      .toThrow(/did not claim any variables/);
    m.zeroGrad();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const beta = m.layers[1].variables.find((v) => v.name.endsWith('beta'))!;
    const before = beta.value.toArray();
    const opt = new CaseOptimizer([[Bop.isBinaryVariable, new Bop()]]);
    trainStep(m, opt, x);
    expect(warn).toHaveBeenCalledWith('No `default_optimizer` provided to train variable `batch_normalization/beta`.');
    expect(Array.from(beta.value.data)).toEqual(Array.from(before));
    expect(beta.value.grad).toBeNull();
    x.dispose();
    opt.dispose();
    m.dispose();
  });
});

describe('flip ratio in the training history', () => {
  function toyData(n: number): Dataset {
    const rng = new Rng(4);
    const images = new Float32Array(n * 16);
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = i % 2;
      for (let j = 0; j < 16; j++) images[i * 16 + j] = (labels[i] ? 0.5 : -0.5) * (j < 8 ? 1 : -1) + (rng.uniform() - 0.5);
    }
    return { name: 'toy', images, labels, count: n, height: 4, width: 4, channels: 1, numClasses: 2 };
  }
  function toyBnn(): Sequential {
    return new Sequential([
      new QuantConv2D({ filters: 4, kernelSize: 3, kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip', useBias: false }),
      new BatchNormalization({ scale: false }),
      new Flatten(),
      new QuantDense({ units: 2, inputQuantizer: 'ste_sign', kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip', useBias: false }),
      new BatchNormalization({ scale: false }),
      new Activation('softmax'),
    ], { inputShape: [4, 4, 1], seed: 1 });
  }

  it('Adam on latent weights and Bop+Adam both log flip_ratio per epoch; float models do not', () => {
    const data = toyData(256);
    for (const make of [() => new Adam({ learningRate: 0.05 }), () => new CaseOptimizer([[Bop.isBinaryVariable, new Bop({ threshold: 1e-5, gamma: 0.05 })]], { defaultOptimizer: new Adam() })]) {
      const m = toyBnn();
      const opt = make();
      const h = fit(m, data, { epochs: 2, batchSize: 32, optimizer: opt, verbose: 'quiet' });
      // Epoch 1 flips while learning; later epochs may settle (Bop+Adam solves this toy task at once).
      expect(h.epochs[0].flip_ratio).toBeGreaterThan(0);
      for (const e of h.epochs) {
        expect(e.flip_ratio).toBeGreaterThanOrEqual(0);
        expect(e.flip_ratio).toBeLessThan(1);
      }
      expect(h.epochs[1].accuracy).toBeGreaterThan(0.9);
      m.dispose();
      opt.dispose();
    }
    const float = new Sequential([new Flatten(), new Dense({ units: 2 })], { inputShape: [4, 4, 1] });
    const sgd = new SGD();
    const h = fit(float, data, { epochs: 1, batchSize: 32, optimizer: sgd, verbose: 'quiet' });
    expect(h.epochs[0].flip_ratio).toBeUndefined();
    float.dispose();
    sgd.dispose();
  });

  it('the ratio is the mean share of binary weights whose sign changed per step', () => {
    const v = variable([1, -1, 1, -1]);
    const sgd = new SGD({ learningRate: 1 });
    const grads = [[0, 0, 0, 0], [2, 0, 0, 0], [0, -2, 0, 0], [0, 0, 0, 0]];
    for (const g of grads) {
      v.value.grad = Tensor.from(g);
      sgd.step([v]);
    }
    // Steps 2-4 are counted (the first only sets the reference): flips 1/4, 1/4, 0.
    expect(sgd.epochMetrics()).toEqual({ flip_ratio: (0.25 + 0.25 + 0) / 3 });
    expect(sgd.epochMetrics()).toEqual({});
    sgd.dispose();
  });
});

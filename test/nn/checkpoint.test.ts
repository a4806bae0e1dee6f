// Training states: a reloaded model predicts bit-identically, training resumed
// from a state ends bit-identical to an uninterrupted run (weights, BatchNorm
// statistics, optimizer slots, epoch logs), and damaged or foreign files fail
// with a ModelFormatError that says what is wrong.
import { describe, it, expect, afterEach } from 'vitest';
import { Tensor } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/random.js';
import { Sequential } from '../../src/nn/sequential.js';
import type { Model } from '../../src/nn/model.js';
import { QuantConv2D } from '../../src/nn/layers/quantConv2D.js';
import { QuantDense } from '../../src/nn/layers/quantDense.js';
import { Dense } from '../../src/nn/layers/dense.js';
import { Flatten } from '../../src/nn/layers/flatten.js';
import { Dropout } from '../../src/nn/layers/dropout.js';
import { MaxPool2D } from '../../src/nn/layers/maxPool2D.js';
import { BatchNormalization } from '../../src/nn/layers/batchNormalization.js';
import { Activation } from '../../src/nn/layers/activation.js';
import { createModelByName } from '../../src/nn/models/index.js';
import { Adam } from '../../src/optim/adam.js';
import { SGD } from '../../src/optim/sgd.js';
import { Bop } from '../../src/optim/bop.js';
import { CaseOptimizer } from '../../src/optim/caseOptimizer.js';
import type { Optimizer } from '../../src/optim/optimizer.js';
import { exponentialDecay } from '../../src/optim/schedules.js';
import { fit, type EpochLog } from '../../src/train/fit.js';
import { saveTrainingState, loadTrainingState, ModelFormatError } from '../../src/nn/checkpoint.js';
import { encodeContainer, crc32 } from '../../src/nn/stateContainer.js';
import { GaussianNoise } from '../../src/hardware/noise.js';
import { withPerturbations } from '../../src/hardware/perturbation.js';
import { syntheticData } from '../hardware/fixtures.js';
import { exportModel } from '../../src/deploy/index.js';

const owned: { dispose(): void }[] = [];
const own = <T extends { dispose(): void }>(x: T): T => {
  owned.push(x);
  return x;
};
afterEach(() => {
  for (const x of owned.splice(0)) x.dispose();
});

const bin = { inputQuantizer: 'ste_sign', kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip', useBias: false } as const;

/** Float-input binary conv, XNOR conv, dropout, XNOR dense, float dense: every kind of state. */
function net(seed: number): Model {
  return new Sequential([
    new QuantConv2D({ filters: 8, kernelSize: 3, kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip', useBias: false }),
    new BatchNormalization({ scale: false }),
    new QuantConv2D({ filters: 16, kernelSize: 3, padding: 'same', ...bin }),
    new MaxPool2D({ poolSize: 2 }),
    new BatchNormalization({ scale: false }),
    new Flatten(),
    new Dropout(0.2),
    new QuantDense({ units: 24, ...bin }),
    new BatchNormalization(),
    new Dense({ units: 4 }),
    new Activation('softmax'),
  ], { inputShape: [10, 10, 1], seed, name: 'ckpt-net' });
}

const data = syntheticData(192, [10, 10, 1], 4, 7);

function values(model: Model): Float32Array[] {
  return model.variables.map((v) => v.value.toArray());
}

function slots(o: Optimizer): [string, Float32Array][] {
  return o.slotEntries().map((e) => [`${e.variable.name}/${e.name}`, e.value.toArray()] as [string, Float32Array])
    .sort((a, b) => a[0].localeCompare(b[0]));
}

function roundTrip(model: Model, opt: Optimizer | null, extra = {}) {
  const st = loadTrainingState(saveTrainingState(model, opt, extra));
  own(st.model);
  if (st.optimizer) own(st.optimizer);
  return st;
}

const strip = (logs: EpochLog[]) => logs.map(({ seconds: _s, samples_per_second: _p, ...rest }) => rest);

describe('training state: predictions', () => {
  it('a reloaded model predicts bit-identically (after training, so BatchNorm statistics matter)', () => {
    const m = own(net(3));
    const opt = own(new Adam());
    fit(m, data, { epochs: 1, batchSize: 32, optimizer: opt, seed: 5, verbose: 'quiet' });
    const st = roundTrip(m, opt, { epoch: 1, seed: 5 });
    const x = own(Tensor.from(data.images.subarray(0, 64 * 100), [64, 10, 10, 1]));
    expect(Array.from(st.model.predict(x).toArray())).toEqual(Array.from(m.predict(x).toArray()));
    expect(st.epoch).toBe(1);
    expect(st.extra).toEqual({ seed: 5 });
    expect(values(st.model)).toEqual(values(m));
    expect(st.model.variables.map((v) => [v.name, v.trainable, v.precision])).toEqual(m.variables.map((v) => [v.name, v.trainable, v.precision]));
  });

  it('every model preset (float twin, binary, 4-bit, ternary) round-trips its architecture and weights', () => {
    const x = own(Tensor.from(new Rng(1).fillUniform(new Float32Array(2 * 28 * 28), -1, 1), [2, 28, 28, 1]));
    for (const opts of [{ float: true }, {}, { bits: 4 }, { ternary: true }]) {
      for (const name of ['larq-mnist', 'vgg8']) {
        const m = own(createModelByName(name, { ...opts, seed: 2 }));
        const st = roundTrip(m, null);
        expect(st.optimizer).toBeNull();
        expect(st.model.layers.map((l) => l.getConfig())).toEqual(m.layers.map((l) => l.getConfig()));
        expect(Array.from(st.model.predict(x).toArray())).toEqual(Array.from(m.predict(x).toArray()));
      }
    }
  });

  it('keeps a frozen variable frozen', () => {
    const m = own(net(1));
    m.layers[0].variables[0].trainable = false;
    const st = roundTrip(m, null);
    expect(st.model.layers[0].variables[0].trainable).toBe(false);
    expect(st.model.layers[0].variables[0].value.requiresGrad).toBe(false);
  });
});

describe('training state: resuming', () => {
  const optimizers: [string, () => Optimizer][] = [
    ['Adam with an exponential-decay schedule', () => new Adam({ learningRate: exponentialDecay({ initialLearningRate: 2e-3, decaySteps: 5, decayRate: 0.7 }) })],
    ['SGD with Nesterov momentum', () => new SGD({ learningRate: 0.05, momentum: 0.9, nesterov: true })],
    ['CaseOptimizer: Bop for binary kernels, Adam for the rest', () => new CaseOptimizer(
      [[Bop.isBinaryVariable, new Bop({ threshold: 1e-6, gamma: 1e-2 })]], { defaultOptimizer: new Adam({ learningRate: 1e-2 }) })],
  ];
  for (const [label, make] of optimizers) {
    it(`train 3 epochs == train 1, save, load, train 2 more, bit for bit (${label})`, () => {
      const a = own(net(11));
      const oa = own(make());
      const ha = fit(a, data, { epochs: 3, batchSize: 24, optimizer: oa, seed: 9, verbose: 'quiet' });

      const b = own(net(11));
      const ob = own(make());
      const h1 = fit(b, data, { epochs: 1, batchSize: 24, optimizer: ob, seed: 9, verbose: 'quiet' });
      const bytes = saveTrainingState(b, ob, { epoch: 1, seed: 9 });
      const st = loadTrainingState(bytes);
      own(st.model);
      own(st.optimizer!);
      expect(st.optimizer!.iterations).toBe(ob.iterations);
      const h2 = fit(st.model, data, { epochs: 3, initialEpoch: st.epoch, batchSize: 24, optimizer: st.optimizer!, seed: 9, verbose: 'quiet' });

      expect(values(st.model)).toEqual(values(a));
      expect(slots(st.optimizer!)).toEqual(slots(oa));
      expect(st.optimizer!.iterations).toBe(oa.iterations);
      expect(strip([...h1.epochs, ...h2.epochs])).toEqual(strip(ha.epochs));
      expect(h2.epochs.map((e) => e.epoch)).toEqual([2, 3]);
    });
  }

  it('a run that did not resume from the state differs (the test can fail)', () => {
    const a = own(net(11));
    fit(a, data, { epochs: 2, batchSize: 24, optimizer: own(new Adam()), seed: 9, verbose: 'quiet' });
    const b = own(net(11));
    fit(b, data, { epochs: 1, batchSize: 24, optimizer: own(new Adam()), seed: 9, verbose: 'quiet' });
    // Fresh optimizer instead of the saved one: Adam's moments and step count are lost.
    fit(b, data, { epochs: 2, initialEpoch: 1, batchSize: 24, optimizer: own(new Adam()), seed: 9, verbose: 'quiet' });
    expect(values(b)).not.toEqual(values(a));
  });

  it('hardware-aware training (noise drawn from the epoch stream) resumes identically too', () => {
    const noise = [new GaussianNoise({ sigma: 0.3, relative: true, training: true })];
    const a = own(net(4));
    const oa = own(new Adam());
    withPerturbations(a, noise, () => fit(a, data, { epochs: 2, batchSize: 32, optimizer: oa, seed: 2, verbose: 'quiet' }));
    const b = own(net(4));
    const ob = own(new Adam());
    withPerturbations(b, noise, () => fit(b, data, { epochs: 1, batchSize: 32, optimizer: ob, seed: 2, verbose: 'quiet' }));
    const st = roundTrip(b, ob, { epoch: 1 });
    withPerturbations(st.model, noise, () => fit(st.model, data, { epochs: 2, initialEpoch: 1, batchSize: 32, optimizer: st.optimizer!, seed: 2, verbose: 'quiet' }));
    expect(values(st.model)).toEqual(values(a));
  });

  it('fit rejects an initialEpoch outside [0, epochs]', () => {
    const m = own(net(1));
    expect(() => fit(m, data, { epochs: 2, initialEpoch: 3, batchSize: 32, optimizer: own(new Adam()), verbose: 'quiet' })).toThrow(/initialEpoch/);
    expect(() => fit(m, data, { epochs: 2, initialEpoch: -1, batchSize: 32, optimizer: own(new Adam()), verbose: 'quiet' })).toThrow(/initialEpoch/);
  });
});

describe('training state: damaged and foreign files', () => {
  const m = net(2);
  const good = saveTrainingState(m, null, { epoch: 0 });
  m.dispose();
  const load = (b: Uint8Array) => () => own(loadTrainingState(b).model);

  it('loads the intact bytes, also from an unaligned offset in a larger buffer', () => {
    const big = new Uint8Array(good.length + 3);
    big.set(good, 3);
    expect(load(big.subarray(3))).not.toThrow();
  });

  it('wrong magic: says it is not a training state', () => {
    const b = good.slice();
    b[1] = 0x41;
    expect(load(b)).toThrow(ModelFormatError);
    expect(load(b)).toThrow(/not an xnorkit training state/);
    expect(load(new TextEncoder().encode('{"format":"xnorkit-weights"}'))).toThrow(/not an xnorkit training state/);
    expect(load(new Uint8Array(0))).toThrow(/truncated/);
  });

  it('a packed inference model (.xnk) is named as such', () => {
    const m2 = own(net(2));
    expect(load(exportModel(m2))).toThrow(/packed inference model \(\.xnk/);
  });

  it('truncated anywhere: says truncated', () => {
    for (const n of [5, 8, 20, 30, Math.floor(good.length / 2), good.length - 1]) {
      expect(load(good.subarray(0, n))).toThrow(/truncated/);
    }
  });

  it('a changed byte in header or data: checksum mismatch', () => {
    for (const at of [40, good.length - 100, good.length - 2]) {
      const b = good.slice();
      b[at] ^= 0x10;
      expect(load(b)).toThrow(/corrupted training state: checksum mismatch/);
    }
  });

  it('trailing bytes: corrupted', () => {
    const b = new Uint8Array(good.length + 4);
    b.set(good);
    expect(load(b)).toThrow(/unexpected bytes/);
  });

  it('a newer format version: says to upgrade', () => {
    const b = good.slice();
    new DataView(b.buffer).setUint32(8, 2, true);
    expect(load(b)).toThrow(/format version 2, written by a newer xnorkit/);
  });

  it('an intact container whose content does not fit its architecture', () => {
    const dec = new TextDecoder();
    const view = new DataView(good.buffer);
    const hLen = view.getUint32(12, true);
    const header = JSON.parse(dec.decode(good.subarray(24, 24 + hLen)));
    header.variables[0].shape = [1, 2, 3];
    const dataStart = 24 + ((hLen + 7) & ~7);
    const data = new Float32Array(good.slice(dataStart, good.length - 4).buffer);
    expect(load(encodeContainer(header, [data]))).toThrow(/is \[1,2,3\] in the file/);
    header.variables[0].shape = [3, 3, 1, 8];
    header.model.layers[0].className = 'mystery_layer';
    expect(load(encodeContainer(header, [data]))).toThrow(/unknown layer class "mystery_layer"/);
  });

  it('crc32 is the IEEE/zlib CRC-32', () => {
    expect(crc32(new TextEncoder().encode('123456789')).toString(16)).toBe('cbf43926');
  });
});

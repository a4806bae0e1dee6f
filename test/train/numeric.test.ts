// Issue 14, "Silently wrong" and "Crashes instead of messages": NaN/Inf in
// data or weights, divergence, labels, empty data, batch size 0, BatchNorm
// warm-up warning, and WASM memory that stays flat across throwing calls.
import { describe, it, expect } from 'vitest';
import { fit, evaluate, batchNormWarmupWarning } from '../../src/train/fit.js';
import { Adam } from '../../src/optim/adam.js';
import { SGD } from '../../src/optim/sgd.js';
import { createDataset, type Dataset } from '../../src/data/dataset.js';
import { ConfigError, DatasetError, NumericError, XnorkitError } from '../../src/errors.js';
import { memoryStats } from '../../src/wasm/memory.js';
import { smallBnn, smallMlp, syntheticData } from '../hardware/fixtures.js';
import { saveTrainingState, loadTrainingState } from '../../src/nn/checkpoint.js';
import { decodeContainer, encodeContainer } from '../../src/nn/stateContainer.js';

const data = (n = 64, seed = 3): Dataset => syntheticData(n, [8, 8, 1], 3, seed);

function withPixel(ds: Dataset, index: number, value: number): Dataset {
  const images = ds.images.slice();
  images[index] = value;
  return { ...ds, images };
}

describe('issue 14: NaN/Inf stop training with an error naming the batch or tensor', () => {
  it('item "NaN pixel": a NaN pixel stops fit with a NumericError naming the dataset sample', () => {
    const m = smallMlp(1);
    const opt = new Adam({ learningRate: 1e-3 });
    try {
      const bad = withPixel(data(), 5 * 64 + 7, Number.NaN);
      expect(() => fit(m, bad, { epochs: 1, batchSize: 16, optimizer: opt, seed: 1 })).toThrow(NumericError);
      expect(() => fit(m, bad, { epochs: 1, batchSize: 16, optimizer: opt, seed: 1 })).toThrow(/NaN value at epoch 1, batch \d+ \(dataset sample 5, value 7/);
      // Nothing was folded into the weights or BatchNorm statistics.
      for (const v of m.variables) expect(v.value.toArray().every(Number.isFinite), v.name).toBe(true);
    } finally {
      m.dispose();
      opt.dispose();
    }
  });

  it('item "Inf pixel": an infinite pixel is reported too', () => {
    const m = smallMlp(1);
    const opt = new Adam({ learningRate: 1e-3 });
    try {
      expect(() => fit(m, withPixel(data(), 3, Number.POSITIVE_INFINITY), { epochs: 1, batchSize: 16, optimizer: opt })).toThrow(/Infinity value/);
    } finally {
      m.dispose();
      opt.dispose();
    }
  });

  it('item "skip bad batches": skipNonFinite leaves bad batches out and counts them', () => {
    const m = smallMlp(1);
    const opt = new Adam({ learningRate: 1e-3 });
    try {
      const h = fit(m, withPixel(data(), 0, Number.NaN), { epochs: 2, batchSize: 16, optimizer: opt, seed: 1, skipNonFinite: true });
      expect(h.skipped_batches).toBe(2); // the batch holding sample 0, once per epoch
      expect(h.epochs.length).toBe(2);
      expect(Number.isFinite(h.epochs[1].loss)).toBe(true);
      for (const v of m.variables) expect(v.value.toArray().every(Number.isFinite), v.name).toBe(true);
    } finally {
      m.dispose();
      opt.dispose();
    }
  });

  it('item "NaN in weights after a step": a variable that becomes non-finite is named', () => {
    const m = smallMlp(1);
    // A learning rate of Infinity makes the first update non-finite.
    const opt = new SGD({ learningRate: Number.POSITIVE_INFINITY });
    try {
      expect(() => fit(m, data(), { epochs: 1, batchSize: 16, optimizer: opt })).toThrow(/variable ".+" holds (NaN|-?Infinity) .*after the optimizer step of epoch 1, batch 1/);
    } finally {
      m.dispose();
      opt.dispose();
    }
  });

  it('item "lr 1e6 diverges with no warning": divergence is detected', () => {
    // smallBnn ends in a float Dense layer, as the presets do (all-binary layers with weight_clip cannot blow up).
    const m = smallBnn(1);
    const opt = new Adam({ learningRate: 1e6 });
    try {
      expect(() => fit(m, syntheticData(128, [12, 12, 2], 4, 1), { epochs: 3, batchSize: 16, optimizer: opt, seed: 1 })).toThrow(/training diverged: the loss is .* at epoch 1, batch \d+/);
    } finally {
      m.dispose();
      opt.dispose();
    }
  });
});

describe('issue 14: labels, empty data, batch size 0', () => {
  const base = { height: 8, width: 8, channels: 1, numClasses: 3, images: new Float32Array(4 * 64) };
  it('item "10 of 10 classes": an out-of-range label is a DatasetError naming its index', () => {
    expect(() => createDataset({ ...base, labels: [0, 1, 3, 2] })).toThrow(/label 3 at index 2/);
    const m = smallMlp(1);
    const opt = new Adam({});
    try {
      const ds = data(16);
      const bad = { ...ds, labels: ds.labels.slice() };
      bad.labels[9] = 3;
      expect(() => fit(m, bad, { epochs: 1, batchSize: 8, optimizer: opt })).toThrow(DatasetError);
      expect(() => evaluate(m, bad)).toThrow(/label 3 at index 9/);
    } finally {
      m.dispose();
      opt.dispose();
    }
  });
  it('item "−1 → label 255", "1.5 truncated": negative and fractional labels are refused, not wrapped', () => {
    expect(() => createDataset({ ...base, labels: [0, -1, 1, 2] })).toThrow(/label -1 at index 1/);
    expect(() => createDataset({ ...base, labels: [0, 1, 1.5, 2] })).toThrow(/label 1.5 at index 2/);
    const ds = data(16);
    const m = smallMlp(1);
    try {
      expect(() => evaluate(m, { ...ds, labels: Int32Array.from(ds.labels, (x, i) => (i === 4 ? -1 : x)) as unknown as Uint8Array })).toThrow(/label -1 at index 4/);
    } finally {
      m.dispose();
    }
  });
  it('item "labels shorter than the images": a length mismatch is refused', () => {
    expect(() => createDataset({ ...base, labels: [0, 1, 2] })).toThrow(/3 labels for 4 images/);
    const ds = data(16);
    const m = smallMlp(1);
    try {
      expect(() => evaluate(m, { ...ds, labels: ds.labels.subarray(0, 10) })).toThrow(/10 labels for 16 samples/);
    } finally {
      m.dispose();
    }
  });
  it('item "empty dataset": fit and evaluate refuse 0 samples instead of printing NaN %', () => {
    const ds = { ...data(16), images: new Float32Array(0), labels: new Uint8Array(0), count: 0 };
    const m = smallMlp(1);
    const opt = new Adam({});
    try {
      expect(() => evaluate(m, ds)).toThrow(/empty/);
      expect(() => fit(m, ds, { epochs: 1, batchSize: 8, optimizer: opt })).toThrow(DatasetError);
    } finally {
      m.dispose();
      opt.dispose();
    }
  });
  it('item "batch size 0": fit and evaluate throw a ConfigError', () => {
    const m = smallMlp(1);
    const opt = new Adam({});
    try {
      expect(() => fit(m, data(16), { epochs: 1, batchSize: 0, optimizer: opt })).toThrow(ConfigError);
      expect(() => evaluate(m, data(16), { batchSize: 0 })).toThrow(ConfigError);
    } finally {
      m.dispose();
      opt.dispose();
    }
  });
});

describe('issue 14: README quick look, BatchNorm moving statistics', () => {
  it('item "25 % test accuracy with no hint why": few steps against BatchNorm momentum give a warning', () => {
    const m = smallMlp(1);
    const opt = new Adam({});
    try {
      expect(batchNormWarmupWarning(m, 94)).toMatch(/only 94 training steps .*momentum 0.99.* 39 %.*at least 299 steps/);
      expect(batchNormWarmupWarning(m, 300)).toBeNull();
      const h = fit(m, data(64), { epochs: 1, batchSize: 16, optimizer: opt });
      expect(h.warnings.join('\n')).toMatch(/BatchNormalization moving statistics after only 4 training steps/);
    } finally {
      m.dispose();
      opt.dispose();
    }
  });
});

describe('issue 14: errors do not leak WASM memory', () => {
  it('item "errors leak WASM memory": 50 throwing fit / evaluate / loadTrainingState calls leave memory in use flat', () => {
    const m = smallMlp(1);
    const opt = new Adam({ learningRate: 1e-3 });
    const good = data(64);
    fit(m, good, { epochs: 1, batchSize: 16, optimizer: opt });
    const badLabels = { ...good, labels: good.labels.slice() };
    // Valid for the dataset check, invalid for the loss: the throw happens inside a step.
    const nanData = withPixel(good, 64 * 40, Number.NaN);
    const state = saveTrainingState(m, opt);
    // A slot of a variable the model does not have, listed last: the other slots are set (in WASM memory) before it throws.
    const corrupt = (() => {
      const { header, dataBytes } = decodeContainer(state);
      const h = header as { optimizer: { slots: { variable: string }[] } };
      h.optimizer.slots[h.optimizer.slots.length - 1].variable = 'no_such_variable';
      const dataStart = state.length - 4 - dataBytes;
      return encodeContainer(h, [new Float32Array(state.slice(dataStart, state.length - 4).buffer)]);
    })();
    badLabels.labels[3] = 200;
    const attempt = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(XnorkitError);
        return;
      }
      throw new Error('expected a throw');
    };
    const round = () => {
      attempt(() => fit(m, nanData, { epochs: 1, batchSize: 16, optimizer: opt }));
      attempt(() => evaluate(m, nanData.count ? badLabels : good));
      attempt(() => loadTrainingState(corrupt));
    };
    round();
    const before = memoryStats().bytesInUse;
    for (let i = 0; i < 50; i++) round();
    expect(memoryStats().bytesInUse).toBe(before);
    m.dispose();
    opt.dispose();
  });
});

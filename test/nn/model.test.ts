// Functional models (issue 12): input / apply / new Model, the graph, errors
// naming the layer, residual training, Keras methods (compile, fit, evaluate,
// predict, save / loadModel, get/setWeights), callbacks.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tensor } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/random.js';
import { input } from '../../src/nn/symbolic.js';
import { Model } from '../../src/nn/model.js';
import { Sequential } from '../../src/nn/sequential.js';
import { loadModel } from '../../src/nn/loadModel.js';
import { QuantConv2D } from '../../src/nn/layers/quantConv2D.js';
import { Conv2D } from '../../src/nn/layers/conv2d.js';
import { Dense } from '../../src/nn/layers/dense.js';
import { Flatten } from '../../src/nn/layers/flatten.js';
import { BatchNormalization } from '../../src/nn/layers/batchNormalization.js';
import { Activation } from '../../src/nn/layers/activation.js';
import { Add } from '../../src/nn/layers/add.js';
import { Concatenate } from '../../src/nn/layers/concatenate.js';
import { AveragePooling2D } from '../../src/nn/layers/averagePooling2D.js';
import { GlobalAveragePooling2D } from '../../src/nn/layers/globalAveragePooling2D.js';
import { ZeroPadding2D } from '../../src/nn/layers/zeroPadding2D.js';
import { Reshape } from '../../src/nn/layers/reshape.js';
import { PReLU } from '../../src/nn/layers/pReLU.js';
import { MaxPool2D } from '../../src/nn/layers/maxPool2D.js';
import { isChain, chainBlocker, assertChain } from '../../src/nn/graph.js';
import { Adam } from '../../src/optim/adam.js';
import { fit } from '../../src/train/fit.js';
import { EarlyStopping, ModelCheckpoint, CSVLogger, LearningRateScheduler, ReduceLROnPlateau } from '../../src/train/callbacks.js';
import { syntheticData } from '../hardware/fixtures.js';

function residual(seed = 1): Model {
  const x = input({ shape: [8, 8, 1] });
  let y = new Conv2D({ filters: 4, kernelSize: 3, padding: 'same', useBias: false }).apply(x);
  y = new BatchNormalization().apply(y);
  const shortcut = y;
  y = new QuantConv2D({ filters: 4, kernelSize: 3, padding: 'same', inputQuantizer: 'ste_sign', kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip', useBias: false }).apply(y);
  y = new BatchNormalization().apply(y);
  y = new Add().apply([y, shortcut]);
  const side = new AveragePooling2D({ poolSize: 2, strides: 2, padding: 'same' }).apply(y);
  const main = new MaxPool2D({ poolSize: 2 }).apply(y);
  y = new Concatenate().apply([main, side]);
  y = new PReLU({ sharedAxes: [1, 2] }).apply(y);
  y = new GlobalAveragePooling2D().apply(y);
  y = new Dense({ units: 3 }).apply(y);
  const out = new Activation('softmax').apply(y);
  return new Model({ inputs: x, outputs: out, seed, name: 'res' });
}

const data = syntheticData(96, [8, 8, 1], 3, 5);

describe('functional Model', () => {
  it('builds the graph in topological order, names layers, and is not a chain', () => {
    const m = residual();
    expect(m.graph.nodes[0].layer).toBeNull();
    expect(m.layers.map((l) => l.name)).toContain('add');
    expect(m.outputShape).toEqual([3]);
    expect(isChain(m.graph)).toBe(false);
    // The first branch: batch_normalization feeds both quant_conv2d and the shortcut.
    expect(chainBlocker(m.graph)!.layer).toBe(m.layers.find((l) => l.className === 'quant_conv2d'));
    expect(() => assertChain(m.graph, 'the xnor engine')).toThrow(/layer "quant_conv2d" \(quant_conv2d/);
    const s = new Sequential([new Flatten(), new Dense({ units: 2 })], { inputShape: [2, 2, 1] });
    expect(isChain(s.graph)).toBe(true);
  });

  it('a softmax model predicts rows that sum to 1; logits on request; call gives the logits', () => {
    const m = residual();
    const x = Tensor.from(data.images.slice(0, 5 * 64), [5, 8, 8, 1]);
    const p = m.predict(x).toArray();
    for (let r = 0; r < 5; r++) expect(p.slice(r * 3, r * 3 + 3).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    const z = m.predict(x, { logits: true }).toArray();
    expect(Array.from(z)).not.toEqual(Array.from(p));
    expect(Array.from(m.predict(x, { batchSize: 2 }).toArray())).toEqual(Array.from(p));
  });

  it('clear errors: shape mismatch at a merge, disconnected inputs, shared layers, merge in Sequential', () => {
    const a = input({ shape: [4, 4, 2] });
    const b = new Conv2D({ filters: 3, kernelSize: 1, name: 'c3' }).apply(a);
    expect(() => new Add({ name: 'join' }).apply([a, b])).toThrow(/layer "join".*\[4, 4, 2\].*\[4, 4, 3\]/s);
    const other = input({ shape: [4, 4, 2], name: 'other' });
    const y = new Add({ name: 'sum' }).apply([a, other]);
    expect(() => new Model({ inputs: a, outputs: y })).toThrow(/layer "sum" depends on input "other"/);
    expect(() => new Model({ inputs: [other], outputs: b })).toThrow(/input "input"/);
    const d = new Dense({ units: 2 });
    d.apply(new Flatten().apply(a));
    expect(() => d.apply(new Flatten().apply(a))).toThrow(/shared layers/);
    expect(() => new Sequential([new Add()], { inputShape: [2] })).toThrow(/functional Model/);
    expect(() => new Reshape({ targetShape: [3, -1] }).apply(input({ shape: [4] }))).toThrow(/cannot reshape/);
    expect(new ZeroPadding2D({ padding: [1, 2] }).apply(a).shape).toEqual([6, 8, 2]);
  });

  it('compile / fit (validationSplit) / evaluate / save / loadModel: reloaded model predicts bit-identically', async () => {
    const m = residual(2);
    m.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy', 'top_k_categorical_accuracy'] });
    const h = await m.fit(data, { epochs: 2, batchSize: 16, validationSplit: 0.25, verbose: 'quiet' });
    expect(h.epoch).toEqual([1, 2]);
    expect(h.history.val_accuracy).toHaveLength(2);
    expect(h.history.top_k_categorical_accuracy[1]).toBe(1); // 3 classes: always in the top 5
    const ev = m.evaluate(data);
    expect(ev.loss).toBeGreaterThan(0);
    const dir = mkdtempSync(join(tmpdir(), 'xnk-model-'));
    await m.save(join(dir, 'res.xnks'));
    const again = await loadModel(join(dir, 'res.xnks'));
    const x = Tensor.from(data.images.slice(0, 7 * 64), [7, 8, 8, 1]);
    expect(Array.from(again.predict(x).toArray())).toEqual(Array.from(m.predict(x).toArray()));
    expect(again.layers.map((l) => l.name)).toEqual(m.layers.map((l) => l.name));
    const w = m.getWeights();
    const fresh = residual(9);
    fresh.setWeights(w);
    expect(Array.from(fresh.predict(x).toArray())).toEqual(Array.from(m.predict(x).toArray()));
  });

  it('model.fit with the default loss trains a Sequential exactly as the free fit', async () => {
    const make = () => new Sequential([new Flatten(), new Dense({ units: 8 }), new Activation('relu'), new Dense({ units: 3 }), new Activation('softmax')],
      { inputShape: [8, 8, 1], seed: 4 });
    const a = make();
    fit(a, data, { epochs: 2, batchSize: 16, optimizer: new Adam({ learningRate: 0.01 }), seed: 3, verbose: 'quiet' });
    const b = make();
    b.compile({ optimizer: new Adam({ learningRate: 0.01 }) });
    await b.fit(data, { epochs: 2, batchSize: 16, seed: 3, verbose: 'quiet' });
    expect(b.getWeights().map((w) => Array.from(w))).toEqual(a.getWeights().map((w) => Array.from(w)));
  });

  it('callbacks: EarlyStopping stops, ModelCheckpoint and CSVLogger write, schedulers set the learning rate', async () => {
    const m = residual(3);
    const opt = new Adam({ learningRate: 0.01 });
    m.compile({ optimizer: opt, loss: 'categorical_crossentropy' });
    const dir = mkdtempSync(join(tmpdir(), 'xnk-cb-'));
    const ckpt = new ModelCheckpoint({ filepath: join(dir, 'm-{epoch}.xnks') });
    const seen: number[] = [];
    const h = await m.fit(data, {
      epochs: 6, batchSize: 32, validationData: data, verbose: 'quiet',
      callbacks: [
        new EarlyStopping({ monitor: 'loss', minDelta: 100, patience: 1 }),
        ckpt, new CSVLogger(join(dir, 'log.csv')),
        new LearningRateScheduler((epoch) => 0.01 / (epoch + 1)),
        new ReduceLROnPlateau({ monitor: 'val_loss', patience: 1, minDelta: 100, factor: 0.5 }),
        { onEpochEnd: (e) => { seen.push(e); } },
      ],
    });
    expect(h.stopped).toBe(true);
    expect(h.epoch).toEqual([1, 2]);
    expect(seen).toEqual([0, 1]);
    expect(existsSync(join(dir, 'm-02.xnks'))).toBe(true);
    expect(readFileSync(join(dir, 'log.csv'), 'utf8').split('\n')[0]).toBe('epoch,loss,accuracy,val_loss,val_accuracy,learning_rate');
    // epoch 1 (0-based): the scheduler sets 0.005, then the plateau halves it
    expect(opt.learningRate).toBeCloseTo(0.0025, 10);
  });

  it('losses: binary_crossentropy and mse train a model without softmax', async () => {
    for (const loss of ['binary_crossentropy', 'mse'] as const) {
      const x = input({ shape: [8, 8, 1] });
      const y = new Activation('sigmoid').apply(new Dense({ units: 3 }).apply(new Flatten().apply(x)));
      const m = new Model({ inputs: x, outputs: y, seed: 1 });
      m.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss });
      const before = m.evaluate(data).loss;
      await m.fit(data, { epochs: 3, batchSize: 16, verbose: 'quiet' });
      expect(m.evaluate(data).loss).toBeLessThan(before);
    }
  });

  it('training a residual graph learns (synthetic data)', async () => {
    const m = residual(5);
    m.compile({ optimizer: new Adam({ learningRate: 0.02 }) });
    const h = await m.fit(data, { epochs: 8, batchSize: 16, verbose: 'quiet', seed: 2 });
    expect(h.history.accuracy[7]).toBeGreaterThan(h.history.accuracy[0]);
    expect(h.history.loss[7]).toBeLessThan(h.history.loss[0]);
    void new Rng(0);
  });
});

describe('functional models in training states', () => {
  it('train 2 epochs == train 1, saveTrainingState, load, train 1 more (a residual graph, bit for bit)', async () => {
    const { saveTrainingState, loadTrainingState } = await import('../../src/nn/checkpoint.js');
    const a = residual(7);
    const oa = new Adam({ learningRate: 0.01 });
    fit(a, data, { epochs: 2, batchSize: 32, optimizer: oa, seed: 4, verbose: 'quiet' });
    const b = residual(7);
    const ob = new Adam({ learningRate: 0.01 });
    fit(b, data, { epochs: 1, batchSize: 32, optimizer: ob, seed: 4, verbose: 'quiet' });
    const st = loadTrainingState(saveTrainingState(b, ob, { epoch: 1 }));
    expect(st.model.chainBlocker()).not.toBeNull();
    fit(st.model, data, { epochs: 2, initialEpoch: st.epoch, batchSize: 32, optimizer: st.optimizer!, seed: 4, verbose: 'quiet' });
    expect(st.model.getWeights().map((w) => Array.from(w))).toEqual(a.getWeights().map((w) => Array.from(w)));
  });

  it('the chain-only engines refuse a graph, naming the layer; the float engine evaluates it; export packs it as a graph', async () => {
    const { exportModel, readHeader } = await import('../../src/deploy/index.js');
    const { evaluateOnChips } = await import('../../src/hardware/montecarlo.js');
    const { BitFlips } = await import('../../src/hardware/bitflips.js');
    const m = residual(8);
    expect(readHeader(exportModel(m)).version).toBe(2); // graph form (test/deploy/graph.test.ts)
    const opts = { chips: 2, seed: 1, perturbations: [new BitFlips({ rate: 0.01 })] };
    expect(() => evaluateOnChips(m, data, { ...opts, engine: 'xnor' })).toThrow(/xnor chip engine runs only chains.*"quant_conv2d"/);
    const r = evaluateOnChips(m, data, { ...opts, engine: 'float' });
    expect(r.accuracies).toHaveLength(2);
  });
});

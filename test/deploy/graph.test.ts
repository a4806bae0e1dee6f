// Functional graphs in the packed format (version 2, graph form): export →
// packed engine → standalone module (xnorkit/infer, build/xnorkit-infer.wasm)
// give logits bit-identical to model.predict(x, { logits: true }) on
// Bi-Real Net 18 (random weights, reduced to 32x32 inputs to keep CI time
// small), on birealnet-small trained for a few steps on MNIST, and on a graph
// of awkward shapes (odd sizes, channel counts off the 32/64 grid, stride-2
// binary convs with pad values 0 and 1, every graph op). The comparison is
// shown to catch a one-channel change of a BatchNorm; malformed graphs are
// rejected with typed errors by both readers.
import { describe, it, expect, afterEach } from 'vitest';
import { Rng } from '../../src/tensor/random.js';
import { randomizeBatchNorm } from '../helpers/batchNorm.js';
import { Model } from '../../src/nn/model.js';
import { input } from '../../src/nn/symbolic.js';
import { Conv2D } from '../../src/nn/layers/conv2d.js';
import { Dense } from '../../src/nn/layers/dense.js';
import { QuantConv2D } from '../../src/nn/layers/quantConv2D.js';
import { QuantDense } from '../../src/nn/layers/quantDense.js';
import { QuantDepthwiseConv2D } from '../../src/nn/layers/quantDepthwiseConv2D.js';
import { BatchNormalization } from '../../src/nn/layers/batchNormalization.js';
import { MaxPool2D } from '../../src/nn/layers/maxPool2D.js';
import { AveragePooling2D } from '../../src/nn/layers/averagePooling2D.js';
import { GlobalAveragePooling2D } from '../../src/nn/layers/globalAveragePooling2D.js';
import { ZeroPadding2D } from '../../src/nn/layers/zeroPadding2D.js';
import { Reshape } from '../../src/nn/layers/reshape.js';
import { Flatten } from '../../src/nn/layers/flatten.js';
import { Dropout } from '../../src/nn/layers/dropout.js';
import { Activation } from '../../src/nn/layers/activation.js';
import { ReLU } from '../../src/nn/layers/reLU.js';
import { PReLU } from '../../src/nn/layers/pReLU.js';
import { LeakyReLU } from '../../src/nn/layers/leakyReLU.js';
import { Add } from '../../src/nn/layers/add.js';
import { Concatenate } from '../../src/nn/layers/concatenate.js';
import { createModel } from '../../src/nn/models/index.js';
import { images, reference, mismatches } from '../helpers/logits.js';
import { loadMnist } from '../../src/data/index.js';
import { Adam } from '../../src/optim/adam.js';
import { fit } from '../../src/train/fit.js';
import { setThreads } from '../../src/wasm/threads.js';
import { exportModel, loadInferenceModel, readHeader, crc32, ModelFormatError, FORMAT_VERSION } from '../../src/deploy/index.js';
import { loadModel } from '../../src/infer/index.js';

afterEach(() => setThreads(1));

const bin = { inputQuantizer: 'ste_sign', kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip' } as const;

/** BatchNorm statistics away from the identity (negative gammas too) and non-zero biases / slopes. */
function randomize(model: Model, seed: number): void {
  const rng = new Rng(seed);
  for (const l of model.layers) {
    randomizeBatchNorm(l, rng, { meanSpread: 2, varianceScale: 4, varianceFloor: 0.05, gammas: true });
    const bias = (l as Conv2D).bias;
    if (bias) for (let c = 0; c < bias.size; c++) bias.value.data[c] = (rng.uniform() - 0.5) * 2;
    if (l instanceof PReLU) for (let i = 0; i < l.alpha!.size; i++) l.alpha!.value.data[i] = (rng.uniform() - 0.3) * 2;
  }
}

/** Logits of the packed file on the JS engine (threads 1, then 2 with odd sub-batches) and in the standalone module. */
async function packedLogits(bytes: Uint8Array, x: Float32Array): Promise<{ engine: Float32Array; threaded: Float32Array; standalone: Float32Array }> {
  const plan = loadInferenceModel(bytes);
  const engine = plan.run(x).logits;
  setThreads(2);
  const threaded = plan.run(x, { subBatch: 3 }).logits;
  setThreads(1);
  plan.dispose();
  const standalone = (await loadModel(bytes)).predict(x).scores;
  return { engine, threaded, standalone };
}

async function expectBitExact(model: Model, x: Float32Array): Promise<Uint8Array> {
  const bytes = exportModel(model);
  expect(readHeader(bytes).version).toBe(FORMAT_VERSION);
  const ref = reference(model, x);
  const got = await packedLogits(bytes, x);
  expect(mismatches(got.engine, ref)).toBe(0);
  expect(mismatches(got.threaded, ref)).toBe(0);
  expect(mismatches(got.standalone, ref)).toBe(0);
  return bytes;
}

describe('zoo graphs: export → packed engine → standalone module, bit-exact with predict', () => {
  it('birealnet18 (random weights and BatchNorm statistics) at 32x32x3, 6 images', async () => {
    const model = createModel('birealnet18', { seed: 3, inputShape: [32, 32, 3], numClasses: 10 });
    randomize(model, 3);
    await expectBitExact(model, images(6, [32, 32, 3], 1));
  }, 300_000);

  it('birealnet-small trained for 8 steps on MNIST: 256 test images', async () => {
    const model = createModel('birealnet-small', { seed: 2 });
    fit(model, loadMnist({ split: 'train', limit: 512 }), { epochs: 1, batchSize: 64, optimizer: new Adam(), verbose: 'quiet', seed: 2 });
    const x = loadMnist({ split: 'test', limit: 256 }).images;
    const bytes = await expectBitExact(model, x);
    const ops = readHeader(bytes).records.map((r) => r.op);
    // the binary convs are packed (bits in, sign weights): 4 sign records feed them, 4 adds join the shortcuts
    expect(ops.filter((o) => o === 'sign').length).toBe(4);
    expect(ops.filter((o) => o === 'add').length).toBe(4);
    expect(new Set(loadInferenceModel(bytes).run(x).predictions).size).toBeGreaterThanOrEqual(3);
  }, 300_000);

  it('quicknet (random weights) at 32x32x3: depthwise blur pools, pad value 1, ReLU before BatchNorm', async () => {
    const model = createModel('quicknet', { seed: 5, inputShape: [32, 32, 3], numClasses: 10 });
    randomize(model, 5);
    await expectBitExact(model, images(4, [32, 32, 3], 2));
  }, 300_000);

  it('binary-resnet-e18 and binary-densenet28 (concatenations) at 32x32, binary-alexnet (a reshape) at 64x64', async () => {
    for (const [name, size] of [['binary-resnet-e18', 32], ['binary-densenet28', 32], ['binary-alexnet', 64]] as const) {
      const shape: [number, number, number] = [size, size, 3];
      const model = createModel(name, { seed: 8, inputShape: shape, numClasses: 10 });
      randomize(model, 8);
      await expectBitExact(model, images(2, shape, 9));
    }
  }, 300_000);
});

describe('awkward graphs', () => {
  it('odd sizes, 37/70/45 channels, stride-2 binary convs (pad 0 and 1), 1x1 binary convs, every graph op', async () => {
    const img = input({ shape: [11, 13, 3] });
    let x = new Conv2D({ filters: 37, kernelSize: 3, padding: 'same' }).apply(img);
    x = new BatchNormalization().apply(x);
    x = new PReLU({ sharedAxes: [1, 2] }).apply(x);
    // a sign tensor read by two binary convs, one 3x3 stride 2 (pad 0), one 1x1 stride 2
    const a = new QuantConv2D({ filters: 70, kernelSize: 3, strides: 2, padding: 'same', useBias: false, ...bin }).apply(x);
    const b = new QuantConv2D({ filters: 70, kernelSize: 1, strides: 2, padding: 'same', ...bin }).apply(x);
    const s = new AveragePooling2D({ poolSize: 3, strides: 2, padding: 'same' }).apply(x);
    const s2 = new Conv2D({ filters: 70, kernelSize: 1, useBias: false }).apply(s);
    let y = new Add().apply([new BatchNormalization().apply(a), b, s2]);
    y = new LeakyReLU({ alpha: 0.1 }).apply(y);
    // binary conv -> BN -> binary conv (its only reader): thresholds in a graph; pad value 1, stride 2
    let z = new QuantConv2D({ filters: 45, kernelSize: 3, padding: 'same', padValues: 1, strides: 2, ...bin }).apply(y);
    z = new BatchNormalization().apply(z);
    z = new QuantConv2D({ filters: 45, kernelSize: 3, padding: 'same', padValues: 1, ...bin }).apply(z);
    z = new BatchNormalization().apply(z);
    const pooled = new MaxPool2D({ poolSize: 2, strides: 2, padding: 'same' }).apply(y);
    let c = new Concatenate().apply([z, new Dropout(0.5).apply(pooled)]);
    c = new ZeroPadding2D({ padding: [[1, 0], [2, 1]] }).apply(c);
    c = new QuantDepthwiseConv2D({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same' }).apply(c);
    c = new BatchNormalization().apply(c);
    c = new ReLU().apply(c);
    // a BatchNorm after the pool of ReLU outputs (all >= 0): without it the
    // binary dense below would read +1 everywhere, whatever the image
    const g = new BatchNormalization().apply(new GlobalAveragePooling2D().apply(c));
    let h = new Reshape({ targetShape: [2, 115] }).apply(g);
    h = new Flatten().apply(h);
    h = new QuantDense({ units: 19, ...bin }).apply(h);
    h = new Activation('hard_tanh').apply(h);
    const out = new Dense({ units: 7 }).apply(new Activation('relu').apply(h));
    const model = new Model({ inputs: img, outputs: new Activation('softmax').apply(out), seed: 7 });
    randomize(model, 7);
    const bytes = await expectBitExact(model, images(9, [11, 13, 3], 3));
    const ops = readHeader(bytes).records.map((r) => r.op);
    for (const op of ['add', 'concat', 'avgpool', 'pad', 'reshape', 'prelu', 'leaky_relu', 'depthwise']) expect(ops).toContain(op);
    // the thresholded conv writes bits straight into the next binary conv: one sign record for x, one for y, one before the dense
    expect(ops.filter((o) => o === 'sign').length).toBe(3);
  }, 120_000);

  it('float max and average pools on 23 channels, read by a float dense: every channel loop of both pools', async () => {
    // 23 channels = 16 + 4 + 3 for the max-pool's channel loops and 8 + 8 +
    // 2 + 2 + 2 + 1 for the average pool's; 3x3 windows at stride 2 with
    // 'same' padding (partial windows at the edges) and a 2x2 'valid' pool.
    // No sign between the pools and the logits: a wrong tap in any channel
    // moves them.
    const img = input({ shape: [9, 11, 3] });
    const x = new Conv2D({ filters: 23, kernelSize: 3, padding: 'same' }).apply(img);
    const m = new MaxPool2D({ poolSize: 3, strides: 2, padding: 'same' }).apply(x);
    const a = new AveragePooling2D({ poolSize: 3, strides: 2, padding: 'same' }).apply(x);
    const m2 = new MaxPool2D({ poolSize: 2, strides: 2, padding: 'valid' }).apply(x);
    const a2 = new AveragePooling2D({ poolSize: 2, strides: 2, padding: 'valid' }).apply(x);
    const flat = new Concatenate().apply([new Flatten().apply(m), new Flatten().apply(a), new Flatten().apply(m2), new Flatten().apply(a2)]);
    const model = new Model({ inputs: img, outputs: new Dense({ units: 5 }).apply(flat), seed: 11 });
    randomize(model, 11);
    const bytes = await expectBitExact(model, images(4, [9, 11, 3], 5));
    const ops = readHeader(bytes).records.map((r) => r.op);
    expect(ops).toContain('avgpool');
  }, 120_000);

  it('a sign input with magnitude-aware kernels stays a float product (bit-exact), and a model whose input feeds an Add', async () => {
    const img = input({ shape: [7, 5, 33] });
    const q = new QuantConv2D({
      filters: 33, kernelSize: 3, padding: 'same', inputQuantizer: 'approx_sign', kernelQuantizer: 'magnitude_aware_sign', useBias: false,
    }).apply(img);
    const sum = new Add().apply([new BatchNormalization().apply(q), img]);
    const model = new Model({ inputs: img, outputs: new Dense({ units: 3 }).apply(new Flatten().apply(sum)), seed: 2 });
    randomize(model, 2);
    await expectBitExact(model, images(5, [7, 5, 33], 4));
  });

  it('binarizeScaledKernels: magnitude-aware kernels on XNOR-popcount, logits within float rounding of predict', async () => {
    const model = createModel('birealnet18', { seed: 3, inputShape: [32, 32, 3], numClasses: 10 });
    randomize(model, 3);
    const x = images(3, [32, 32, 3], 6);
    const bytes = exportModel(model, { binarizeScaledKernels: true });
    const h = readHeader(bytes);
    // the 16 binary convs read packed bits; the file holds 1 bit per binary weight
    const packedConvs = h.records.filter((r) => r.op === 'conv' && new DataView(bytes.buffer).getUint32(r.offset + 8 + 4 * (1 + r.inputs.length), true) === 1);
    expect(packedConvs.length).toBe(16);
    expect(bytes.length * 8).toBeLessThan(exportModel(model).length);
    const ref = reference(model, x);
    const got = await packedLogits(bytes, x);
    let max = 0, scale = 0;
    for (let i = 0; i < ref.length; i++) {
      max = Math.max(max, Math.abs(ref[i] - got.engine[i]));
      scale = Math.max(scale, Math.abs(ref[i]));
    }
    expect(max).toBeLessThan(1e-4 * scale);
    expect(mismatches(got.standalone, got.engine)).toBe(0);
  }, 300_000);

  it('the comparison catches a change of one BatchNorm channel', async () => {
    const model = createModel('birealnet-small', { seed: 4 });
    randomize(model, 4);
    const x = images(8, [28, 28, 1], 5);
    const bytes = await expectBitExact(model, x);
    const bn = model.layers.filter((l) => l instanceof BatchNormalization)[3] as BatchNormalization;
    bn.movingMean!.value.data[5] += 0.25;
    const got = await packedLogits(bytes, x);
    const ref = reference(model, x);
    expect(mismatches(got.engine, ref)).toBeGreaterThan(0);
    expect(mismatches(got.standalone, ref)).toBeGreaterThan(0);
  }, 120_000);
});

describe('malformed graph files', () => {
  const model = createModel('birealnet-small', { seed: 1, inputShape: [12, 12, 1] });
  const good = exportModel(model);
  const reseal = (b: Uint8Array) => {
    new DataView(b.buffer).setUint32(16, crc32(b.subarray(20)), true);
    return b;
  };
  const withInput = (record: number, slot: number, value: number) => {
    const b = good.slice();
    new DataView(b.buffer).setUint32(readHeader(good).records[record].offset + 8 + 4 * slot, value, true);
    return reseal(b);
  };
  const rejects = async (b: Uint8Array, message: RegExp) => {
    expect(() => loadInferenceModel(b)).toThrow(ModelFormatError);
    expect(() => loadInferenceModel(b)).toThrow(message);
    await expect(loadModel(b)).rejects.toThrow(ModelFormatError);
  };

  it('a record reading a later tensor, itself, or no tensor is rejected by both readers', async () => {
    const add = readHeader(good).records.findIndex((r) => r.op === 'add');
    await rejects(withInput(add, 1, add + 1), /malformed graph: layer record \d+ reads tensor \d+/);
    await rejects(withInput(add, 2, add + 5), /malformed graph/);
    await rejects(withInput(add, 0, 0), /malformed graph: layer record \d+ claims 0 inputs/);
    await rejects(withInput(add, 0, 1000), /malformed graph/);
  });

  it('inputs that are earlier tensors of the wrong shape or count fail in the loader', async () => {
    const h = readHeader(good);
    const add = h.records.findIndex((r) => r.op === 'add');
    // an add of a block's output and the model input (6x6x32 vs 12x12x1)
    await rejects(withInput(add, 2, 0), /inconsistent model file/);
    // a conv given two inputs
    const conv = h.records.findIndex((r, i) => r.op === 'conv' && i > 0);
    await rejects(withInput(conv, 0, 2), /malformed graph|malformed layer record/);
  });
});

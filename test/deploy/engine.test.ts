// The fused inference engine (src/deploy) against the training engine's
// eval-mode forward pass (model.predict): same logits bit for bit, hence the
// same predictions, because every fold reproduces the training float32
// arithmetic (see src/deploy/fold.ts). 2-bit DoReFa layers are the exception:
// their integer dot is exact where the training engine rounds float sums.
import { describe, it, expect, beforeAll, afterEach } from 'vitest';
import { Rng } from '../../src/tensor/random.js';
import { randomizeBatchNorm } from '../helpers/batchNorm.js';
import { Sequential } from '../../src/nn/sequential.js';
import type { Model } from '../../src/nn/model.js';
import { Conv2D } from '../../src/nn/layers/conv2d.js';
import { Dense } from '../../src/nn/layers/dense.js';
import { QuantConv2D } from '../../src/nn/layers/quantConv2D.js';
import { QuantDense } from '../../src/nn/layers/quantDense.js';
import { QuantDepthwiseConv2D } from '../../src/nn/layers/quantDepthwiseConv2D.js';
import { QuantSeparableConv2D } from '../../src/nn/layers/quantSeparableConv2D.js';
import { BatchNormalization } from '../../src/nn/layers/batchNormalization.js';
import { MaxPool2D } from '../../src/nn/layers/maxPool2D.js';
import { Flatten } from '../../src/nn/layers/flatten.js';
import { Dropout } from '../../src/nn/layers/dropout.js';
import { Activation } from '../../src/nn/layers/activation.js';
import { createModel } from '../../src/nn/models/index.js';
import { images, reference, mismatches } from '../helpers/logits.js';
import { loadMnist, type Dataset } from '../../src/data/index.js';
import { Adam } from '../../src/optim/adam.js';
import { fit } from '../../src/train/fit.js';
import { setThreads } from '../../src/wasm/threads.js';
import { memoryStats } from '../../src/wasm/memory.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { compile, exportModel, loadInferenceModel, argmaxRows } from '../../src/deploy/index.js';

afterEach(() => setThreads(1));

const bin = { inputQuantizer: 'ste_sign', kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip' } as const;

/** A packed 'same' conv with pad value 1 (3x3 unless given; more: other options, overriding). */
function packedConv(filters: number, kernelSize = 3, more: object = {}) {
  return new QuantConv2D({ filters, kernelSize, padding: 'same', padValues: 1, ...bin, ...more });
}

/** A packed 3x3 'same' conv (pad value 1), a 2x2 max-pool (stride 2 unless given) and a BatchNormalization. */
function convPoolBlock(filters: number, strides = 2) {
  return [
    packedConv(filters),
    new MaxPool2D({ poolSize: 2, strides }),
    new BatchNormalization(),
  ];
}

/** Non-trivial BatchNorm statistics (negative gammas flip thresholds and pools) and biases. */
function randomize(model: Model, seed: number): void {
  const rng = new Rng(seed);
  for (const l of model.layers) {
    randomizeBatchNorm(l, rng, { meanSpread: 8, varianceScale: 20, varianceFloor: 0.05, gammas: true });
    const bias = (l as Conv2D | Dense).bias;
    if (bias) for (let c = 0; c < bias.size; c++) bias.value.data[c] = (rng.uniform() - 0.5) * 3;
  }
}

function expectExact(model: Model, x: Float32Array): void {
  const plan = compile(model);
  const r = plan.run(x);
  expect(mismatches(r.logits, reference(model, x))).toBe(0);
  plan.dispose();
}

describe('larq-mnist on MNIST (trained briefly)', () => {
  let test: Dataset;
  beforeAll(() => {
    test = loadMnist({ split: 'test', limit: 1000 });
  });
  function trained(opts: { float?: boolean; bits?: number }): Model {
    const model = createModel('larq-mnist', { seed: 1, ...opts });
    fit(model, loadMnist({ split: 'train', limit: 2048 }), { epochs: 1, batchSize: 64, optimizer: new Adam(), verbose: 'quiet', seed: 1 });
    return model;
  }

  it('binarized: 1000 test images, logits bit-exact, same predictions as model.predict', () => {
    const model = trained({});
    const plan = loadInferenceModel(exportModel(model));
    const r = plan.run(test.images);
    const ref = reference(model, test.images);
    expect(r.n).toBe(1000);
    expect(mismatches(r.logits, ref)).toBe(0);
    expect(Array.from(r.predictions)).toEqual(Array.from(argmaxRows(ref, 1000, 10)));
    // the model has learnt something (32 steps: BatchNorm statistics still settling),
    // so equal predictions are not one class repeated
    const acc = r.predictions.reduce((s, p, i) => s + (p === test.labels[i] ? 1 : 0), 0) / 1000;
    expect(acc).toBeGreaterThan(0.3);
    expect(new Set(r.predictions).size).toBeGreaterThanOrEqual(8);
    // threads and sub-batch size change nothing
    setThreads(2);
    expect(mismatches(plan.run(test.images, { subBatch: 5 }).logits, ref)).toBe(0);
    plan.dispose();
  });

  it('float twin: logits bit-exact', () => {
    const model = trained({ float: true });
    expectExact(model, test.images.subarray(0, 300 * 784));
  });

  it('2-bit DoReFa on the bit-serial kernels: near-exact (exact integer dots vs float sums)', () => {
    const model = trained({ bits: 2 });
    const plan = compile(model);
    const r = plan.run(test.images);
    const ref = reference(model, test.images);
    let maxDiff = 0;
    for (let i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ref[i] - r.logits[i]));
    expect(maxDiff).toBeLessThan(1e-3);
    const agree = r.predictions.filter((p, i) => p === argmaxRows(ref, 1000, 10)[i]).length;
    expect(agree).toBeGreaterThanOrEqual(995);
    plan.dispose();
  });
});

describe('small calls (one reused block for images and logits per model)', () => {
  it('batches of 1, 7, 1, 3 and a large one in turn, two models interleaved, Tensor input, results not aliased, nothing left after dispose', () => {
    const shape = [12, 10, 2] as const;
    const per = 12 * 10 * 2;
    const build = (seed: number) => {
      const m = new Sequential([...convPoolBlock(20), new Flatten(), new QuantDense({ units: 6, ...bin }), new BatchNormalization()],
        { inputShape: [...shape], seed });
      randomize(m, seed + 1);
      return m;
    };
    const models = [build(41), build(43)];
    const plans = models.map((m) => compile(m));
    // 1200 images: over the block's limit, so allocated per call
    const x = images(1200, shape, 44);
    const refs = models.map((m) => reference(m, x));
    const got: Float32Array[] = [];
    let at = 0;
    for (const n of [1, 7, 1, 3, 1200, 1, 2]) {
      for (let i = 0; i < 2; i++) {
        const start = n === 1200 ? 0 : at;
        const r = plans[i].run(x.subarray(start * per, (start + n) * per));
        expect(r.n).toBe(n);
        expect(mismatches(r.logits, refs[i].subarray(start * 6, (start + n) * 6))).toBe(0);
        got.push(r.logits, refs[i].slice(start * 6, (start + n) * 6));
      }
      at += n === 1200 ? 0 : n;
    }
    // earlier results are copies: later calls did not change them
    for (let i = 0; i < got.length; i += 2) expect(mismatches(got[i], got[i + 1])).toBe(0);
    const t = Tensor.from(x.subarray(0, 2 * per), [2, ...shape]);
    expect(mismatches(plans[0].run(t).logits, refs[0].subarray(0, 12))).toBe(0);
    t.dispose();
    for (const p of plans) p.dispose();
    // nothing left behind: loading, running and disposing again ends where this ended
    // (the workspaces are shared scratch blocks, kept once grown)
    const after = memoryStats().bytesInUse;
    const again = compile(models[1]);
    again.run(x.subarray(0, per));
    again.dispose();
    expect(memoryStats().bytesInUse).toBe(after);
  });
});

describe('fusions on synthetic models (random weights and statistics)', () => {
  it('float-input sign conv, negative BN scales (OR pools), pad_values 0 and 1, stride 2, bits flatten, bias + hard_tanh', () => {
    const model = new Sequential([
      new QuantConv2D({ filters: 40, kernelSize: 3, padding: 'same', kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip' }),
      new BatchNormalization(),
      new MaxPool2D({ poolSize: 2, padding: 'same' }),
      new QuantConv2D({ filters: 70, kernelSize: 3, strides: 2, padding: 'same', padValues: 0, activation: 'hard_tanh', ...bin }),
      new BatchNormalization(),
      new QuantConv2D({ filters: 33, kernelSize: 2, padding: 'same', padValues: 1, useBias: false, ...bin }),
      new BatchNormalization({ center: false }),
      new MaxPool2D({ poolSize: 2 }),
      new Flatten(),
      new QuantDense({ units: 20, ...bin }),
      new BatchNormalization(),
      new Dropout(0.3),
      new QuantDense({ units: 7, useBias: false, ...bin }),
      new BatchNormalization(),
      new Activation('softmax'),
    ], { inputShape: [15, 13, 3], seed: 3 });
    randomize(model, 4);
    expectExact(model, images(64, [15, 13, 3], 5));
  });

  it('float-input sign conv with its 2x2 pool done on the pixel words: OR and AND channels, odd sizes, >32 channels and pixels', () => {
    // K = 18, 9, 27 share sign prefixes; K = 72 sums each channel on its own
    for (const [shape, filters, seed] of [[[9, 75, 2], 70, 30], [[13, 12, 1], 32, 31], [[8, 9, 3], 5, 32], [[10, 7, 8], 20, 33]] as const) {
      const model = new Sequential([
        new QuantConv2D({ filters, kernelSize: 3, kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip' }),
        new MaxPool2D({ poolSize: 2 }),
        // after the pool: channels with a negative scale pool by OR on the bits
        new BatchNormalization(),
        new QuantConv2D({ filters: 6, kernelSize: 1, ...bin }),
        new Flatten(),
        new QuantDense({ units: 5, ...bin }),
      ], { inputShape: [...shape], seed });
      randomize(model, seed + 1);
      expectExact(model, images(12, [...shape], seed + 2));
    }
  });

  it('float layers: K > 512 (blocked sums), bias + relu, same pooling, float dense after binary ones', () => {
    const model = new Sequential([
      new Conv2D({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }),
      new BatchNormalization(),
      new MaxPool2D({ poolSize: 3, strides: 2, padding: 'same' }),
      new Flatten(),
      new Dense({ units: 12, activation: 'hard_tanh' }),
      new BatchNormalization(),
      new QuantDense({ units: 9, ...bin }),
      new BatchNormalization(),
      new Dense({ units: 5 }),
    ], { inputShape: [6, 7, 64], seed: 6 });
    randomize(model, 7);
    expectExact(model, images(40, [6, 7, 64], 8));
  });

  it('float convs read from their bordered input (one sgemm block of k): 7x7 stride 2 same on 3 channels, 13 and 6 channels, odd sizes, bit-exact', () => {
    const model = new Sequential([
      new Conv2D({ filters: 13, kernelSize: 7, strides: 2, padding: 'same' }),
      new BatchNormalization(),
      new Conv2D({ filters: 6, kernelSize: [3, 2], padding: 'same', useBias: false, activation: 'relu' }),
      new Conv2D({ filters: 9, kernelSize: 3, strides: [1, 2] }),
      new Flatten(),
      new Dense({ units: 5 }),
    ], { inputShape: [15, 21, 3], seed: 12 });
    randomize(model, 13);
    expectExact(model, images(7, [15, 21, 3], 14));
  });

  it('float dense layers on 1, 2 and 3 images (row-streaming GEMM): K = 1100 in three blocks, 37 and 23 units, bit-exact', () => {
    const model = new Sequential([
      new Flatten(),
      new Dense({ units: 37, activation: 'relu' }),
      new BatchNormalization(),
      new Dense({ units: 23 }),
    ], { inputShape: [10, 11, 10], seed: 9 });
    randomize(model, 10);
    const x = images(3, [10, 11, 10], 11);
    for (const n of [1, 2, 3]) expectExact(model, x.subarray(0, n * 1100));
  });

  it('sign conv on a float input with K > 512 and a sign dense on flattened floats', () => {
    const model = new Sequential([
      new QuantConv2D({ filters: 12, kernelSize: 3, kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip' }),
      new BatchNormalization(),
      new QuantConv2D({ filters: 65, kernelSize: 3, ...bin }),
      new Flatten(),
      new QuantDense({ units: 10, ...bin }),
    ], { inputShape: [7, 7, 70], seed: 9 });
    randomize(model, 10);
    expectExact(model, images(32, [7, 7, 70], 11));
    const flat = new Sequential([
      new Flatten(),
      new QuantDense({ units: 30, ...bin }),
      new BatchNormalization(),
      // not relu: the binary dense would then read +1 everywhere, whatever the image
      new Activation('hard_tanh'),
      new QuantDense({ units: 4, ...bin }),
    ], { inputShape: [5, 5, 2], seed: 12 });
    randomize(flat, 13);
    expectExact(flat, images(32, [5, 5, 2], 14));
  });
});

describe('packed conv + bit max-pool, fused with early exit', () => {
  it('more than 64 channels, overlapping same-padded windows, OR channels (negative scales)', () => {
    const model = new Sequential([
      new QuantConv2D({ filters: 8, kernelSize: 3, kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip' }),
      new BatchNormalization(),
      new QuantConv2D({ filters: 70, kernelSize: 3, ...bin }),
      new BatchNormalization(),
      new MaxPool2D({ poolSize: 3, strides: 2, padding: 'same' }),
      new QuantConv2D({ filters: 20, kernelSize: 2, useBias: false, ...bin }),
      new MaxPool2D({ poolSize: 2 }),
      new BatchNormalization(),
      new Flatten(),
      new QuantDense({ units: 6, ...bin }),
    ], { inputShape: [14, 13, 2], seed: 21 });
    randomize(model, 22);
    expectExact(model, images(24, [14, 13, 2], 23));
  });

  it('rows longer than 8 words (K = 3*3*70 bits) and windows of odd pixel counts', () => {
    const model = new Sequential([
      new QuantConv2D({ filters: 70, kernelSize: 1, kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip' }),
      new BatchNormalization(),
      new QuantConv2D({ filters: 66, kernelSize: 3, ...bin }),
      new MaxPool2D({ poolSize: [1, 3], strides: [1, 2] }),
      new BatchNormalization(),
      new QuantConv2D({ filters: 5, kernelSize: 2, ...bin }),
      new MaxPool2D({ poolSize: [3, 3], strides: 1 }),
      new BatchNormalization(),
      new Flatten(),
      new QuantDense({ units: 4, ...bin }),
    ], { inputShape: [9, 11, 3], seed: 24 });
    randomize(model, 25);
    expectExact(model, images(20, [9, 11, 3], 26));
  });
});

describe('packed conv + bit max-pool on rows of 9 to 16 words (vector registers up to 12, then carry-save planes from the gathered pair)', () => {
  it('K = 576, 630, 675, 720 bits under 2x2 pools, pad_values 1, OR and AND channels', () => {
    const model = new Sequential([
      new QuantConv2D({ filters: 64, kernelSize: 3, padding: 'same', kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip' }),
      new BatchNormalization(),
      ...convPoolBlock(70), // 9 words
      ...convPoolBlock(75), // 10 words
      ...convPoolBlock(80), // 11 words
      ...convPoolBlock(33), // 12 words
      new Flatten(),
      new QuantDense({ units: 5, ...bin }),
    ], { inputShape: [18, 17, 2], seed: 31 });
    randomize(model, 32);
    expectExact(model, images(12, [18, 17, 2], 33));
  });

  it('K = 810, 864, 900, 990 bits (13 to 16 words: every remainder of the four-word step)', () => {
    const model = new Sequential([
      new QuantConv2D({ filters: 90, kernelSize: 3, padding: 'same', kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip' }),
      new BatchNormalization(),
      ...convPoolBlock(96), // 13 words
      ...convPoolBlock(100), // 14 words
      ...convPoolBlock(110), // 15 words
      ...convPoolBlock(33), // 16 words
      new Flatten(),
      new QuantDense({ units: 5, ...bin }),
    ], { inputShape: [18, 17, 2], seed: 34 });
    randomize(model, 35);
    expectExact(model, images(8, [18, 17, 2], 36));
  });

  it('K = 32704 and 32832 bits (511 and 513 words): the longest rows whose counts the i16 threshold compares take, and the first past them', () => {
    for (const [channels, seed] of [[32704, 37], [32832, 38]]) {
      const model = new Sequential([
        new QuantConv2D({ filters: channels, kernelSize: 1, kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip' }),
        new BatchNormalization(),
        new QuantConv2D({ filters: 70, kernelSize: 1, ...bin }), // a 1x1 conv on the packed input itself, 2 output words
        new MaxPool2D({ poolSize: 2 }),
        new BatchNormalization(),
        new Flatten(),
        new QuantDense({ units: 3, ...bin }),
      ], { inputShape: [4, 5, 1], seed });
      randomize(model, seed + 10);
      expectExact(model, images(3, [4, 5, 1], seed + 20));
    }
  });
});

describe('packed conv + bit max-pool on rows of 1 to 8 words (carry-save planes in vector registers)', () => {
  it('K = 108 and 288 bits (2 and 5 words: one and two carry levels), overlapping and stride-2 windows', () => {
    const model = new Sequential([
      new QuantConv2D({ filters: 12, kernelSize: 3, padding: 'same', kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip' }),
      new BatchNormalization(),
      ...convPoolBlock(32, 1), // 2 words
      ...convPoolBlock(16), // 5 words
      new Flatten(),
      new QuantDense({ units: 4, ...bin }),
    ], { inputShape: [13, 12, 2], seed: 44 });
    randomize(model, 45);
    expectExact(model, images(10, [13, 12, 2], 46));
  });


  it('K = 63, 144, 252, 360, 432, 504 bits: odd and even word counts, overlapping 2x2 windows, OR and AND channels', () => {
    const model = new Sequential([
      new QuantConv2D({ filters: 7, kernelSize: 3, padding: 'same', kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip' }),
      new BatchNormalization(),
      ...convPoolBlock(16, 1), // 1 word
      ...convPoolBlock(28, 1), // 3 words
      ...convPoolBlock(40, 1), // 4 words
      ...convPoolBlock(48, 1), // 6 words
      ...convPoolBlock(56, 1), // 7 words
      ...convPoolBlock(20), // 8 words
      new Flatten(),
      new QuantDense({ units: 4, ...bin }),
    ], { inputShape: [12, 11, 2], seed: 41 });
    randomize(model, 42);
    expectExact(model, images(10, [12, 11, 2], 43));
  });
});

describe('packed layers with bit output and no pool after them (pair kernel on rows of up to 12 words)', () => {
  it('K = 180, 23, 630, 756, 450 and 108 bits: 3x3 and 1x1 convs, stride 2, a dense layer, odd pixel counts, 70 channels', () => {
    const model = new Sequential([
      new QuantConv2D({ filters: 20, kernelSize: 3, padding: 'same', kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip' }),
      new BatchNormalization(),
      packedConv(23, 3), new BatchNormalization(), // 3 words
      packedConv(70, 1), new BatchNormalization(), // 1 word (im2col of 1x1 taps: 23 channels), two output words
      packedConv(84, 3), new BatchNormalization(), // 10 words
      packedConv(50, 3), new BatchNormalization(), // 12 words
      packedConv(9, 3, { padding: 'valid', strides: 2 }), new BatchNormalization(), // 8 words
      new Flatten(),
      new QuantDense({ units: 13, ...bin }), new BatchNormalization(), // 2 words, one row per image
      new QuantDense({ units: 5, ...bin }),
    ], { inputShape: [7, 9, 3], seed: 51 });
    randomize(model, 52);
    expectExact(model, images(5, [7, 9, 3], 53));
    expectExact(model, images(1, [7, 9, 3], 54));
  });
});

describe('packed layers with bit output and no pool after them on many rows (lookup tables)', () => {
  it('row blocks, byte chunks past 31, 16 to 64 channels per word, three words: equal to predict', () => {
    // 10x9 = 90 pixels: at 4 images 360 rows, more than a block (64 rows per image)
    const model = new Sequential([
      new QuantConv2D({ filters: 30, kernelSize: 3, padding: 'same', kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip' }),
      new BatchNormalization(),
      packedConv(40, 3), new BatchNormalization(), // K = 270: 34 bytes, two chunks; 48 channels in tables (3 vectors)
      packedConv(130, 3), new BatchNormalization(), // K = 360: 45 bytes; words of 64, 64 and 2 (one vector) channels
      packedConv(23, 1), new BatchNormalization(), // K = 130: one chunk; 32 channels in tables
      packedConv(7, 3, { padding: 'valid' }), new BatchNormalization(), // K = 207, 8x7 = 56 pixels
      new Flatten(),
      new QuantDense({ units: 5, ...bin }),
    ], { inputShape: [10, 9, 2], seed: 61 });
    randomize(model, 62);
    expectExact(model, images(4, [10, 9, 2], 63));
    expectExact(model, images(9, [10, 9, 2], 64));
    expectExact(model, images(2, [10, 9, 2], 65)); // 180 rows: the pair kernels
  });

  it('3x3 convs on 64 and 128 channels, one pooled: bit im2col runs of whole pixels, borders, equal to predict', () => {
    const model = new Sequential([
      new QuantConv2D({ filters: 64, kernelSize: 3, padding: 'same', kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip' }),
      new BatchNormalization(),
      packedConv(128), new BatchNormalization(), // 64-channel input, K = 576
      packedConv(70), new MaxPool2D({ poolSize: 2 }), new BatchNormalization(), // 128-channel input, K = 1152; 4x5 windows of 9x10 pixels
      new Flatten(),
      new QuantDense({ units: 5, ...bin }),
    ], { inputShape: [9, 10, 3], seed: 66 });
    randomize(model, 67);
    expectExact(model, images(8, [9, 10, 3], 68));
    expectExact(model, images(1, [9, 10, 3], 69));
  });
});

describe('first-layer kernels (float input, sign weights)', () => {
  it('stride 1 over several 32-pixel groups with a float output; stride 2 with pad_values 1', () => {
    const wide = new Sequential([
      new QuantConv2D({ filters: 37, kernelSize: [3, 5], padding: 'same', kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip' }),
      new BatchNormalization(),
      new Activation('relu'),
      new Flatten(),
      new Dense({ units: 5 }),
    ], { inputShape: [6, 75, 2], seed: 15 });
    randomize(wide, 16);
    expectExact(wide, images(8, [6, 75, 2], 17));
    const strided = new Sequential([
      new QuantConv2D({ filters: 9, kernelSize: 3, strides: 2, padding: 'same', padValues: 1, kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip' }),
      new BatchNormalization(),
      new QuantConv2D({ filters: 6, kernelSize: 3, strides: [1, 2], ...bin }),
      new Flatten(),
      new QuantDense({ units: 3, ...bin }),
    ], { inputShape: [12, 17, 3], seed: 18 });
    randomize(strided, 19);
    expectExact(strided, images(16, [12, 17, 3], 20));
  });
});

describe('first-layer channels sharing sign prefixes', () => {
  it('more channels than sign patterns (duplicates share whole sums), bits and float outputs', () => {
    // 2x2 on one channel: 16 sign patterns for 40 filters, so many channels
    // share a prefix or the whole sequence with their neighbours in sorted order
    const bits = new Sequential([
      new QuantConv2D({ filters: 40, kernelSize: 2, padding: 'same', kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip' }),
      new BatchNormalization(),
      new QuantConv2D({ filters: 5, kernelSize: 3, ...bin }),
      new Flatten(),
      new QuantDense({ units: 4, ...bin }),
    ], { inputShape: [9, 40, 1], seed: 31 });
    randomize(bits, 32);
    expectExact(bits, images(12, [9, 40, 1], 33));
    const floats = new Sequential([
      new QuantConv2D({ filters: 23, kernelSize: [1, 3], kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip' }),
      new BatchNormalization(),
      new Activation('relu'),
      new Flatten(),
      new Dense({ units: 3 }),
    ], { inputShape: [5, 37, 1], seed: 34 });
    randomize(floats, 35);
    expectExact(floats, images(12, [5, 37, 1], 36));
  });
});

describe('what cannot be exported says so', () => {
  it('rejects unsupported layers and quantizer pairs', () => {
    const dw = new Sequential([new QuantDepthwiseConv2D({ kernelSize: 3, inputQuantizer: 'ste_sign' }), new Flatten(), new Dense({ units: 2 })], { inputShape: [5, 5, 2] });
    expect(() => exportModel(dw)).toThrow(/depthwise layer .* quantizes its input/);
    const sep = new Sequential([new QuantSeparableConv2D({ filters: 2, kernelSize: 3 }), new Flatten(), new Dense({ units: 2 })], { inputShape: [5, 5, 2] });
    expect(() => exportModel(sep)).toThrow(/not supported by the packed format/);
    const tern = new Sequential([new Flatten(), new QuantDense({ units: 3, inputQuantizer: 'ste_tern', kernelQuantizer: 'ste_tern' })],
      { inputShape: [2, 2, 1] });
    expect(() => exportModel(tern)).toThrow(/input quantizer SteTern/);
  });
});

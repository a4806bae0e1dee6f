// Export checks from the graph-format review: what the compiler and the
// writer refuse, what they record, and which values they carry.
import { describe, it, expect } from 'vitest';
import { Model } from '../../src/nn/model.js';
import { input } from '../../src/nn/symbolic.js';
import { Conv2D } from '../../src/nn/layers/conv2d.js';
import { Dense } from '../../src/nn/layers/dense.js';
import { QuantConv2D } from '../../src/nn/layers/quantConv2D.js';
import { QuantDepthwiseConv2D } from '../../src/nn/layers/quantDepthwiseConv2D.js';
import { BatchNormalization } from '../../src/nn/layers/batchNormalization.js';
import { Flatten } from '../../src/nn/layers/flatten.js';
import { Activation } from '../../src/nn/layers/activation.js';
import { LeakyReLU } from '../../src/nn/layers/leakyReLU.js';
import { Add } from '../../src/nn/layers/add.js';
import { LEAKY_RELU_ALPHA } from '../../src/ops/pointwise.js';
import { exportModel, loadInferenceModel, bitExactnessOf, readHeader, crc32, ModelFormatError, type LayerRecord } from '../../src/deploy/index.js';
import { writeModel } from '../../src/deploy/format.js';
import { CompileError } from '../../src/errors.js';

/** The alphas of a graph file's leaky_relu records (f64 after the op, length and input list). */
function leakyAlphas(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return readHeader(bytes).records.filter((r) => r.op === 'leaky_relu')
    .map((r) => view.getFloat64(r.offset + 8 + 4 * (1 + r.inputs.length), true));
}

describe('LeakyReLU slopes', () => {
  it("Activation('leaky_relu') exports the shared default slope, LeakyReLU its own alpha", () => {
    const img = input({ shape: [4, 4, 2] });
    const a = new Activation('leaky_relu').apply(new Conv2D({ filters: 3, kernelSize: 3, padding: 'same' }).apply(img));
    const b = new LeakyReLU({ alpha: 0.05 }).apply(a);
    const c = new LeakyReLU().apply(b);
    const model = new Model({ inputs: img, outputs: new Dense({ units: 2 }).apply(new Flatten().apply(c)), seed: 1 });
    expect(leakyAlphas(exportModel(model))).toEqual([LEAKY_RELU_ALPHA, 0.05, LEAKY_RELU_ALPHA]);
  });
});

describe('softmax', () => {
  const img = input({ shape: [6] });
  it('a softmax before the output is refused, naming the layer', () => {
    const hidden = new Dense({ units: 5 }).apply(img);
    const soft = new Activation('softmax', { name: 'mid_softmax' }).apply(hidden);
    const model = new Model({ inputs: img, outputs: new Dense({ units: 3 }).apply(soft), seed: 1 });
    expect(() => exportModel(model)).toThrow(CompileError);
    expect(() => exportModel(model)).toThrow(/"mid_softmax" applies softmax before the model's output/);
  });
  it('a layer whose own activation is softmax, read by a later layer, is refused', () => {
    const a = new Dense({ units: 5, activation: 'softmax', name: 'dense_softmax' }).apply(img);
    const model = new Model({ inputs: img, outputs: new Add().apply([a, new Dense({ units: 5 }).apply(img)]), seed: 1 });
    expect(() => exportModel(model)).toThrow(/"dense_softmax" applies softmax/);
  });
  it('a final softmax (an Activation layer or the last layer\'s activation) is dropped: the file holds logits', () => {
    const final = new Model({ inputs: img, outputs: new Activation('softmax').apply(new Dense({ units: 3 }).apply(img)), seed: 1 });
    const own = new Model({ inputs: img, outputs: new Dense({ units: 3, activation: 'softmax' }).apply(img), seed: 1 });
    expect(readHeader(exportModel(final)).records.map((r) => r.op)).toEqual(['conv']);
    expect(readHeader(exportModel(own)).records.map((r) => r.op)).toEqual(['conv']);
  });
});

describe('record sources', () => {
  it('a BatchNorm folded into a conv or a depthwise conv is left out of the record\'s sources alike', () => {
    const img = input({ shape: [5, 5, 2] });
    let x = new Conv2D({ filters: 4, kernelSize: 3, padding: 'same', useBias: false, name: 'conv' }).apply(img);
    x = new BatchNormalization({ name: 'conv_bn' }).apply(x);
    x = new QuantDepthwiseConv2D({ kernelSize: 3, padding: 'same', useBias: false, name: 'dw' }).apply(x);
    x = new BatchNormalization({ name: 'dw_bn' }).apply(x);
    const model = new Model({ inputs: img, outputs: new Dense({ units: 2, name: 'out' }).apply(new Flatten({ name: 'flat' }).apply(x)), seed: 1 });
    const layers = readHeader(exportModel(model)).meta.layers as { op: string; from: string[] }[];
    expect(layers.map((l) => [l.op, l.from])).toEqual([
      ['conv', ['conv']], ['depthwise', ['dw']], ['flatten', ['flat']], ['conv', ['out']],
    ]);
  });
});

describe('graph input lists: the writer and the JavaScript reader hold every op to its arity', () => {
  const flat = (n: number) => new Float32Array(n);
  const conv = {
    op: 'conv', input: 'float', weightKind: 'float', KH: 1, KW: 1, C: 2, OC: 2, strides: [1, 1],
    pad: { top: 0, bottom: 0, left: 0, right: 0 }, padValue: 0, weights: flat(4), output: { kind: 'float' },
  } as const satisfies LayerRecord;
  const records: LayerRecord[] = [conv, { op: 'add' }];

  it('writeModel refuses graph-only ops without input lists, and lists of the wrong length', () => {
    expect(() => writeModel([1, 1, 2], 2, records, {})).toThrow(CompileError);
    expect(() => writeModel([1, 1, 2], 2, records, {})).toThrow(/record 1 \(add\) needs the graph form, but no input lists were given/);
    expect(() => writeModel([1, 1, 2], 2, records, {}, [[0], [1]])).toThrow(/record 1 \(add\) reads 1 tensors; add reads 2/);
    expect(() => writeModel([1, 1, 2], 2, records, {}, [[0, 0], [1, 0]])).toThrow(/record 0 \(conv\) reads 2 tensors; conv reads 1/);
    expect(() => writeModel([1, 1, 2], 2, records, {}, [[0], [1, 2]])).toThrow(/record 1 \(add\) reads tensor 2, which is not an earlier tensor/);
    expect(readHeader(writeModel([1, 1, 2], 2, records, {}, [[0], [1, 0]])).records.map((r) => r.inputs)).toEqual([[0], [1, 0]]);
  });

  it('readHeader rejects an add that claims one input and a conv that claims two', () => {
    const good = writeModel([1, 1, 2], 2, records, {}, [[0], [1, 0]]);
    const h = readHeader(good);
    const withCount = (record: number, n: number) => {
      const b = good.slice();
      const view = new DataView(b.buffer);
      view.setUint32(h.records[record].offset + 8, n, true);
      view.setUint32(16, crc32(b.subarray(20)), true);
      return b;
    };
    expect(() => readHeader(withCount(1, 1))).toThrow(ModelFormatError);
    expect(() => readHeader(withCount(1, 1))).toThrow(/layer record 1 \(add\) claims 1 inputs; add reads 2/);
    expect(() => readHeader(withCount(0, 2))).toThrow(/layer record 0 \(conv\) claims 2 inputs; conv reads 1/);
  });
});

describe('binarizeScaledKernels is recorded in the file', () => {
  const img = input({ shape: [4, 4, 3] });
  const scaledModel = () => {
    const q = new QuantConv2D({
      filters: 5, kernelSize: 3, padding: 'same', inputQuantizer: 'approx_sign', kernelQuantizer: 'magnitude_aware_sign', useBias: false, name: 'scaled',
    }).apply(img);
    return new Model({ inputs: img, outputs: new Dense({ units: 2 }).apply(new Flatten().apply(q)), seed: 3 });
  };

  it('meta says bitExact: false and names the layers; the loaded model shows it', () => {
    const bytes = exportModel(scaledModel(), { binarizeScaledKernels: true, meta: { bitExact: true } });
    const meta = readHeader(bytes).meta;
    expect(meta.bitExact).toBe(false);
    expect(meta.binarizedScaledKernels).toEqual(['scaled']);
    const plan = loadInferenceModel(bytes);
    expect(bitExactnessOf(plan.meta)).toEqual({ bitExact: false, binarizedScaledKernels: ['scaled'] });
    plan.dispose();
  });

  it('a bit-exact export has no such field, and reads as bit-exact (as files written before it did)', () => {
    const meta = readHeader(exportModel(scaledModel())).meta;
    expect('bitExact' in meta).toBe(false);
    expect(bitExactnessOf(meta)).toEqual({ bitExact: true, binarizedScaledKernels: [] });
  });

  it('the option on a model where no layer qualifies is a CompileError naming it', () => {
    const plain = new Model({ inputs: img, outputs: new Dense({ units: 2 }).apply(new Flatten().apply(img)), seed: 1 });
    expect(() => exportModel(plain, { binarizeScaledKernels: true })).toThrow(CompileError);
    expect(() => exportModel(plain, { binarizeScaledKernels: true })).toThrow(/binarizeScaledKernels is set, but no layer/);
  });
});

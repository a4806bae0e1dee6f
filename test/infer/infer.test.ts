// xnorkit/infer: the standalone loader (embedded build/xnorkit-infer.wasm)
// gives the library engine's scores on raw 8-bit pixels, because the input
// scaling recorded in the file (meta.inputScaling) is applied; files without
// the field load with the documented default.
import { describe, it, expect, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { createModel } from '../../src/nn/models/index.js';
import { loadMnist, mnistPackageDir } from '../../src/data/index.js';
import { Adam } from '../../src/optim/adam.js';
import { fit } from '../../src/train/fit.js';
import { exportModel, loadInferenceModel, readHeader, crc32 } from '../../src/deploy/index.js';
import { loadModel, softmax, DEFAULT_INPUT_SCALING, ModelFormatError } from '../../src/infer/index.js';

const N = 200;
let file: Uint8Array;
let pixels: Uint8Array;
let net: ReturnType<typeof createModel>;

/** The same model file with other metadata (what an older xnorkit wrote when `meta` lacks inputScaling). */
function withMeta(bytes: Uint8Array, meta: Record<string, unknown>): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const oldLen = view.getUint32(40, true);
  const recordsAt = 44 + Math.ceil(oldLen / 4) * 4;
  const json = new TextEncoder().encode(JSON.stringify(meta));
  const padded = Math.ceil(json.length / 4) * 4;
  const out = new Uint8Array(44 + padded + (bytes.length - recordsAt));
  out.set(bytes.subarray(0, 40));
  out.set(json, 44);
  out.set(bytes.subarray(recordsAt), 44 + padded);
  const v = new DataView(out.buffer);
  v.setUint32(40, json.length, true);
  v.setUint32(12, out.length, true);
  v.setUint32(16, crc32(out.subarray(20)), true);
  return out;
}

beforeAll(() => {
  net = createModel('larq-mnist', { seed: 3 });
  fit(net, loadMnist({ split: 'train', limit: 512 }), { epochs: 1, batchSize: 64, optimizer: new Adam(), verbose: 'quiet', seed: 3 });
  file = exportModel(net);
  pixels = new Uint8Array(readFileSync(`${mnistPackageDir()}/t10k-images-idx3-ubyte`)).subarray(16, 16 + N * 784);
});

describe('inputScaling in the .xnk metadata', () => {
  it('exportModel writes the default, or the scaling it is given', () => {
    expect(readHeader(file).meta.inputScaling).toEqual({ from: 'uint8', scale: 1 / 127.5, offset: -1 });
    const custom = exportModel(net, { inputScaling: { from: 'uint8', scale: 1 / 255, offset: 0 } });
    expect(readHeader(custom).meta.inputScaling).toEqual({ from: 'uint8', scale: 1 / 255, offset: 0 });
  });

  it('xnorkit/infer on raw pixels gives exactly the engine scores on the loader-normalised images', async () => {
    const engine = loadInferenceModel(file);
    const want = engine.run(loadMnist({ split: 'test', limit: N }).images);
    const model = await loadModel(file);
    expect(model.inputShape).toEqual([28, 28, 1]);
    expect(model.numClasses).toBe(10);
    expect(model.inputScaling).toEqual(DEFAULT_INPUT_SCALING);
    const got = model.predict(pixels);
    expect(got.n).toBe(N);
    expect(Array.from(got.classes)).toEqual(Array.from(want.predictions));
    expect(Array.from(got.scores)).toEqual(Array.from(want.logits));
    expect(engine.runPixels(pixels).logits).toEqual(want.logits);
    const p = softmax(got.scores, 10);
    expect(p.subarray(0, 10).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    engine.dispose();
  });

  it('a recorded non-default scaling is applied (the scores change with it)', async () => {
    const s = { from: 'uint8' as const, scale: 1 / 255, offset: 0 };
    const custom = await loadModel(exportModel(net, { inputScaling: s }));
    const x = new Float32Array(N * 784);
    for (let i = 0; i < x.length; i++) x[i] = pixels[i] * s.scale + s.offset;
    const engine = loadInferenceModel(file);
    expect(Array.from(custom.predict(pixels).scores)).toEqual(Array.from(engine.run(x).logits));
    expect(Array.from(custom.predict(pixels).scores)).not.toEqual(Array.from((await loadModel(file)).predict(pixels).scores));
    engine.dispose();
  });

  it('a file without inputScaling (older xnorkit) loads with the default', async () => {
    const { inputScaling, ...rest } = readHeader(file).meta;
    expect(inputScaling).toBeDefined();
    const old = withMeta(file, rest);
    expect(readHeader(old).meta.inputScaling).toBeUndefined();
    const model = await loadModel(old);
    expect(model.inputScaling).toEqual(DEFAULT_INPUT_SCALING);
    expect(model.predict(pixels).scores).toEqual((await loadModel(file)).predict(pixels).scores);
    expect(loadInferenceModel(old).inputScaling).toEqual(DEFAULT_INPUT_SCALING);
  });

  it('Float32Array inputs are taken as already scaled; bad files and shapes throw typed errors', async () => {
    const model = await loadModel(file);
    const x = loadMnist({ split: 'test', limit: 3 }).images;
    expect(model.predict(x).scores).toEqual(model.predict(pixels.subarray(0, 3 * 784)).scores);
    await expect(loadModel(file.subarray(0, 100))).rejects.toThrow(ModelFormatError);
    const flipped = file.slice();
    flipped[flipped.length - 20] ^= 1;
    await expect(loadModel(flipped)).rejects.toThrow(/checksum/);
    expect(() => model.predict(new Uint8Array(100))).toThrow(/784 values each/);
  });
});

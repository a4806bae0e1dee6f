// The packed inference model file (docs/model-format.md): deterministic
// export, envelope checks with clear errors (truncated, corrupted, not a
// model, newer version, malformed records), and the size of the binarized
// larq-mnist file next to its float twin's.
import { describe, it, expect, beforeAll } from 'vitest';
import { createModel } from '../../src/nn/models/index.js';
import { loadMnist } from '../../src/data/index.js';
import type { Model } from '../../src/nn/model.js';
import {
  exportModel, loadInferenceModel, readHeader, crc32, compile, ModelFormatError, FORMAT_VERSION, CHAIN_FORMAT_VERSION,
} from '../../src/deploy/index.js';

let bytes: Uint8Array;
let model: Model;

beforeAll(() => {
  model = createModel('larq-mnist', { seed: 4 });
  bytes = exportModel(model, { meta: { classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] } });
});

function withCrc(b: Uint8Array): Uint8Array {
  new DataView(b.buffer, b.byteOffset).setUint32(16, crc32(b.subarray(20)), true);
  return b;
}

function expectFormatError(b: Uint8Array, message: RegExp): void {
  let err: unknown;
  try {
    loadInferenceModel(b).dispose();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ModelFormatError);
  expect((err as Error).name).toBe('ModelFormatError');
  expect((err as Error).message).toMatch(message);
}

describe('model file envelope', () => {
  it('CRC-32 is the zlib one', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('export is deterministic and the header describes the model', () => {
    expect(Buffer.from(exportModel(model, { meta: { classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] } }))
      .equals(Buffer.from(bytes))).toBe(true);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x89, 0x58, 0x4e, 0x4b, 0x0d, 0x0a, 0x1a, 0x0a]);
    const h = readHeader(bytes);
    // a chain of version-1 ops keeps version 1 (graph models are version 2: test/deploy/graph.test.ts)
    expect(h.version).toBe(CHAIN_FORMAT_VERSION);
    expect(h.byteLength).toBe(bytes.length);
    expect(h.inputShape).toEqual([28, 28, 1]);
    expect(h.outputs).toBe(10);
    expect(h.meta.model).toBe('larq-mnist');
    expect((h.meta.classNames as string[]).length).toBe(10);
    // conv+pool (bits) / conv+pool / conv / flatten / dense / dense
    expect(h.records.map((r) => r.op)).toEqual(['conv', 'pool', 'conv', 'pool', 'conv', 'flatten', 'conv', 'conv']);
  });

  it('a reloaded file predicts what the compiled model predicts', () => {
    const x = loadMnist({ split: 'test', limit: 64 }).images;
    const a = compile(model).run(x), b = loadInferenceModel(bytes.slice()).run(x);
    expect(Buffer.from(a.logits.buffer).equals(Buffer.from(b.logits.buffer))).toBe(true);
  });

  it('truncated, corrupted, foreign and newer files fail with ModelFormatError', () => {
    expectFormatError(bytes.subarray(0, bytes.length - 1), /truncated model file: \d+ of \d+ bytes/);
    expectFormatError(bytes.subarray(0, 30), /truncated/);
    expectFormatError(new Uint8Array(0), /not an xnorkit packed model/);
    const flipped = bytes.slice();
    flipped[bytes.length >> 1] ^= 0x04;
    expectFormatError(flipped, /corrupted model file: checksum mismatch/);
    expectFormatError(new TextEncoder().encode('{"not": "a model"}'), /wrong magic/);
    const newer = bytes.slice();
    new DataView(newer.buffer).setUint32(8, FORMAT_VERSION + 1, true);
    expectFormatError(withCrc(newer), /version 3 is newer than this xnorkit supports \(2\); upgrade/);
  });

  it('records that pass the checksum but make no sense fail in the loader, naming the record', () => {
    const h = readHeader(bytes);
    const conv2 = h.records[2];
    const bad = bytes.slice();
    // KH of the second conv = 0
    new DataView(bad.buffer).setUint32(conv2.offset + 16, 0, true);
    expectFormatError(withCrc(bad), /malformed layer record \(layer record 2, conv\)/);
    const kind = bytes.slice();
    // the second conv claims a float input where the tensor is packed bits
    new DataView(kind.buffer).setUint32(conv2.offset + 8, 0, true);
    expectFormatError(withCrc(kind), /layer record 2/);
    const op = bytes.slice();
    new DataView(op.buffer).setUint32(h.records[1].offset, 99, true);
    expectFormatError(withCrc(op), /unsupported layer.*record 1/);
  });
});

describe('size on disk', () => {
  it('the binarized larq-mnist file is at most 1/20 of its float twin', () => {
    const binary = exportModel(createModel('larq-mnist', { seed: 1 }));
    const float = exportModel(createModel('larq-mnist', { seed: 1, float: true }));
    console.log(`larq-mnist packed model: binary ${binary.length} bytes, float twin ${float.length} bytes (1/${(float.length / binary.length).toFixed(1)})`);
    expect(binary.length * 20).toBeLessThanOrEqual(float.length);
    // 93,088 binary weights take 11,636 bytes; the rest is thresholds, the last BatchNorm and metadata
    expect(binary.length).toBeLessThan(15_000);
  });
});

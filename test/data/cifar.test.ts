// CIFAR-10 binary batches, on files generated here (the real archive cannot
// be downloaded in CI). Pixel values encode (record, channel, row, column), so
// any mix-up in the CHW -> NHWC transpose shows up as a wrong value.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, truncateSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCifar10, cifar10Files } from '../../src/data/cifar10.js';
import { DatasetError } from '../../src/data/errors.js';

const RECORD = 3073;

/** The byte our fixture stores for global record g, channel c, row y, column x. */
const pixel = (g: number, c: number, y: number, x: number) => (g * 37 + c * 101 + y * 7 + x * 3) % 256;
const labelOf = (g: number) => (g * 3) % 10;

/** Records first..first+n-1 in the CIFAR binary layout (label, then R, G, B planes). */
function records(first: number, n: number): Uint8Array {
  const out = new Uint8Array(n * RECORD);
  for (let r = 0; r < n; r++) {
    const g = first + r;
    out[r * RECORD] = labelOf(g);
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < 32; y++)
        for (let x = 0; x < 32; x++) out[r * RECORD + 1 + c * 1024 + y * 32 + x] = pixel(g, c, y, x);
  }
  return out;
}

const TRAIN_SIZES = [2, 3, 1, 2, 2];

function writeCifar(dir: string): void {
  mkdirSync(dir, { recursive: true });
  let g = 0;
  cifar10Files('train').forEach((f, i) => {
    writeFileSync(join(dir, f), records(g, TRAIN_SIZES[i]));
    g += TRAIN_SIZES[i];
  });
  writeFileSync(join(dir, 'test_batch.bin'), records(1000, 4));
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
let dir: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'xnorkit-cifar-'));
  dir = join(tmp, 'cifar-10-batches-bin');
  writeCifar(dir);
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('loadCifar10', () => {
  it('reads all five train batches in order, transposing CHW to NHWC', () => {
    const ds = loadCifar10({ split: 'train', dataDir: dir });
    expect(ds).toMatchObject({ name: 'cifar10', count: 10, height: 32, width: 32, channels: 3, numClasses: 10 });
    expect(ds.classNames?.[0]).toBe('airplane');
    expect(ds.images.length).toBe(10 * 3072);
    expect(Array.from(ds.labels)).toEqual(Array.from({ length: 10 }, (_, g) => labelOf(g)));
    let mismatches = 0;
    for (let g = 0; g < 10; g++)
      for (let y = 0; y < 32; y++)
        for (let x = 0; x < 32; x++)
          for (let c = 0; c < 3; c++) {
            const got = ds.images[((g * 32 + y) * 32 + x) * 3 + c];
            if (got !== Math.fround(pixel(g, c, y, x) / 127.5 - 1)) mismatches++;
          }
    expect(mismatches).toBe(0);
  });

  it('places a few known pixels (spot check of the layout)', () => {
    const ds = loadCifar10({ split: 'test', dataDir: dir });
    expect(ds.count).toBe(4);
    // Record 0 of the test file is global record 1000: R at (0,0) = 1000*37 % 256.
    const at = (n: number, y: number, x: number, c: number) => ds.images[((n * 32 + y) * 32 + x) * 3 + c];
    expect(at(0, 0, 0, 0)).toBe(Math.fround(((1000 * 37) % 256) / 127.5 - 1));
    expect(at(0, 0, 1, 0)).toBe(Math.fround(((1000 * 37 + 3) % 256) / 127.5 - 1));
    expect(at(0, 1, 0, 0)).toBe(Math.fround(((1000 * 37 + 7) % 256) / 127.5 - 1));
    expect(at(2, 5, 9, 2)).toBe(Math.fround(((1002 * 37 + 202 + 35 + 27) % 256) / 127.5 - 1));
  });

  it('accepts the parent directory the archive was extracted into', () => {
    expect(loadCifar10({ split: 'test', dataDir: tmp }).count).toBe(4);
  });

  it('stops reading once a limit is reached, across files', () => {
    const ds = loadCifar10({ split: 'train', dataDir: dir, limit: 4 });
    expect(ds.count).toBe(4);
    expect(Array.from(ds.labels)).toEqual([0, 3, 6, 9]);
    const full = loadCifar10({ split: 'train', dataDir: dir });
    expect(ds.images).toEqual(full.images.subarray(0, 4 * 3072));
  });

  it('rejects a truncated batch', () => {
    const d = join(tmp, 'truncated');
    writeCifar(d);
    const f = join(d, 'data_batch_2.bin');
    truncateSync(f, statSync(f).size - 100);
    expectDatasetError(() => loadCifar10({ split: 'train', dataDir: d }), f, `size ${3 * RECORD - 100} bytes`, 'multiple of 3073', 'truncated');
  });

  it('rejects an empty batch and labels outside 0..9', () => {
    const d = join(tmp, 'badlabel');
    writeCifar(d);
    writeFileSync(join(d, 'test_batch.bin'), new Uint8Array(0));
    expectDatasetError(() => loadCifar10({ split: 'test', dataDir: d }), 'size 0 bytes');
    const recs = records(0, 3);
    recs[2 * RECORD] = 57;
    writeFileSync(join(d, 'test_batch.bin'), recs);
    expectDatasetError(() => loadCifar10({ split: 'test', dataDir: d }), 'record 2 has label 57; CIFAR-10 labels are 0..9');
  });

  it('names missing files and where CIFAR-10 comes from', () => {
    const d = join(tmp, 'partial');
    writeCifar(d);
    rmSync(join(d, 'data_batch_3.bin'));
    rmSync(join(d, 'data_batch_5.bin'));
    expectDatasetError(
      () => loadCifar10({ split: 'train', dataDir: d }),
      'missing data_batch_3.bin, data_batch_5.bin',
      'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
      '--data-dir',
    );
    expectDatasetError(() => loadCifar10({ split: 'test', dataDir: join(tmp, 'nowhere') }), 'does not exist', 'cifar-10-binary.tar.gz');
    expectDatasetError(() => loadCifar10({ split: 'test' }), 'CIFAR-10 needs --data-dir DIR with test_batch.bin');
  });
});

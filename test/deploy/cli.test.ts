// `xnorkit export` (training state -> packed model) and `xnorkit predict`
// (PNG or IDX images): the predictions are the engine's, and bad files give
// one line without a stack trace.
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createModel } from '../../src/nn/models/index.js';
import { saveTrainingState } from '../../src/nn/checkpoint.js';
import { loadMnist, mnistPackageDir } from '../../src/data/index.js';
import { loadInferenceModel, exportModel } from '../../src/deploy/index.js';
import { Model } from '../../src/nn/model.js';
import { input } from '../../src/nn/symbolic.js';
import { QuantConv2D } from '../../src/nn/layers/quantConv2D.js';
import { Dense } from '../../src/nn/layers/dense.js';
import { Flatten } from '../../src/nn/layers/flatten.js';
import { crc32 } from '../../src/deploy/format.js';
import { decodePng } from '../../src/data/png.js';

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'xnorkit-deploy-cli-'));

function xnorkit(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args], { cwd: root, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// A PNG with each row filtered differently (None, Sub, Up, Average, Paeth).
function png(width: number, height: number, channels: 1 | 3, pixels: Uint8Array): Uint8Array {
  const color = channels === 1 ? 0 : 2;
  const stride = width * channels;
  const raw = new Uint8Array(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    const f = y % 5;
    raw[y * (stride + 1)] = f;
    for (let i = 0; i < stride; i++) {
      const x = pixels[y * stride + i];
      const a = i >= channels ? pixels[y * stride + i - channels] : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + i] : 0;
      const c = y > 0 && i >= channels ? pixels[(y - 1) * stride + i - channels] : 0;
      const e = a + b - c, pa = Math.abs(e - a), pb = Math.abs(e - b), pc = Math.abs(e - c);
      const pred = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][f];
      raw[y * (stride + 1) + 1 + i] = (x - pred) & 0xff;
    }
  }
  const chunk = (type: string, data: Uint8Array) => {
    const out = new Uint8Array(12 + data.length);
    const v = new DataView(out.buffer);
    v.setUint32(0, data.length);
    out.set(new TextEncoder().encode(type), 4);
    out.set(data, 8);
    v.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
    return out;
  };
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, width);
  new DataView(ihdr.buffer).setUint32(4, height);
  ihdr.set([8, color, 0, 0, 0], 8);
  return Buffer.concat([Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
}

const testBytes = () => new Uint8Array(readFileSync(join(mnistPackageDir(), 't10k-images-idx3-ubyte')));

beforeAll(() => {
  const model = createModel('larq-mnist', { seed: 5 });
  writeFileSync(join(dir, 'state.xnks'), saveTrainingState(model, null));
  model.dispose();
});

describe('xnorkit export / predict', () => {
  it('exports a training state and predicts PNG and IDX images as the engine does', () => {
    const e = xnorkit('export', '--model-file', join(dir, 'state.xnks'), '--json');
    expect(e.stderr).toBe('');
    const info = JSON.parse(e.stdout);
    expect(info.file).toBe(join(dir, 'state.xnk'));
    expect(info.packed_weights).toBe(93088);
    const plan = loadInferenceModel(readFileSync(info.file));
    const idx = testBytes();
    const expected = Array.from(plan.run(loadMnist({ split: 'test', limit: 3 }).images).predictions);
    // the first three test digits as PNGs: gray, and RGB (gray replicated)
    const files = [0, 1, 2].map((i) => {
      const px = idx.subarray(16 + i * 784, 16 + (i + 1) * 784);
      const rgb = new Uint8Array(784 * 3).map((_, j) => px[Math.floor(j / 3)]);
      const f = join(dir, `digit${i}.png`);
      writeFileSync(f, i === 1 ? png(28, 28, 3, rgb) : png(28, 28, 1, px));
      return f;
    });
    const p = xnorkit('predict', '--model', info.file, ...files, '--json');
    expect(p.stderr).toBe('');
    expect(JSON.parse(p.stdout).predictions.map((r: { prediction: number }) => r.prediction)).toEqual(expected);
    const q = xnorkit('predict', '--model', info.file, join(mnistPackageDir(), 't10k-images-idx3-ubyte'),
      '--labels', join(mnistPackageDir(), 't10k-labels-idx1-ubyte'), '--limit', '3', '--json');
    expect(JSON.parse(q.stdout).predictions.map((r: { prediction: number }) => r.prediction)).toEqual(expected);
    expect(JSON.parse(q.stdout).accuracy).toBeGreaterThanOrEqual(0);
    plan.dispose();
  });

  it('decodes every PNG row filter', () => {
    const px = new Uint8Array(7 * 6 * 3).map((_, i) => (i * 37 + (i >> 3) * 11) & 0xff);
    const img = decodePng(png(7, 6, 3, px));
    expect([img.width, img.height, img.channels]).toEqual([7, 6, 3]);
    expect(Array.from(img.pixels)).toEqual(Array.from(px));
  });

  it('bad model files and images give one clear line', () => {
    const good = readFileSync(join(dir, 'state.xnk'));
    const bad = new Uint8Array(good);
    bad[200] ^= 1;
    writeFileSync(join(dir, 'bad.xnk'), bad);
    const img = join(dir, 'digit0.png');
    for (const [file, msg] of [['bad.xnk', /corrupted model file: checksum mismatch/]] as const) {
      const r = xnorkit('predict', '--model', join(dir, file), img);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    // Issue 14 item "every command that takes a model accepts .xnks and .xnk": a training state predicts as its export does.
    const fromState = xnorkit('predict', '--json', '--model', join(dir, 'state.xnks'), img);
    expect(fromState.code, fromState.stderr).toBe(0);
    expect(JSON.parse(fromState.stdout).predictions.map((p: { prediction: number }) => p.prediction))
      .toEqual(JSON.parse(xnorkit('predict', '--json', '--model', join(dir, 'state.xnk'), img).stdout).predictions.map((p: { prediction: number }) => p.prediction));
    writeFileSync(join(dir, 'small.png'), png(5, 5, 1, new Uint8Array(25)));
    const r = xnorkit('predict', '--model', join(dir, 'state.xnk'), join(dir, 'small.png'));
    expect(r.stderr).toMatch(/small.png is 5x5, the model wants 28x28/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('xnorkit eval of a packed model', () => {
  it('says whether the file is bit-exact with predict (binarizeScaledKernels is not)', () => {
    const img = input({ shape: [28, 28, 1] });
    const q = new QuantConv2D({
      filters: 4, kernelSize: 3, strides: 4, inputQuantizer: 'approx_sign', kernelQuantizer: 'magnitude_aware_sign', useBias: false, name: 'scaled',
    }).apply(img);
    const model = new Model({ inputs: img, outputs: new Dense({ units: 10 }).apply(new Flatten().apply(q)), seed: 5 });
    const eval16 = (file: string) => xnorkit('eval', '--model-file', file, '--dataset', 'mnist', '--test-limit', '16', '--threads', '1', '--json');
    writeFileSync(join(dir, 'scaled.xnk'), exportModel(model, { binarizeScaledKernels: true }));
    writeFileSync(join(dir, 'exact.xnk'), exportModel(model));
    const scaled = eval16(join(dir, 'scaled.xnk'));
    expect(scaled.code, scaled.stderr).toBe(0);
    expect(JSON.parse(scaled.stdout).bit_exact).toBe(false);
    expect(scaled.stderr).toMatch(/not bit-exact with predict \(binarizeScaledKernels: scaled\)/);
    const exact = eval16(join(dir, 'exact.xnk'));
    expect(exact.code, exact.stderr).toBe(0);
    expect(JSON.parse(exact.stdout).bit_exact).toBe(true);
    expect(exact.stderr).not.toMatch(/bit-exact/);
  }, 120_000);
});

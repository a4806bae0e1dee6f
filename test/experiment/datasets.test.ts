// `xnorkit experiment` beyond MNIST, end to end through the CLI: CIFAR-10 from
// generated files in the binary format (the real archive cannot be fetched
// in CI), and Fashion-MNIST from the Debian package when it is installed.
import { describe, it, expect, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeCifarDir } from '../helpers/cifarFiles.js';
import { FASHION_MNIST_SYSTEM_DIR } from '../../src/data/fashionMnist.js';
import { loadInferenceModel } from '../../src/deploy/index.js';
import { loadDataset } from '../../src/data/loadDataset.js';

const root = mkdtempSync(join(tmpdir(), 'xnorkit-exp-datasets-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Every step, a few seconds of work. */
const TINY = {
  train: { epochs: 1, limit: 96 }, test: { limit: 40 }, speed: { latencyRuns: 2, throughputRuns: 1, throughputBatch: 16 },
  hardware: {
    testLimit: 24, chips: 2, noise: { levels: [0, 0.5], trainLevels: [] }, variation: { levels: [0.5], trainLevels: [] },
    saturation: { levels: [8], trainLevels: [] },
  },
  threads: 1,
};

function cli(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out, err })));
}

function checkRun(out: string, json: Record<string, never>, dataset: string, model: string, dataDir?: string): void {
  expect(json.status).toBe('complete');
  expect(json.dataset).toBe(dataset);
  expect(json.model).toBe(model);
  for (const role of ['float', 'binary'] as const) {
    const r = json[role] as Record<string, number>;
    expect(r.test_accuracy, role).toBeGreaterThanOrEqual(0);
    expect(r.file_size_bytes, role).toBeGreaterThan(0);
    // The saved packed model gives the accuracy the report states.
    const engine = loadInferenceModel(readFileSync(join(out, `${role}.xnk`)));
    const test = loadDataset(dataset, { split: 'test', limit: 40, dataDir });
    const pred = engine.run(test.images).predictions;
    expect(pred.filter((p, i) => p === test.labels[i]).length / test.count, role).toBe(r.test_accuracy);
    engine.dispose();
  }
  for (const k of ['noise', 'variation', 'saturation']) expect((json.hardware as Record<string, { points: unknown[] }>)[k].points.length).toBeGreaterThan(0);
  expect(existsSync(join(out, 'report.html'))).toBe(true);
}

describe('xnorkit experiment --dataset cifar10 --data-dir DIR (generated binary batches)', () => {
  it('trains vgg8 float and binary on 32x32x3 images and writes the report', async () => {
    const data = join(root, 'cifar-10-batches-bin');
    writeCifarDir(data, 24, 40);
    const cfg = join(root, 'tiny.json');
    writeFileSync(cfg, JSON.stringify(TINY));
    const out = join(root, 'cifar-run');
    // The parent folder of cifar-10-batches-bin, as the archive extracts.
    const r = await cli(['experiment', '--dataset', 'cifar10', '--data-dir', root, '--config', cfg, '--out', out, '--json', '--quiet']);
    expect(r.code, r.err).toBe(0);
    const json = JSON.parse(r.out);
    expect(json.train_samples).toBe(96);
    expect(json.test_samples).toBe(40);
    checkRun(out, json, 'cifar10', 'vgg8', root);
  }, 300_000);
});

const haveFashion = existsSync(FASHION_MNIST_SYSTEM_DIR);
describe.skipIf(!haveFashion)(`xnorkit experiment --dataset fashion-mnist (${haveFashion ? FASHION_MNIST_SYSTEM_DIR : 'SKIPPED: dataset-fashion-mnist not installed'})`, () => {
  it('trains larq-mnist float and binary on Fashion-MNIST and writes the report', async () => {
    const cfg = join(root, 'tiny-fashion.json');
    writeFileSync(cfg, JSON.stringify(TINY));
    const out = join(root, 'fashion-run');
    const r = await cli(['experiment', '--dataset', 'fashion-mnist', '--config', cfg, '--out', out, '--json', '--quiet']);
    expect(r.code, r.err).toBe(0);
    const json = JSON.parse(r.out);
    expect(json.cuts.join(' ')).toContain('of the 60,000 training images');
    checkRun(out, json, 'fashion-mnist', 'larq-mnist');
  }, 300_000);
});

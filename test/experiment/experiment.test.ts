// `xnorkit experiment`: configs resolve preset < file < command line and a
// run's config.json repeats the run exactly; a tiny run on an MNIST subset
// goes through every step and writes what the issue asks for, with numbers
// that agree with the saved models; Ctrl-C (in process, and through the CLI's
// worker thread) leaves an interrupted report of what finished.
import { describe, it, expect, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig, readConfigFile, PRESET_DEFAULTS, type ExperimentConfig } from '../../src/experiment/config.js';
import { runExperiment } from '../../src/experiment/run.js';
import { loadTrainingState } from '../../src/nn/checkpoint.js';
import { loadInferenceModel } from '../../src/deploy/index.js';
import { loadMnist } from '../../src/data/mnist.js';
import { take } from '../../src/data/dataset.js';
import { evaluate } from '../../src/train/fit.js';

const root = mkdtempSync(join(tmpdir(), 'xnorkit-experiment-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A run of a few seconds that still touches every step. */
const TINY = {
  train: { epochs: 1, limit: 640 }, test: { limit: 300 }, speed: { latencyRuns: 3, throughputRuns: 2 },
  hardware: {
    testLimit: 100, chips: 2, noise: { levels: [0, 0.5], trainLevels: [0.5] }, variation: { levels: [0, 0.5], trainLevels: [] },
    saturation: { levels: [4, 8], trainLevels: [] },
    plan: { denseVariation: { levels: [0, 1], trainLevels: [1] }, multiplier: { levels: [6, 10], trainLevels: [8] } },
  },
  threads: 1,
};

function tinyConfig(out: string, extra: Record<string, unknown> = {}): ExperimentConfig {
  return resolveConfig({ out }, { ...TINY, ...extra });
}

describe('experiment config', () => {
  it('presets: quick is a subset run, larq the tutorial schedule on all data', () => {
    expect(PRESET_DEFAULTS.quick.train.limit).toBeGreaterThan(0);
    expect(PRESET_DEFAULTS.larq.train).toEqual({ epochs: 6, batchSize: 64, learningRate: 1e-3, schedule: 'cosine', limit: null });
    expect(PRESET_DEFAULTS.full.hardware.chips).toBeGreaterThan(PRESET_DEFAULTS.larq.hardware.chips);
  });

  it('command line over config file over preset; cifar10 picks a 32x32 model', () => {
    const c = resolveConfig({ epochs: 3, seed: 7 }, { preset: 'larq', seed: 5, train: { batchSize: 32 } });
    expect(c.preset).toBe('larq');
    expect(c.train).toEqual({ epochs: 3, batchSize: 32, learningRate: 1e-3, schedule: 'cosine', limit: null });
    expect(resolveConfig({ lrSchedule: 'constant' }).train.schedule).toBe('constant');
    expect(c.seed).toBe(7);
    expect(c.out).toBe(join('runs', 'larq-larq-mnist-mnist-seed7'));
    expect(resolveConfig({ dataset: 'CIFAR-10' }).model).toBe('vgg8');
    expect(resolveConfig({ bits: 4 }).out).toContain('4bit');
  });

  it('rejects unknown settings and bad values with a ConfigError', () => {
    expect(() => resolveConfig({}, { train: { epoch: 3 } })).toThrow(/unknown setting "train.epoch"/);
    expect(() => resolveConfig({}, { hardware: { saturation: { levels: [4.5] } } })).toThrow(/accumulator bits/);
    expect(() => resolveConfig({ model: 'resnet' })).toThrow(/unknown model "resnet"/);
    const f = join(root, 'bad.json');
    writeFileSync(f, '{ not json');
    expect(() => readConfigFile(f)).toThrow(/not valid JSON/);
    try {
      readConfigFile(f);
    } catch (e) {
      expect((e as Error).name).toBe('ConfigError');
    }
  });

  it('a resolved config read back from its file resolves to itself', () => {
    const c = resolveConfig({ preset: 'full', seed: 3, out: 'runs/x' });
    const f = join(root, 'config.json');
    writeFileSync(f, JSON.stringify(c));
    expect(resolveConfig({}, readConfigFile(f))).toEqual(c);
  });
});

describe('experiment run (MNIST subset)', () => {
  const out = join(root, 'run');
  let r: Awaited<ReturnType<typeof runExperiment>>;

  it('runs every step and writes report, results, config and models', async () => {
    r = await runExperiment(tinyConfig(out), { verbose: 'quiet', log: () => {} });
    expect(r.status).toBe('complete');
    for (const f of ['report.html', 'report.md', 'results.json', 'config.json', 'float.xnks', 'binary.xnks', 'float.xnk', 'binary.xnk', 'hw-noise-0.5.xnks']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    for (const role of ['float', 'binary']) {
      for (const k of ['test_accuracy', 'file_size_bytes', 'latency_ms_batch1', 'samples_per_second_batch256', 'train_seconds']) {
        expect(typeof json[role][k], `${role}.${k}`).toBe('number');
      }
    }
    expect(json.quick).toBe(true);
    expect(json.cuts.join(' ')).toContain('first 640 of the 60,000 training images');
    expect(json.hardware.noise.points.length).toBe(4); // 2 models x 2 levels
    expect(json.hardware.noise.models.map((m: { train_level: number | null }) => m.train_level)).toEqual([null, 0.5]);
    expect(json.hardware.saturation.points.map((p: { level: number }) => p.level)).toEqual([4, 8]);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('Quick run');
    // the user's three scenarios (issue 18): noise per layer and on all, dense-only variation, the multiplier
    expect(json.plan.noise.rows.map((x: { layers: string }) => x.layers)).toEqual(['quant_conv2d', 'quant_conv2d_1', 'quant_conv2d_2', 'quant_dense', 'quant_dense_1', 'all']);
    expect(json.plan.noise.clean_noise_trained).toBe(json.hardware.noise.models[1].clean_accuracy);
    expect(json.plan.dense_variation.perturbation.layers).toBe('dense');
    expect(json.plan.dense_variation.points.map((p: { train_level: number | null; level: number }) => [p.train_level, p.level])).toEqual([[null, 0], [null, 1], [1, 0], [1, 1]]);
    expect(json.plan.multiplier.points.map((p: { chips: number }) => p.chips)).toEqual([1, 1, 1, 1]);
    expect(json.plan.multiplier.assumption).toMatch(/XNOR bits counted in an unsigned b-bit counter \[0, 2\^b − 1\]/);
    for (const f of ['plan-dense-variation-1.xnks', 'plan-multiplier-8.xnks']) expect(existsSync(join(out, f)), f).toBe(true);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('5. Your plan, step by step');
   }, 600_000); // the plan's two extra trainings and sweeps: minutes on a loaded 2-core machine

  it('reports what the saved files give: states and packed models reproduce the test accuracies and sizes', () => {
    const test = take(loadMnist({ split: 'test' }), 300);
    for (const role of ['float', 'binary'] as const) {
      const st = loadTrainingState(readFileSync(join(out, `${role}.xnks`)));
      expect(st.epoch).toBe(1);
      expect(evaluate(st.model, test).accuracy).toBe(r[role]!.test_accuracy);
      const bytes = readFileSync(join(out, `${role}.xnk`));
      expect(bytes.length).toBe(r[role]!.file_size_bytes);
      const engine = loadInferenceModel(bytes);
      const pred = engine.run(test.images).predictions;
      expect(pred.filter((p, i) => p === test.labels[i]).length / test.count).toBe(r[role]!.test_accuracy);
      engine.dispose();
      st.model.dispose();
    }
    expect(r.comparison.size_ratio).toBe(r.float!.file_size_bytes! / r.binary!.file_size_bytes!);
  });

  it('its config.json repeats the run exactly (same accuracies, same chips, same sweep numbers)', async () => {
    const again = resolveConfig({ out: join(root, 'again') }, readConfigFile(join(out, 'config.json')));
    const r2 = await runExperiment(again, { verbose: 'quiet', log: () => {} });
    expect(r2.float!.test_accuracy).toBe(r.float!.test_accuracy);
    expect(r2.binary!.epochs.map((e) => e.loss)).toEqual(r.binary!.epochs.map((e) => e.loss));
    for (const k of ['noise', 'variation', 'saturation'] as const) {
      expect(r2.hardware![k]!.points.map((p) => p.accuracies)).toEqual(r.hardware![k]!.points.map((p) => p.accuracies));
    }
    expect(r2.plan!.dense_variation!.points.map((p) => p.accuracies)).toEqual(r.plan!.dense_variation!.points.map((p) => p.accuracies));
    expect(r2.plan!.multiplier!.points.map((p) => p.mean)).toEqual(r.plan!.multiplier!.points.map((p) => p.mean));
  }, 600_000);

  it('interrupted after the float model: a report marked interrupted with the float results only', async () => {
    const dir = join(root, 'interrupted');
    const ctl = new AbortController();
    const res = await runExperiment(tinyConfig(dir), {
      verbose: 'quiet', signal: ctl.signal, log: (s) => { if (s.startsWith('training the binary model')) ctl.abort(); },
    });
    expect(res.status).toBe('interrupted');
    const json = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
    expect(json.interrupted).toBe(true);
    expect(typeof json.float.test_accuracy).toBe('number');
    expect(json.binary.test_accuracy).toBeNull();
    expect(json.hardware).toBeNull();
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('Interrupted (Ctrl-C)');
  });
});

function cli(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out, err })));
}

describe('xnorkit eval, bench, --help', () => {
  it('eval reads a training state or a packed model and reproduces the reported accuracy', async () => {
    const dir = join(root, 'run');
    for (const f of ['binary.xnks', 'binary.xnk']) {
      const r = await cli(['eval', '--model-file', join(dir, f), '--test-limit', '300', '--json', '--quiet']);
      expect(r.code, r.err).toBe(0);
      const json = JSON.parse(r.out);
      expect(json.dataset).toBe('mnist');
      expect(json.test_accuracy).toBe(JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')).binary.test_accuracy);
    }
    const bad = join(root, 'bad.xnks');
    writeFileSync(bad, readFileSync(join(dir, 'binary.xnks')).subarray(0, 100));
    const r = await cli(['eval', '--model-file', bad]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^xnorkit: truncated training state/);
  });

  it('bench times the float twin and the binarized model, layer by layer and packed', async () => {
    const r = await cli(['bench', '--runs', '3', '--threads', '1', '--json']);
    expect(r.code, r.err).toBe(0);
    const json = JSON.parse(r.out);
    expect(json.results.length).toBe(5);
    for (const row of json.results) expect(row.samples_per_second_batch256).toBeGreaterThan(0);
  });

  it('every command explains itself with --help', async () => {
    for (const [cmd, want] of [['experiment', '--preset'], ['eval', '--model-file'], ['bench', '--runs']] as const) {
      const r = await cli([cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.out).toContain(want);
      expect(r.out).toMatch(/Examples?:|Options:/);
    }
  });
});

describe('xnorkit experiment (CLI, worker thread)', () => {
  it('Ctrl-C during training stops at the next step and writes the interrupted report (exit 130)', async () => {
    const dir = join(root, 'cli');
    const cfg = join(root, 'cli.json');
    writeFileSync(cfg, JSON.stringify({ ...TINY, train: { epochs: 3, limit: 6000 } }));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'experiment', '--config', cfg, '--out', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let sent = false;
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      // The first progress line of training: the worker is busy in fit().
      if (!sent && /training the float model/.test(err)) {
        sent = true;
        setTimeout(() => child.kill('SIGINT'), 1500);
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(sent, err).toBe(true);
    expect(code, err).toBe(130);
    const json = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
    expect(json.status).toBe('interrupted');
    expect(json.float.epochs.length).toBeLessThan(3);
    expect(json.float.test_accuracy).toBeNull();
    expect(existsSync(join(dir, 'report.html'))).toBe(true);
  });

  it('a missing dataset is one clear line, no stack', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'experiment', '--dataset', 'cifar10', '--data-dir', join(root, 'nowhere'),
      '--out', join(root, 'nodata')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(2);
    expect(err).toMatch(/xnorkit: .*CIFAR-10/i);
    expect(err).not.toMatch(/\n\s+at /);
  });
});

// Monte-Carlo evaluation over chips: reproducible from the seed, identical
// chips for every model, no perturbation = the clean accuracy on every chip,
// float and XNOR engines agree, sweeps and the robustness command write the
// documented fields.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluate } from '../../src/train/fit.js';
import { evaluateOnChips } from '../../src/hardware/montecarlo.js';
import { runSweep, inferencePerturbations } from '../../src/hardware/sweeps.js';
import { BitFlips } from '../../src/hardware/bitflips.js';
import { GaussianNoise } from '../../src/hardware/noise.js';
import { ProcessVariation } from '../../src/hardware/variation.js';
import { Saturation } from '../../src/hardware/saturation.js';
import { withPerturbations } from '../../src/hardware/perturbation.js';
import { firstPerturbedLayer } from '../../src/engines/prefix.js';
import { Chip } from '../../src/hardware/chip.js';
import { Rng } from '../../src/tensor/random.js';
import { runRobustness, type RobustnessOptions } from '../../src/cli/commands/robustness.js';
import { smallBnn, smallMlp, syntheticData } from './fixtures.js';

const data = syntheticData(300, [12, 12, 2], 4, 1);

describe('evaluateOnChips', () => {
  it('without perturbations every chip has the clean accuracy (= evaluate), std 0', () => {
    const m = smallBnn(2);
    const clean = evaluate(m, data).accuracy;
    for (const engine of ['float', 'xnor'] as const) {
      const r = evaluateOnChips(m, data, { chips: 3, seed: 1, perturbations: [], engine });
      expect(r.clean_accuracy).toBe(clean);
      expect(r.accuracies).toEqual([clean, clean, clean]);
      expect(r.std).toBe(0);
    }
    m.dispose();
  });

  it('is reproducible from its seed, engine-independent, and leaves the model clean afterwards', () => {
    const m = smallBnn(3);
    const p = () => [new BitFlips({ rate: 0.08 }), new Saturation({ bits: 5 }), new GaussianNoise({ sigma: 0.2, relative: true, evaluation: true })];
    const a = evaluateOnChips(m, data, { chips: 4, seed: 5, perturbations: p(), engine: 'float', batchSize: 128 });
    const b = evaluateOnChips(m, data, { chips: 4, seed: 5, perturbations: p(), engine: 'xnor', batchSize: 128 });
    const c = evaluateOnChips(m, data, { chips: 4, seed: 6, perturbations: p(), engine: 'xnor', batchSize: 128 });
    expect(b.accuracies).toEqual(a.accuracies);
    expect(c.accuracies).not.toEqual(a.accuracies);
    expect(new Set(a.accuracies).size).toBeGreaterThan(1);
    expect(a.chip_records.map((r) => r.index)).toEqual([0, 1, 2, 3]);
    expect(b.packed_layers).toEqual(['quant_conv2d_1', 'quant_conv2d_2', 'quant_dense']);
    for (const l of m.layers) expect(l.hooks.count()).toBe(0);
    expect(evaluate(m, data).accuracy).toBe(a.clean_accuracy);
    m.dispose();
  });

  it('chip i is the same for two models with the same layer names (common random numbers)', () => {
    // Two copies of the same weights built separately: same chips ⇒ same per-chip accuracies.
    const m1 = smallMlp(4);
    const m2 = smallMlp(4);
    const d8 = syntheticData(200, [8, 8, 1], 3, 2);
    const p = () => [new ProcessVariation({ model: 'multiplicative', sigma: 0.8, layers: 'all' })];
    const a = evaluateOnChips(m1, d8, { chips: 5, seed: 9, perturbations: p() });
    const b = evaluateOnChips(m2, d8, { chips: 5, seed: 9, perturbations: p() });
    expect(b.accuracies).toEqual(a.accuracies);
    expect(new Set(a.accuracies).size).toBeGreaterThan(1);
    m1.dispose();
    m2.dispose();
  });

  it('reports the statistics of its accuracies and stops early on abort', () => {
    const m = smallBnn(1);
    const ctl = new AbortController();
    const r = evaluateOnChips(m, data, {
      chips: 10, seed: 2, perturbations: [new BitFlips({ rate: 0.1 })], signal: ctl.signal, yieldThreshold: 0.3, group: 3,
      onChip: (i) => { if (i === 2) ctl.abort(); },
    });
    expect(r.interrupted).toBe(true);
    expect(r.chips).toBe(3);
    const mean = r.accuracies.reduce((s, x) => s + x, 0) / 3;
    expect(r.mean).toBeCloseTo(mean, 12);
    expect(r.yield).toBeCloseTo(r.accuracies.filter((x) => x >= 0.3).length / 3, 12);
    expect(r.ci95[0]).toBeLessThanOrEqual(r.mean);
    m.dispose();
  });

  it('sharing the clean prefix between chips changes nothing (groups of 1 vs 8, both engines)', () => {
    const m = smallBnn(6);
    // a rate at which some chips leave the first layers untouched and others do not
    const p = () => [new BitFlips({ rate: 0.004 }), new GaussianNoise({ sigma: 0.1, relative: true, evaluation: true, layers: ['quant_dense'] })];
    const starts = withPerturbations(m, p(), () => Chip.population(4, 8).map((chip) => firstPerturbedLayer(m, { training: false, rng: new Rng(0), chip })));
    expect(new Set(starts).size).toBeGreaterThan(1); // chips start at different layers
    expect(Math.max(...starts)).toBeGreaterThan(0);
    const probe = (engine: 'float' | 'xnor') => evaluateOnChips(m, data, { chips: 8, seed: 4, perturbations: p(), engine, group: 8, batchSize: 100 });
    const one = evaluateOnChips(m, data, { chips: 8, seed: 4, perturbations: p(), engine: 'float', group: 1, batchSize: 100 });
    expect(probe('float').accuracies).toEqual(one.accuracies);
    expect(probe('xnor').accuracies).toEqual(one.accuracies);
    // the XNOR engine adds each chip's weight changes to shared clean dots, saturating in JS: still identical
    const q = () => [new BitFlips({ rate: 0.004 }), new Saturation({ bits: 5, mode: 'wrap', layers: ['quant_conv2d_1'] })];
    const ref = evaluateOnChips(m, data, { chips: 8, seed: 4, perturbations: q(), engine: 'float', group: 1, batchSize: 100 });
    const fast = evaluateOnChips(m, data, { chips: 8, seed: 4, perturbations: q(), engine: 'xnor', group: 8, batchSize: 100 });
    expect(fast.accuracies).toEqual(ref.accuracies);
    expect(new Set(ref.accuracies).size).toBeGreaterThan(1);
    m.dispose();
  });

  it('the fused packed inference engine (deploy) plugs in as a chip engine: same accuracies for bit flips', () => {
    const m = smallBnn(8);
    const p = () => [new BitFlips({ rate: 0.03, stuckAt1: 0.01 })];
    const a = evaluateOnChips(m, data, { chips: 4, seed: 3, perturbations: p(), engine: 'float' });
    const b = evaluateOnChips(m, data, { chips: 4, seed: 3, perturbations: p(), engine: 'deploy' });
    expect(b.accuracies).toEqual(a.accuracies);
    expect(b.clean_accuracy).toBe(a.clean_accuracy);
    expect(() => evaluateOnChips(m, data, { chips: 1, seed: 3, perturbations: [new Saturation({ bits: 6 })], engine: 'deploy' })).toThrow(/bit errors only/);
    m.dispose();
  });

  it('refuses noise that is off in evaluation', () => {
    const m = smallMlp(1);
    expect(() => evaluateOnChips(m, syntheticData(10, [8, 8, 1], 3, 1), { chips: 1, seed: 1, perturbations: [new GaussianNoise({ sigma: 0.1 })] }))
      .toThrow(/evaluation: true/);
    m.dispose();
  });
});

describe('sweeps', () => {
  it('accuracy falls as the bit-error rate grows (same chips at every level)', () => {
    const m = smallBnn(5);
    const r = runSweep([{ trainLevel: 0, model: m }], data, { kind: 'bitflips', levels: [0, 0.5], chips: 3, seed: 1 });
    expect(r.points.map((p) => p.level)).toEqual([0, 0.5]);
    expect(r.points[0].mean).toBe(r.points[0].clean_accuracy);
    expect(r.points[1].mean).not.toBe(r.points[0].mean);
    for (const p of r.points) for (const k of ['level', 'mean', 'std', 'p5', 'yield', 'ci95', 'clean_accuracy']) expect(p).toHaveProperty(k);
    m.dispose();
  });

  it('builds each kind of inference perturbation', () => {
    expect(inferencePerturbations('noise', 0.3)[0].toJSON()).toMatchObject({ kind: 'noise', sigma: 0.3, relative: true, evaluation: true });
    expect(inferencePerturbations('variation', 0.2)[0].toJSON()).toMatchObject({ kind: 'variation', sigma: 0.2, mode: 'per-chip' });
    expect(inferencePerturbations('saturation', 8)[0].toJSON()).toMatchObject({ kind: 'saturation', bits: 8 });
    expect(inferencePerturbations('bitflips', 1e-3)[0].toJSON()).toMatchObject({ kind: 'bitflips', rate: 1e-3 });
  });
});

describe('xnorkit robustness', () => {
  it('trains (or reuses) the models and writes results.json with the documented fields', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xnorkit-robustness-'));
    const o: RobustnessOptions = {
      model: 'larq-mnist', float: false, sweep: 'saturation', levels: [4, 12], trainLevels: [0], epochs: 1, batchSize: 50, lr: 1e-3, lrSchedule: 'cosine', seed: 1,
      limit: 200, chips: 2, chipSeed: 3, engine: 'xnor', layers: 'all', absolute: false, variationModel: 'multiplicative',
      variationBinary: 'analog', overflow: 'saturate', yieldThreshold: 0.5, testLimit: 100, dataset: 'mnist', out: join(dir, 'run'),
      modelsDir: join(dir, 'models'), retrain: false, threads: 1, json: false, quiet: true,
    };
    try {
      const r = await runRobustness(o);
      const file = JSON.parse(readFileSync(join(dir, 'run', 'results.json'), 'utf8'));
      expect(file.sweep).toBe('saturation');
      expect(file.points).toHaveLength(2);
      for (const p of file.points) {
        for (const k of ['level', 'mean', 'std', 'p5', 'yield', 'ci95', 'clean_accuracy']) expect(p).toHaveProperty(k);
        expect(p.ci95).toHaveLength(2);
      }
      expect(file.models[0].trained_now).toBe(true);
      expect(existsSync(join(dir, 'run', 'config.json'))).toBe(true);
      // a second run reuses the cached model and reproduces the numbers
      const again = await runRobustness(o);
      expect((again.models as { trained_now: boolean }[])[0].trained_now).toBe(false);
      expect((again.points as { mean: number }[]).map((p) => p.mean)).toEqual((r.points as { mean: number }[]).map((p) => p.mean));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('Ctrl-C keeps the points that finished and marks the run interrupted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xnorkit-robustness-int-'));
    try {
      // a small trained model to start from
      await runRobustness({
        model: 'larq-mnist', float: false, sweep: 'bitflips', levels: [0.01], trainLevels: [0], epochs: 1, batchSize: 50, lr: 1e-3, lrSchedule: 'cosine', seed: 2,
        limit: 100, chips: 1, chipSeed: 1, engine: 'xnor', layers: 'all', absolute: false, variationModel: 'multiplicative',
        variationBinary: 'analog', overflow: 'saturate', yieldThreshold: 0.5, testLimit: 50, dataset: 'mnist', out: join(dir, 'first'),
        modelsDir: join(dir, 'models'), retrain: false, threads: 1, json: false, quiet: true,
      });
      const weights = join(dir, 'models', 'larq-mnist-quant-standard-e1-b50-lr0.001-cosine-s2-n100.xnks');
      const out = join(dir, 'run');
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'robustness', '--sweep', 'bitflips', '--weights', weights,
        '--levels', '0.001,0.002,0.003,0.004,0.005,0.006,0.007,0.008', '--chips', '60', '--test-limit', '500', '--out', out, '--threads', '1'],
      { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      await new Promise<void>((resolve) => child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        if (/level 0\.001: mean/.test(err)) resolve();
      }));
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      const r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
      expect(r.interrupted).toBe(true);
      expect(r.points.length).toBeGreaterThanOrEqual(1);
      expect(r.points.length).toBeLessThan(8);
      expect(r.points[0].level).toBe(0.001);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('Ctrl-C during training drops the half-trained model and writes an interrupted run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xnorkit-robustness-train-int-'));
    try {
      const out = join(dir, 'run');
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'robustness', '--sweep', 'noise', '--levels', '0.1',
        '--epochs', '3', '--limit', '20000', '--test-limit', '100', '--chips', '2', '--out', out, '--models-dir', join(dir, 'models'), '--threads', '1'],
      { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      await new Promise<void>((resolve) => child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        if (/epoch 1\/3: \d+ steps/.test(err)) resolve();
      }));
      child.kill('SIGINT');
      expect(await exited, err).toBe(130);
      const r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
      expect(r.interrupted).toBe(true);
      expect(r.points).toHaveLength(0);
      expect(r.training.lr_schedule).toBe('cosine');
      expect(existsSync(join(dir, 'models'))).toBe(false); // nothing cached from a half-trained model
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});


// `xnorkit robustness` options of the user's scenarios (issue 18): the
// multiplier sweep on the binary and the 4-bit model (register signedness,
// overflow, binary encoding, the assumption in the results), multiplier-aware
// training through --train-levels, and variation trained on the dense layers
// only (--train-layers) while evaluated on another selection.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRobustness, type RobustnessOptions } from '../../src/cli/commands/robustness.js';
import { loadTrainingState } from '../../src/nn/checkpoint.js';

function options(dir: string, o: Partial<RobustnessOptions>): RobustnessOptions {
  return {
    model: 'larq-mnist', float: false, sweep: 'multiplier', levels: [6, 8, 10], trainLevels: [0], epochs: 1, batchSize: 50, lr: 1e-3, lrSchedule: 'cosine', seed: 1,
    limit: 200, chips: 1, chipSeed: 1, engine: 'xnor', layers: 'all', absolute: false, variationModel: 'multiplicative',
    variationBinary: 'analog', overflow: 'saturate', yieldThreshold: 0.5, testLimit: 100, dataset: 'mnist', out: join(dir, 'run'),
    modelsDir: join(dir, 'models'), retrain: false, threads: 1, json: false, quiet: true, ...o,
  };
}

interface Results {
  points: { level: number; train_level: number | null; mean: number; clean_accuracy: number }[];
  assumption?: string;
  bits?: number;
  perturbation: Record<string, unknown>;
  train_perturbation?: Record<string, unknown>;
  models: { train_level: number | null; weights: string }[];
}

describe('xnorkit robustness --sweep multiplier', () => {
  it('binary model, XNOR encoding: levels 6,8,10 with the counter assumption in the results', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xk-mult-'));
    try {
      const r = (await runRobustness(options(dir, { binaryEncoding: 'xnor' }))) as unknown as Results;
      expect(r.points.map((p) => p.level)).toEqual([6, 8, 10]);
      expect(r.assumption).toMatch(/XNOR bits counted in an unsigned 6-bit counter \[0, 63\]/);
      expect(r.perturbation).toMatchObject({ multiplierSigned: false, binaryEncoding: 'xnor', overflow: 'saturate' });
      const file = JSON.parse(readFileSync(join(dir, 'run', 'results.json'), 'utf8')) as Results;
      expect(file.assumption).toBe(r.assumption);
      // a 6-bit counter saturates the 576-tap sums of the last conv layer: the chip is not the clean model
      expect(r.points[0].mean).not.toBe(r.points[0].clean_accuracy);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);

  it('a signed register wide enough for every product is exact (binary and 4-bit); a narrow one is not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xk-mult4-'));
    try {
      // binary: ±1 products and the first layer's pixel code (|c| <= 255) x ±1 fit 10 signed bits
      const b = (await runRobustness(options(dir, { signed: true, levels: [2, 10] }))) as unknown as Results;
      expect(b.points[1].mean).toBe(b.points[1].clean_accuracy);
      expect(b.assumption).toMatch(/signed 2-bit register \[-2, 1\]/);
      // 4-bit: codes 0..15 x odd weight codes |c| <= 15 (products <= 225), first layer 255 x 15: 13 signed bits hold all
      const q = (await runRobustness(options(dir, { bits: 4, signed: true, levels: [4, 13], out: join(dir, 'run4') }))) as unknown as Results;
      expect(q.bits).toBe(4);
      expect(q.models[0].weights).toMatch(/larq-mnist-4bit-standard/);
      expect(q.points[1].mean).toBe(q.points[1].clean_accuracy);
      expect(q.points[0].mean).not.toBe(q.points[0].clean_accuracy);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);

  it('--wrap wraps instead of saturating, and XNOR encoding with a signed register is a usage error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xk-multw-'));
    try {
      const r = (await runRobustness(options(dir, { wrap: true, binaryEncoding: 'xnor', levels: [8] }))) as unknown as Results;
      expect(r.perturbation.overflow).toBe('wrap');
      expect(r.assumption).toMatch(/\(wrap\)/);
      await expect(runRobustness(options(dir, { signed: true, binaryEncoding: 'xnor' }))).rejects.toThrow(/unsigned counter/);
      await expect(runRobustness(options(dir, { levels: [8.5] }))).rejects.toThrow(/integers in 1\.\.31/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);

  it('--train-levels trains a multiplier-aware model under the register it is evaluated on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xk-multt-'));
    try {
      const r = (await runRobustness(options(dir, { binaryEncoding: 'xnor', trainLevels: [0, 8], levels: [8] }))) as unknown as Results;
      expect(r.models.map((m) => m.train_level)).toEqual([0, 8]);
      expect(r.points.map((p) => p.train_level)).toEqual([0, 8]);
      const saved = loadTrainingState(readFileSync(r.models[1].weights));
      saved.model.dispose();
      expect((saved.extra.recipe as { perturbations: Record<string, unknown>[] }).perturbations).toEqual([expect.objectContaining({ kind: 'multiplier', bits: 8, binaryEncoding: 'xnor', signed: false })]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});

describe('xnorkit robustness --sweep variation --layers dense', () => {
  it('trains on the dense layers only (--train-layers) and evaluates another selection; cached models do not collide', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xk-vard-'));
    try {
      const base = { sweep: 'variation' as const, trainLevels: [0.5], levels: [0.5], chips: 2 };
      const dense = (await runRobustness(options(dir, { ...base, layers: 'dense' }))) as unknown as Results;
      expect(dense.perturbation.layers).toBe('dense');
      const all = (await runRobustness(options(dir, { ...base, layers: 'all', trainLayers: 'dense', out: join(dir, 'run2') }))) as unknown as Results;
      expect(all.perturbation.layers).toBe('all');
      expect(all.train_perturbation?.layers).toBe('dense');
      // the same dense-trained model (cache hit), evaluated under all-layer variation: a different accuracy
      expect(all.models[0].weights).toBe(dense.models[0].weights);
      expect(all.points[0].clean_accuracy).toBe(dense.points[0].clean_accuracy);
      expect(all.points[0].mean).not.toBe(dense.points[0].mean);
      await runRobustness(options(dir, { ...base, layers: 'all', out: join(dir, 'run3') }));
      expect(readdirSync(join(dir, 'models')).filter((f) => f.includes('variation0.5'))).toHaveLength(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});

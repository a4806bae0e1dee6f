// `xnorkit train --recipe`: the resolved recipe (with single overrides) is
// what the run used and what results.json / config.json record.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('xnorkit train --recipe', () => {
  it('records the recipe it used, with single overrides; rejects contradictory settings', () => {
    const out = mkdtempSync(join(tmpdir(), 'xk-recipe-'));
    try {
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'train', '--recipe', 'larq', '--lr', '2e-3', '--augment-shift', '1',
        '--epochs', '1', '--limit', '256', '--test-limit', '64', '--threads', '1', '--quiet', '--json', '--out', out], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const res = JSON.parse(r.stdout);
      expect(res.recipe).toMatchObject({ name: 'larq', learningRate: 2e-3, schedule: 'constant', batchNormMomentum: null, augment: { shift: 1, flip: false } });
      expect(res.learning_rate).toBe(2e-3);
      expect(res.history[0].learning_rate).toBe(2e-3);
      expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).resolved_recipe.name).toBe('larq');
      const bad = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'train', '--recipe', 'larq', '--warmup-epochs', '1', '--quiet', '--out', out], { encoding: 'utf8' });
      expect(bad.status).toBe(2);
      expect(bad.stderr).toMatch(/warm-up needs the cosine schedule/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);
});

// `--shard K/N` + `xnorkit merge` (no Redis): the merged results.json equals
// the single-process `xnorkit robustness` run bit for bit.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { xnorkit, STUDY, readResults, comparable } from './helpers.js';

describe('robustness --shard K/N + merge', () => {
  it('three shards merged equal the single-process run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xnorkit-shard-'));
    const models = join(dir, 'models');
    const runs = await Promise.all([
      xnorkit(...STUDY, '--quiet', '--out', join(dir, 'single'), '--models-dir', join(dir, 'single-models')),
      ...[1, 2, 3].map((k) => xnorkit(...STUDY, '--quiet', '--chips-per-job', '1', '--shard', `${k}/3`, '--model-store', models, '--out', join(dir, `shard${k}`))),
    ]);
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const shard1 = JSON.parse(readFileSync(join(dir, 'shard1', 'shard.json'), 'utf8')) as { jobs: Record<string, unknown>; complete: boolean };
    expect(shard1.complete).toBe(true);
    // 36 chip jobs (2 models x 3 levels x 6 chips) dealt round-robin: 12 each, plus the training jobs it owns or needed.
    expect(Object.keys(shard1.jobs).filter((k) => k.includes('.chips.'))).toHaveLength(12);

    const incomplete = await xnorkit('merge', join(dir, 'shard1'), join(dir, 'shard2'), '--out', join(dir, 'partial'));
    expect(incomplete.code).not.toBe(0);
    expect(incomplete.stderr).toMatch(/12 job\(s\) of study \w+ have no result/);

    const merged = await xnorkit('merge', join(dir, 'shard1'), join(dir, 'shard2'), join(dir, 'shard3'), '--out', join(dir, 'merged'));
    expect(merged.code, merged.stderr).toBe(0);
    const single = readResults(join(dir, 'single'));
    const m = readResults(join(dir, 'merged'));
    expect((m.points as unknown[]).length).toBe(6);
    expect(comparable(m)).toEqual(comparable(single));
  }, 300_000);
});

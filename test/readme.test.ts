// The README's TypeScript examples must run as written (with 'xnorkit'
// resolved to this checkout's sources).
import { describe, it, expect } from 'vitest';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const root = join(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);

describe('README examples', () => {
  it('has TypeScript examples', () => expect(blocks.length).toBeGreaterThan(0));
  blocks.forEach((code, i) => {
    it(`example ${i + 1} runs`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'xnorkit-readme-'));
      const file = join(dir, `example${i + 1}.mts`);
      writeFileSync(file, code.replaceAll("from 'xnorkit'", `from '${join(root, 'src', 'index.ts')}'`)
        .replaceAll("from 'xnorkit/infer'", `from '${join(root, 'src', 'infer', 'index.ts')}'`));
      const r = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: root, encoding: 'utf8', timeout: 300_000 });
      expect(r.status, r.stderr).toBe(0);
      // Issue 14 item "the README's createModel example prints float 0.47 below binary 0.86": numbers that make sense.
      const acc = (name: string) => Number(new RegExp(`^${name} accuracy ([0-9.]+)`, 'm').exec(r.stdout)?.[1]);
      if (/^float accuracy/m.test(r.stdout)) {
        expect(acc('float'), r.stdout).toBeGreaterThan(0.8);
        expect(acc('binary'), r.stdout).toBeGreaterThan(0.7);
        expect(acc('float'), r.stdout).toBeGreaterThan(acc('binary'));
      }
    }, 300_000);
  });
});

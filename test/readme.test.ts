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
    });
  });
});

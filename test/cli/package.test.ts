// Issue 14, "Package and docs": what the tarball ships and what --help says.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const help = (cmd: string) => spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), cmd, '--help'], { cwd: root, encoding: 'utf8' }).stdout;

describe('issue 14: package contents', () => {
  it('item "the tarball ships .wat and source maps pointing at unshipped ../src, and no LICENSE"', () => {
    const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const files = (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0].files.map((f) => f.path);
    expect(files.filter((f) => f.endsWith('.wat') || f.endsWith('.map'))).toEqual([]);
    expect(files).toContain('LICENSE');
    expect(readFileSync(join(root, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
    expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).license).toBe('MIT');
    // What the tarball does ship still runs: the CLI entry point and both wasm modules.
    for (const f of ['dist/cli/main.js', 'build/xnorkit.wasm', 'build/xnorkit-infer.wasm']) expect(files).toContain(f);
    expect(existsSync(join(root, 'src'))).toBe(true);
  });

  it('item "experiment --help says the quick preset takes ~5 min"', () => {
    const h = help('experiment');
    expect(h).not.toMatch(/~5 min/);
    expect(h).toMatch(/quick \(MNIST subset, about 1 min/);
  });

  it('item "--threads help prints two defaults": one default per command', () => {
    for (const cmd of ['train', 'eval', 'bench', 'experiment', 'robustness']) {
      const text = help(cmd).replace(/\s+/g, ' ');
      const m = /--threads <n> (.*?)(?= --|$)/.exec(text);
      expect(m, cmd).not.toBeNull();
      expect((m![1].match(/default/g) ?? []).length, `${cmd}: ${m![1]}`).toBeLessThanOrEqual(1);
    }
  });
});

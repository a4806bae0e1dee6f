// The CLI's contract for user errors: one clear line, no stack trace, exit
// code != 0; and a tiny real training run writing results.json.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

function xnorkit(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args], {
    cwd: root, encoding: 'utf8', timeout: 300_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function expectUserError(r: { code: number | null; stderr: string }, pattern: RegExp) {
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
}

describe('xnorkit CLI', () => {
  it('the installed command runs: `npx xnorkit` (the built bin is executable)', () => {
    // npm does not link a package's own bin, so npx executes dist/cli/main.js
    // directly: without its x bit every `npx xnorkit ...` of the README fails.
    const r = spawnSync('npx', ['--no-install', 'xnorkit', '--help'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Usage: xnorkit/);
  });

  it('rejects an unknown option', () => {
    expectUserError(xnorkit('train', '--epochz', '3'), /unknown option '--epochz'/);
  });

  it('rejects an unknown command', () => {
    expectUserError(xnorkit('trian'), /unknown command 'trian'/);
  });

  it('rejects an unknown model', () => {
    expectUserError(xnorkit('train', '--float', '--model', 'resnet9000', '--limit', '10', '--test-limit', '10', '--quiet', '--out', mkdtempSync(join(tmpdir(), 'xk-'))), /unknown model "resnet9000"/);
  });

  it('rejects a non-numeric epoch count', () => {
    expectUserError(xnorkit('train', '--epochs', 'many'), /expected a positive integer, got "many"/);
  });

  it('says how to get a missing dataset', () => {
    expectUserError(xnorkit('train', '--float', '--dataset', 'cifar10', '--data-dir', '/nonexistent/dir', '--quiet'), /cifar/i);
  });

  it('names a truncated IDX file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'xk-idx-'));
    const head = Buffer.from([0, 0, 8, 3, 0, 0, 0, 10, 0, 0, 0, 28, 0, 0, 0, 28]);
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), Buffer.concat([head, Buffer.alloc(100)]));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), Buffer.from([0, 0, 8, 1, 0, 0, 0, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0]));
    expectUserError(xnorkit('train', '--float', '--data-dir', dir, '--quiet'), /train-images-idx3-ubyte.*truncated/);
  });

  it('trains on a small subset and writes results.json', () => {
    const out = mkdtempSync(join(tmpdir(), 'xk-run-'));
    mkdirSync(out, { recursive: true });
    const r = xnorkit('train', '--float', '--epochs', '1', '--limit', '512', '--test-limit', '256', '--batch-size', '64',
      '--seed', '3', '--threads', '1', '--quiet', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    for (const k of ['test_accuracy', 'train_seconds', 'samples_per_second', 'epochs', 'seed', 'history']) expect(res).toHaveProperty(k);
    expect(res.epochs).toBe(1);
    expect(res.seed).toBe(3);
    expect(res.history).toHaveLength(1);
    expect(res.test_accuracy).toBeGreaterThan(0.1); // 512 samples already beat chance
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).seed).toBe(3);
  });
});

describe('xnorkit train interruption', () => {
  it('Ctrl-C stops after the current step and still writes results.json (exit 130)', async () => {
    const { spawn } = await import('node:child_process');
    const out = mkdtempSync(join(tmpdir(), 'xk-int-'));
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'train', '--float', '--epochs', '50',
      '--limit', '20000', '--test-limit', '100', '--threads', '1', '--out', out], { cwd: root });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    // Wait until training has started (the first progress output), then interrupt.
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (/epoch 1\/50: \d+ steps/.test(stderr)) { clearInterval(timer); resolve(); }
      }, 100);
    });
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code, stderr).toBe(130);
    const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(res.interrupted).toBe(true);
    // Usually 0 (the signal lands 1.5 s into a ~10 s epoch); on a very fast
    // machine a whole epoch may finish first — either way only whole epochs count.
    expect(res.epochs).toBeLessThan(50);
    expect(res.history).toHaveLength(res.epochs);
    expect(stderr).toMatch(/epoch \d+ interrupted after \d+ samples/);
  });
});

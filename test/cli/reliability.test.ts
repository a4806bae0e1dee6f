// Issue 14, "Lost work" (acceptance 3 and 4): train saves model.xnks,
// model.xnk and a config.json that `train --config` repeats bit for bit; eval,
// export, predict and robustness take those files; SIGTERM, SIGHUP and a
// second signal keep the completed epochs and leave no temporary file; a
// second run on a busy --out is refused. Data subsets are tiny (--limit).
import { describe, it, expect, beforeAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTrainingState } from '../../src/nn/checkpoint.js';

const root = join(import.meta.dirname, '..', '..');
const CLI = ['--import', 'tsx', join(root, 'src/cli/main.ts')];

function xnorkit(...args: string[]) {
  const r = spawnSync(process.execPath, [...CLI, ...args], { cwd: root, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
function expectUserError(r: { code: number | null; stderr: string }, pattern: RegExp) {
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}
const TINY = ['--limit', '192', '--test-limit', '96', '--batch-size', '32', '--threads', '1', '--quiet'];
const tmp = (p: string) => mkdtempSync(join(tmpdir(), p));
const allFiles = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? allFiles(join(d, e.name)) : [e.name]));

/** Variables and optimizer slots of a training state, as bytes (the header's date aside). */
function stateArrays(file: string): Buffer {
  const st = loadTrainingState(readFileSync(file));
  const parts = st.model.variables.map((v) => Buffer.from(v.value.toArray().buffer));
  const slots = st.optimizer ? st.optimizer.slotEntries().map((e) => Buffer.from(e.value.toArray().buffer)) : [];
  st.model.dispose();
  st.optimizer?.dispose();
  return Buffer.concat([...parts, ...slots]);
}

describe('issue 14: train saves a model and a repeatable config (acceptance 4)', () => {
  let run1: string;
  beforeAll(() => {
    run1 = join(tmp('xk-rel-'), 'run1');
    const r = xnorkit('train', '--epochs', '2', '--seed', '5', ...TINY, '--out', run1);
    expect(r.code, r.stderr).toBe(0);
  });

  it('item "train saves no model": model.xnks, model.xnk, config.json and results.json are written', () => {
    expect(readdirSync(run1).sort()).toEqual(['config.json', 'model.xnk', 'model.xnks', 'results.json']);
    const res = JSON.parse(readFileSync(join(run1, 'results.json'), 'utf8'));
    expect(res.status).toBe('complete');
    expect(res.state_file).toBe('model.xnks');
    expect(res.model_file).toBe('model.xnk');
    expect(loadTrainingState(readFileSync(join(run1, 'model.xnks'))).epoch).toBe(2);
  });

  it('item "no --config to repeat a run": train --config repeats the run bit for bit', () => {
    const run2 = join(tmp('xk-rel-'), 'run2');
    const r = xnorkit('train', '--config', join(run1, 'config.json'), '--out', run2, '--quiet');
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(run2, 'model.xnk')).equals(readFileSync(join(run1, 'model.xnk')))).toBe(true);
    expect(stateArrays(join(run2, 'model.xnks')).equals(stateArrays(join(run1, 'model.xnks')))).toBe(true);
    const a = JSON.parse(readFileSync(join(run1, 'results.json'), 'utf8'));
    const b = JSON.parse(readFileSync(join(run2, 'results.json'), 'utf8'));
    expect(b.seed).toBe(5);
    expect(b.history.map((e: { loss: number; accuracy: number }) => [e.loss, e.accuracy])).toEqual(a.history.map((e: { loss: number; accuracy: number }) => [e.loss, e.accuracy]));
    expect(b.test_accuracy).toBe(a.test_accuracy);
    expect(b.test_loss).toBe(a.test_loss);
  });

  it('item "eval/export/predict/robustness cannot follow it": every command takes model.xnks and model.xnk', () => {
    const e1 = xnorkit('eval', '--model-file', join(run1, 'model.xnks'), '--test-limit', '96', '--threads', '1', '--quiet', '--json');
    const e2 = xnorkit('eval', '--model-file', join(run1, 'model.xnk'), '--test-limit', '96', '--threads', '1', '--quiet', '--json');
    expect(e1.code, e1.stderr).toBe(0);
    expect(e2.code, e2.stderr).toBe(0);
    expect(JSON.parse(e2.stdout).test_accuracy).toBe(JSON.parse(e1.stdout).test_accuracy);
    const out = join(tmp('xk-rel-'), 'exported.xnk');
    const x = xnorkit('export', '--model-file', join(run1, 'model.xnks'), '--out', out);
    expect(x.code, x.stderr).toBe(0);
    expect(readFileSync(out).length).toBeGreaterThan(0);
    expectUserError(xnorkit('export', '--model-file', join(run1, 'model.xnk')), /already a packed inference model/);
    // An IDX file of 3 images for predict.
    const idx = join(tmp('xk-rel-'), 'imgs-idx3-ubyte');
    writeFileSync(idx, Buffer.concat([Buffer.from([0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 28, 0, 0, 0, 28]), Buffer.alloc(3 * 784, 128)]));
    const p1 = xnorkit('predict', '--json', '--model', join(run1, 'model.xnks'), idx);
    const p2 = xnorkit('predict', '--json', '--model', join(run1, 'model.xnk'), idx);
    expect(p1.code, p1.stderr).toBe(0);
    expect(JSON.parse(p1.stdout).predictions).toEqual(JSON.parse(p2.stdout).predictions);
    const rob = join(tmp('xk-rel-'), 'rob');
    const r = xnorkit('robustness', '--sweep', 'noise', '--levels', '0.1', '--chips', '2', '--test-limit', '64', '--threads', '1',
      '--weights', join(run1, 'model.xnks'), '--out', rob);
    expect(r.code, r.stderr).toBe(0);
    // Item "runs with --weights print 'model trained at noise level 0'".
    expect(r.stderr).not.toMatch(/trained at noise level 0/);
    expect(r.stderr).toMatch(/model\.xnks: clean test accuracy/);
    expectUserError(xnorkit('robustness', '--sweep', 'noise', '--weights', join(run1, 'model.xnk'), '--out', join(rob, 'x')), /packed inference model/);
  });
});

describe('issue 14: clear errors instead of stack traces', () => {
  it('item "robustness --weights with a missing file", "--layers nosuchlayer", "export --out <directory>", export overwriting', () => {
    const d = tmp('xk-rel-');
    expectUserError(xnorkit('robustness', '--sweep', 'noise', '--weights', join(d, 'missing.xnks'), '--out', join(d, 'a')), /cannot read .*missing\.xnks/);
    const run = join(d, 'run');
    expect(xnorkit('train', '--epochs', '1', ...TINY, '--out', run).code).toBe(0);
    expectUserError(xnorkit('robustness', '--sweep', 'noise', '--levels', '0.1', '--chips', '1', '--test-limit', '32', '--layers', 'nosuchlayer',
      '--weights', join(run, 'model.xnks'), '--out', join(d, 'b')), /"nosuchlayer" is not a layer of/);
    expectUserError(xnorkit('export', '--model-file', join(run, 'model.xnks'), '--out', d), /is a folder/);
    // Without --out the target is model.xnk beside it, which train wrote: not silently overwritten.
    expectUserError(xnorkit('export', '--model-file', join(run, 'model.xnks')), /model\.xnk exists; pass --force/);
    const deep = join(d, 'new', 'dir', 'm.xnk');
    expect(xnorkit('export', '--model-file', join(run, 'model.xnks'), '--out', deep).code).toBe(0);
    expect(existsSync(deep)).toBe(true);
  });

  it('item "empty dataset: train/eval exit 0 printing NaN %": an empty IDX dataset is an error', () => {
    const dir = tmp('xk-empty-');
    for (const split of ['train', 't10k']) {
      writeFileSync(join(dir, `${split}-images-idx3-ubyte`), Buffer.from([0, 0, 8, 3, 0, 0, 0, 0, 0, 0, 0, 28, 0, 0, 0, 28]));
      writeFileSync(join(dir, `${split}-labels-idx1-ubyte`), Buffer.from([0, 0, 8, 1, 0, 0, 0, 0]));
    }
    const r = xnorkit('train', '--float', '--data-dir', dir, '--quiet', '--out', join(dir, 'out'));
    expectUserError(r, /empty|0 samples|no images/i);
    expect(r.stdout + r.stderr).not.toMatch(/NaN/);
  });
});

describe('issue 14: signals keep completed epochs; a busy --out is refused (acceptance 3)', () => {
  /** Starts a training run, resolves when its results.json shows a completed epoch. */
  function startRun(out: string, epochs: number) {
    const child = spawn(process.execPath, [...CLI, 'train', '--epochs', String(epochs), ...TINY, '--out', out], { cwd: root });
    let stderr = '';
    child.stderr.on('data', (b) => { stderr += b; });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const firstEpoch = new Promise<void>((resolve, reject) => {
      const t = setInterval(() => {
        try {
          if (JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')).epochs >= 1) { clearInterval(t); resolve(); }
        } catch { /* not yet */ }
      }, 50);
      void exited.then(() => { clearInterval(t); reject(new Error(`exited before an epoch: ${stderr}`)); });
    });
    return { child, exited, firstEpoch, stderr: () => stderr };
  }

  for (const signals of [['SIGTERM'], ['SIGHUP'], ['SIGTERM', 'SIGTERM']] as const) {
    it(`item "SIGTERM/SIGHUP end train with only config.json", "a second Ctrl-C loses completed epochs": ${signals.join(' + ')}`, async () => {
      const out = join(tmp('xk-sig-'), 'run');
      const run = startRun(out, 40);
      await run.firstEpoch;
      for (const s of signals) run.child.kill(s);
      const code = await run.exited;
      expect(code, run.stderr()).toBe(130);
      const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
      expect(res.epochs).toBeGreaterThanOrEqual(1);
      const st = loadTrainingState(readFileSync(join(out, 'model.xnks')));
      expect(st.epoch).toBe(res.epochs);
      st.model.dispose();
      st.optimizer?.dispose();
      expect(existsSync(join(out, 'model.xnk'))).toBe(true);
      expect(allFiles(out).filter((f) => f.endsWith('.tmp') || f === '.xnorkit.lock')).toEqual([]);
    }, 180_000);
  }

  it('item "two runs with the same --out mix their files": the second run is refused while the first runs', async () => {
    const out = join(tmp('xk-lock-'), 'run');
    const run = startRun(out, 40);
    await run.firstEpoch;
    const second = xnorkit('train', '--epochs', '1', ...TINY, '--out', out);
    run.child.kill('SIGTERM');
    await run.exited;
    expectUserError(second, /run folder .* is in use by process \d+ \(xnorkit train/);
    // A later run moves the earlier files to previous/, never mixing them.
    expect(xnorkit('train', '--epochs', '1', ...TINY, '--out', out).code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['config.json', 'model.xnk', 'model.xnks', 'previous', 'results.json']);
    const prev = readdirSync(join(out, 'previous'));
    expect(prev.length).toBe(1);
    expect(readdirSync(join(out, 'previous', prev[0]))).toContain('results.json');
  }, 180_000);
});

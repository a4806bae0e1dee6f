// Runs the xnorkit CLI from source as a child process, and compares
// robustness results.json files on everything but timings and paths.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const root = join(import.meta.dirname, '..', '..');

export interface Run { code: number | null; stdout: string; stderr: string }

export function start(args: string[]): { child: ChildProcess; done: Promise<Run>; stderr: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args], { cwd: root });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => { stdout += d; });
  child.stderr!.on('data', (d) => { stderr += d; });
  const done = new Promise<Run>((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
  return { child, done, stderr: () => stderr };
}

export function xnorkit(...args: string[]): Promise<Run> {
  return start(args).done;
}

/** A tiny hardware-aware grid: 2 train levels (standard, noise-aware) x 3 noise levels x 6 chips. */
export const STUDY = [
  'robustness', '--sweep', 'noise', '--levels', '0.25,0.5,1', '--train-levels', '0,0.5', '--epochs', '1', '--batch-size', '32',
  '--limit', '400', '--test-limit', '120', '--chips', '6', '--threads', '1',
];

export function readResults(dir: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as Record<string, unknown>;
}

/** What must be equal between a single-process and a distributed run: every number of the study, no timings or file paths. */
export function comparable(r: Record<string, unknown>): unknown {
  const points = (r.points as Record<string, unknown>[]).map(({ seconds: _s, ...p }) => p);
  const models = (r.models as Record<string, unknown>[]).map((m) => ({ train_level: m.train_level, clean_accuracy: m.clean_accuracy }));
  const keep = ['sweep', 'model', 'float', 'dataset', 'test_samples', 'levels', 'chips', 'chip_seed', 'engine', 'yield_threshold', 'perturbation', 'training', 'interrupted'];
  return { ...Object.fromEntries(keep.map((k) => [k, r[k]])), models, points };
}

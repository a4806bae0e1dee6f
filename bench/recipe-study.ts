// The BNN recipe study (issue 16): binarized larq-mnist, full MNIST, 6 epochs,
// batch 64, one change at a time against the earlier default (`standard`:
// Adam 1e-3 with cosine decay), and the `bnn` recipe with each of its changes
// taken out again. Every run is one `xnorkit train` process (niced, one
// thread); results go to bench/results/recipe-study.json after each run, and
// a rerun skips what is there, so the study survives interruptions.
//
//   npx tsx bench/recipe-study.ts [--jobs 2] [--seeds 1,2,3] [--only name,...] [--epochs 6] [--limit N]
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { writeJsonAtomic } from '../src/util/files.js';
import { join } from 'node:path';

interface Variant {
  name: string;
  /** What the variant changes, for the table. */
  change: string;
  args: string[];
}

// Every variant names its settings in full (no `auto`), so the study keeps
// meaning the same thing when the default recipe changes.
export const VARIANTS: Variant[] = [
  { name: 'larq', change: 'Larq tutorial exactly (constant lr 1e-3)', args: ['--recipe', 'larq'] },
  { name: 'standard', change: 'earlier default: cosine decay 1e-3 → 0', args: ['--recipe', 'standard'] },
  { name: 'bn0.9', change: 'standard + BatchNorm momentum 0.9', args: ['--recipe', 'standard', '--bn-momentum', '0.9'] },
  { name: 'lr3e-3', change: 'standard + peak lr 3e-3', args: ['--recipe', 'standard', '--lr', '3e-3'] },
  { name: 'warmup', change: 'standard + 1 warm-up epoch', args: ['--recipe', 'standard', '--warmup-epochs', '1'] },
  { name: 'shift1', change: 'standard + random shifts ±1 px', args: ['--recipe', 'standard', '--augment-shift', '1'] },
  { name: 'init-small', change: 'standard + latent kernels uniform ±0.05', args: ['--recipe', 'standard', '--kernel-initializer', 'random_uniform'] },
  { name: 'bop-tuned', change: 'standard + Bop τ 1e-6, γ 1e-3 for binary kernels', args: ['--recipe', 'standard', '--optimizer', 'bop', '--bop-threshold', '1e-6', '--bop-gamma', '1e-3'] },
  { name: 'bn0.9+lr3e-3', change: 'BatchNorm momentum 0.9 + peak lr 3e-3', args: ['--recipe', 'standard', '--bn-momentum', '0.9', '--lr', '3e-3'] },
  { name: 'bn0.9+shift1', change: 'BatchNorm momentum 0.9 + shifts ±1 px', args: ['--recipe', 'standard', '--bn-momentum', '0.9', '--augment-shift', '1'] },
];

interface Row {
  variant: string;
  seed: number;
  test_accuracy: number;
  train_accuracy_last: number;
  flip_ratio_last: number | null;
  train_seconds: number;
  args: string[];
  date: string;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const OUT = join('bench', 'results', 'recipe-study.json');
const jobs = Number(arg('jobs') ?? 1);
const seeds = (arg('seeds') ?? '1,2,3').split(',').map(Number);
const only = arg('only')?.split(',');
const epochs = Number(arg('epochs') ?? 6);
const limit = arg('limit');
const tag = `e${epochs}${limit ? `-n${limit}` : ''}`;

function load(): { rows: Row[] } & Record<string, unknown> {
  return existsSync(OUT) ? JSON.parse(readFileSync(OUT, 'utf8')) : { rows: [] };
}

function save(row: Row & { tag: string }): void {
  const all = load();
  all.rows.push(row);
  all.model = 'larq-mnist (binary, ste_sign)';
  all.setup = 'full MNIST unless tag says -nN, batch 64, --threads 1, nice -n 10; tag eE = E epochs';
  mkdirSync(join('bench', 'results'), { recursive: true });
  writeJsonAtomic(OUT, all);
}

function rowOf(v: Variant, seed: number, r: { test_accuracy: number; train_seconds: number; history: { accuracy: number; flip_ratio?: number }[] }): Row & { tag: string } {
  const last = r.history[r.history.length - 1];
  return {
    variant: v.name, tag, seed, test_accuracy: r.test_accuracy, train_accuracy_last: last.accuracy, flip_ratio_last: last.flip_ratio ?? null,
    train_seconds: r.train_seconds, args: v.args, date: new Date().toISOString(),
  };
}

/** Runs whose process finished (results.json written) but whose row is missing, e.g. when the study itself was stopped. */
function importFinished(): void {
  const have = new Set(load().rows.map((r) => `${r.variant}|${(r as Row & { tag?: string }).tag}|${r.seed}`));
  for (const v of VARIANTS) {
    for (const seed of [1, 2, 3]) {
      const f = join('runs', 'recipe-study', `${v.name}-${tag}-s${seed}`, 'results.json');
      if (have.has(`${v.name}|${tag}|${seed}`) || !existsSync(f)) continue;
      const r = JSON.parse(readFileSync(f, 'utf8'));
      if (r.interrupted || typeof r.test_accuracy !== 'number') continue;
      save(rowOf(v, seed, r));
      console.log(`${v.name} seed ${seed}: imported from ${f}`);
    }
  }
}

function runOne(v: Variant, seed: number): Promise<void> {
  const out = join('runs', 'recipe-study', `${v.name}-${tag}-s${seed}`);
  const args = ['-n', '10', process.execPath, 'dist/cli/main.js', 'train', '--dataset', 'mnist', '--model', 'larq-mnist', '--epochs', String(epochs),
    '--batch-size', '64', '--seed', String(seed), '--threads', '1', '--quiet', '--json', '--out', out, ...(limit ? ['--limit', limit] : []), ...v.args];
  return new Promise((resolve, reject) => {
    const child = spawn('nice', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (d: Buffer) => { text += d.toString(); });
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${v.name} seed ${seed}: exit ${code}`));
      const r = JSON.parse(text);
      const last = r.history[r.history.length - 1];
      save(rowOf(v, seed, r));
      console.log(`${v.name} seed ${seed}: test ${(100 * r.test_accuracy).toFixed(2)} %, train ${(100 * last.accuracy).toFixed(2)} %, ${r.train_seconds.toFixed(0)} s`);
      resolve();
    });
  });
}

/** The Markdown table of what is recorded: one row per variant, seeds as columns. */
function table(): string {
  const rows = load().rows as (Row & { tag: string })[];
  const tags = [...new Set(rows.map((r) => r.tag))];
  const lines: string[] = [];
  for (const t of tags) {
    lines.push(`${t}:`, '', '| variant | change | seed 1 | seed 2 | seed 3 | mean | train acc. (last epoch, seed 1) | flip ratio (last epoch, seed 1) |', '|---|---|---|---|---|---|---|---|');
    for (const v of VARIANTS) {
      const rs = rows.filter((r) => r.tag === t && r.variant === v.name);
      if (rs.length === 0) continue;
      const at = (s: number) => rs.find((r) => r.seed === s);
      const pct = (x: number | undefined) => (x === undefined ? '—' : `${(100 * x).toFixed(2)} %`);
      const mean = rs.length === 3 ? pct(rs.reduce((a, r) => a + r.test_accuracy, 0) / 3) : '—';
      const s1 = at(1);
      lines.push(`| ${v.name} | ${v.change} | ${pct(at(1)?.test_accuracy)} | ${pct(at(2)?.test_accuracy)} | ${pct(at(3)?.test_accuracy)} | ${mean} | ` +
        `${pct(s1?.train_accuracy_last)} | ${s1?.flip_ratio_last != null ? s1.flip_ratio_last.toFixed(5) : '—'} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  importFinished();
  if (process.argv.includes('--table')) {
    console.log(table());
    return;
  }
  const done = new Set(load().rows.map((r) => `${r.variant}|${(r as Row & { tag?: string }).tag}|${r.seed}`));
  const variants = VARIANTS.filter((v) => !only || only.includes(v.name));
  // Seed-major: every variant's first seed before any second seed.
  const queue: [Variant, number][] = [];
  for (const s of seeds) for (const v of variants) if (!done.has(`${v.name}|${tag}|${s}`)) queue.push([v, s]);
  console.log(`${queue.length} runs to do (${done.size} recorded), ${jobs} at a time`);
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) await runOne(next[0], next[1]);
  };
  await Promise.all(Array.from({ length: jobs }, worker));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

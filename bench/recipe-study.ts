// The BNN recipe study (issue 16): larq-mnist (binarized unless a variant
// says float) on MNIST and Fashion-MNIST, batch 64, one change at a time
// against a base recipe. Every run is one `xnorkit train` process (niced,
// one thread); its row (command, resolved recipe, accuracy, seed, time) goes
// to bench/results/recipe-study.json as soon as it finishes, and a rerun
// skips what is recorded, so the study survives interruptions. Rows are
// never dropped: variants that did not help stay in the file and the table.
//
//   npx tsx bench/recipe-study.ts [--only name,...] [--seeds 1,2,3] [--epochs 6] [--limit N] [--jobs 1]
//   npx tsx bench/recipe-study.ts --table
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { writeJsonAtomic } from '../src/util/files.js';
import { join } from 'node:path';

type DatasetName = 'mnist' | 'fashion-mnist';

interface Variant {
  name: string;
  /** What the variant changes, for the table. */
  change: string;
  /** Default mnist. */
  dataset?: DatasetName;
  /** The float twin instead of the binarized model. */
  float?: boolean;
  /** Default 64, the acceptance commands' batch size. */
  batchSize?: number;
  args: string[];
}

// Every variant names its recipe in full (never `auto`), so the study keeps
// meaning the same thing when the default recipe changes; `bnn + …` below
// means session 2's bnn (standard + BN momentum 0.9), spelled out. The
// `accept-*` rows are the exception: the acceptance commands of issue 16
// with the defaults of their commit; each row records the recipe they
// resolved to.
export const VARIANTS: Variant[] = [
  // MNIST, binarized (session 2).
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
  // Fashion-MNIST, binarized (session 3): one change at a time against bnn.
  { name: 'f-bnn', dataset: 'fashion-mnist', change: 'session-2 bnn: Adam 1e-3 cosine, BN momentum 0.9', args: ['--recipe', 'standard', '--bn-momentum', '0.9'] },
  { name: 'f-lr3e-3', dataset: 'fashion-mnist', change: 'bnn + peak lr 3e-3', args: ['--recipe', 'standard', '--bn-momentum', '0.9', '--lr', '3e-3'] },
  { name: 'f-lr1e-2', dataset: 'fashion-mnist', change: 'bnn + peak lr 1e-2', args: ['--recipe', 'standard', '--bn-momentum', '0.9', '--lr', '1e-2'] },
  { name: 'f-flip', dataset: 'fashion-mnist', change: 'bnn + horizontal flips', args: ['--recipe', 'standard', '--bn-momentum', '0.9', '--augment-flip'] },
  { name: 'f-init-small', dataset: 'fashion-mnist', change: 'bnn + latent kernels uniform ±0.05', args: ['--recipe', 'standard', '--bn-momentum', '0.9', '--kernel-initializer', 'random_uniform'] },
  { name: 'f-bop', dataset: 'fashion-mnist', change: 'bnn + Bop τ 1e-6, γ 1e-3 for binary kernels', args: ['--recipe', 'standard', '--bn-momentum', '0.9', '--optimizer', 'bop', '--bop-threshold', '1e-6', '--bop-gamma', '1e-3'] },
  { name: 'f-lr3e-2', dataset: 'fashion-mnist', change: 'bnn + peak lr 3e-2', args: ['--recipe', 'standard', '--bn-momentum', '0.9', '--lr', '3e-2'] },
  { name: 'f-lr1e-2-shift1', dataset: 'fashion-mnist', change: 'bnn + peak lr 1e-2 + shifts ±1 px', args: ['--recipe', 'standard', '--bn-momentum', '0.9', '--lr', '1e-2', '--augment-shift', '1'] },
  { name: 'f-lr1e-2-bn0.99', dataset: 'fashion-mnist', change: 'bnn + peak lr 1e-2, BN momentum 0.99', args: ['--recipe', 'standard', '--lr', '1e-2'] },
  { name: 'f-lr5e-3', dataset: 'fashion-mnist', change: 'bnn + peak lr 5e-3', args: ['--recipe', 'standard', '--bn-momentum', '0.9', '--lr', '5e-3'] },
  { name: 'f-lr1e-2-warmup', dataset: 'fashion-mnist', change: 'bnn + peak lr 1e-2 after 1 warm-up epoch', args: ['--recipe', 'standard', '--bn-momentum', '0.9', '--lr', '1e-2', '--warmup-epochs', '1'] },
  { name: 'f-lr1e-2-init-small', dataset: 'fashion-mnist', change: 'bnn + peak lr 1e-2 + latent kernels uniform ±0.05', args: ['--recipe', 'standard', '--bn-momentum', '0.9', '--lr', '1e-2', '--kernel-initializer', 'random_uniform'] },
  // Session 4: the 3-epoch leads at 6 epochs, and the warm-up with other peaks.
  { name: 'f-lr2e-2-warmup', dataset: 'fashion-mnist', change: 'bnn + peak lr 2e-2 after 1 warm-up epoch', args: ['--recipe', 'standard', '--bn-momentum', '0.9', '--lr', '2e-2', '--warmup-epochs', '1'] },
  { name: 'f-lr5e-3-warmup', dataset: 'fashion-mnist', change: 'bnn + peak lr 5e-3 after 1 warm-up epoch', args: ['--recipe', 'standard', '--bn-momentum', '0.9', '--lr', '5e-3', '--warmup-epochs', '1'] },
  { name: 'f-lr1e-2-warmup2', dataset: 'fashion-mnist', change: 'bnn + peak lr 1e-2 after 2 warm-up epochs', args: ['--recipe', 'standard', '--bn-momentum', '0.9', '--lr', '1e-2', '--warmup-epochs', '2'] },
  { name: 'f-lr1e-2-warmup-b32', dataset: 'fashion-mnist', batchSize: 32, change: 'bnn + peak lr 1e-2 after 1 warm-up epoch, batch 32', args: ['--recipe', 'standard', '--bn-momentum', '0.9', '--lr', '1e-2', '--warmup-epochs', '1'] },
  { name: 'f-lr2e-2-warmup-b128', dataset: 'fashion-mnist', batchSize: 128, change: 'bnn + peak lr 2e-2 after 1 warm-up epoch, batch 128', args: ['--recipe', 'standard', '--bn-momentum', '0.9', '--lr', '2e-2', '--warmup-epochs', '1'] },
  { name: 'f-lr2e-2-warmup2', dataset: 'fashion-mnist', change: 'bnn + peak lr 2e-2 after 2 warm-up epochs', args: ['--recipe', 'standard', '--bn-momentum', '0.9', '--lr', '2e-2', '--warmup-epochs', '2'] },
  { name: 'f-lr1e-2-warmup3', dataset: 'fashion-mnist', change: 'bnn + peak lr 1e-2 after 3 warm-up epochs', args: ['--recipe', 'standard', '--bn-momentum', '0.9', '--lr', '1e-2', '--warmup-epochs', '3'] },
  { name: 'f-lr1e-2-b32', dataset: 'fashion-mnist', batchSize: 32, change: 'bnn + peak lr 1e-2, batch 32', args: ['--recipe', 'standard', '--bn-momentum', '0.9', '--lr', '1e-2'] },
  // MNIST, binarized: the Fashion-MNIST findings checked on digits.
  { name: 'm-lr2e-2-warmup2-shift1', change: 'bnn + peak lr 2e-2 after 2 warm-up epochs + shifts ±1 px', args: ['--recipe', 'standard', '--bn-momentum', '0.9', '--lr', '2e-2', '--warmup-epochs', '2', '--augment-shift', '1'] },
  { name: 'm-lr1e-2', change: 'bnn + peak lr 1e-2', args: ['--recipe', 'standard', '--bn-momentum', '0.9', '--lr', '1e-2'] },
  { name: 'm-lr5e-3', change: 'bnn + peak lr 5e-3', args: ['--recipe', 'standard', '--bn-momentum', '0.9', '--lr', '5e-3'] },
  { name: 'm-lr2e-2', change: 'bnn + peak lr 2e-2', args: ['--recipe', 'standard', '--bn-momentum', '0.9', '--lr', '2e-2'] },
  { name: 'm-lr1e-2-shift1', change: 'bnn + peak lr 1e-2 + shifts ±1 px', args: ['--recipe', 'standard', '--bn-momentum', '0.9', '--lr', '1e-2', '--augment-shift', '1'] },
  { name: 'm-lr1e-2-init-small', change: 'bnn + peak lr 1e-2 + latent kernels uniform ±0.05', args: ['--recipe', 'standard', '--bn-momentum', '0.9', '--lr', '1e-2', '--kernel-initializer', 'random_uniform'] },
  // The acceptance commands (defaults, recipe auto). The -v1 rows ran with the defaults of commit db059fc
  // (auto = bnn at peak lr 1e-2, no shifts), spelled out here.
  { name: 'accept-mnist-v1', change: 'acceptance 3 with the defaults of db059fc', args: ['--recipe', 'bnn'] },
  { name: 'accept-fashion-v1', dataset: 'fashion-mnist', change: 'acceptance 2 with the defaults of db059fc', args: ['--recipe', 'bnn'] },
  { name: 'accept-mnist', change: 'acceptance 3: the defaults (`auto`)', args: [] },
  { name: 'accept-fashion', dataset: 'fashion-mnist', change: 'acceptance 2: the defaults (`auto`)', args: [] },
  { name: 'accept-fashion-float', dataset: 'fashion-mnist', float: true, change: 'acceptance 2, --float: the defaults (`auto`)', args: [] },
  // Fashion-MNIST, float twin.
  { name: 'ff-standard', dataset: 'fashion-mnist', float: true, change: 'standard (Adam 1e-3 cosine, BN momentum 0.99)', args: ['--recipe', 'standard'] },
  { name: 'ff-flip', dataset: 'fashion-mnist', float: true, change: 'standard + horizontal flips', args: ['--recipe', 'standard', '--augment-flip'] },
  { name: 'ff-bn0.9', dataset: 'fashion-mnist', float: true, change: 'standard + BN momentum 0.9', args: ['--recipe', 'standard', '--bn-momentum', '0.9'] },
  { name: 'ff-lr3e-3', dataset: 'fashion-mnist', float: true, change: 'standard + peak lr 3e-3', args: ['--recipe', 'standard', '--lr', '3e-3'] },
  { name: 'ff-bnn', dataset: 'fashion-mnist', float: true, change: 'the new bnn: peak lr 1e-2, BN momentum 0.9', args: ['--recipe', 'standard', '--lr', '1e-2', '--bn-momentum', '0.9'] },
  { name: 'ff-shift1', dataset: 'fashion-mnist', float: true, change: 'standard + shifts ±1 px', args: ['--recipe', 'standard', '--augment-shift', '1'] },
];

interface Row {
  variant: string;
  dataset: DatasetName;
  float: boolean;
  tag: string;
  seed: number;
  test_accuracy: number;
  train_accuracy_last: number;
  flip_ratio_last: number | null;
  train_seconds: number;
  command: string;
  /** The commit the run's code came from (the defaults of accept-* rows depend on it). */
  commit: string;
  recipe: unknown;
  args: string[];
  date: string;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const OUT = join('bench', 'results', 'recipe-study.json');
const COMMIT = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim() +
  (execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim() ? ' (modified)' : '');
const jobs = Number(arg('jobs') ?? 1);
const seeds = (arg('seeds') ?? '1,2,3').split(',').map(Number);
const only = arg('only')?.split(',');
const epochs = Number(arg('epochs') ?? 6);
const limit = arg('limit');
const tag = `e${epochs}${limit ? `-n${limit}` : ''}`;

const datasetOf = (v: Variant): DatasetName => v.dataset ?? 'mnist';
/** Rows of session 2 carry no dataset: they are MNIST, binarized. */
const rowDataset = (r: Partial<Row>): DatasetName => r.dataset ?? 'mnist';
const key = (variant: string, dataset: DatasetName, t: string, seed: number) => `${variant}|${dataset}|${t}|${seed}`;

function load(): { rows: Partial<Row>[] } & Record<string, unknown> {
  return existsSync(OUT) ? JSON.parse(readFileSync(OUT, 'utf8')) : { rows: [] };
}

function save(row: Row): void {
  const all = load();
  all.rows.push(row);
  all.model = 'larq-mnist (binarized with ste_sign unless float is true)';
  all.setup = 'full training and test sets unless tag says -nN, batch 64, --threads 1, niced; tag eE = E epochs; ' +
    'rows without dataset are MNIST (session 2, nice -n 10)';
  mkdirSync(join('bench', 'results'), { recursive: true });
  writeJsonAtomic(OUT, all);
}

function commandOf(v: Variant, seed: number, out: string): string[] {
  return ['dist/cli/main.js', 'train', '--dataset', datasetOf(v), '--model', 'larq-mnist', ...(v.float ? ['--float'] : []), '--epochs', String(epochs),
    '--batch-size', String(v.batchSize ?? 64), '--seed', String(seed), '--threads', '1', '--quiet', '--json', '--out', out, ...(limit ? ['--limit', limit] : []), ...v.args];
}

function runOne(v: Variant, seed: number): Promise<void> {
  const out = join('runs', 'recipe-study', `${v.name}-${datasetOf(v)}-${tag}-s${seed}`);
  const cmd = commandOf(v, seed, out);
  return new Promise((resolve, reject) => {
    const child = spawn('nice', ['-n', '19', process.execPath, ...cmd], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (d: Buffer) => { text += d.toString(); });
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${v.name} seed ${seed}: exit ${code}`));
      const r = JSON.parse(text);
      const last = r.history[r.history.length - 1];
      save({
        variant: v.name, dataset: datasetOf(v), float: v.float ?? false, tag, seed, test_accuracy: r.test_accuracy,
        train_accuracy_last: last.accuracy, flip_ratio_last: last.flip_ratio ?? null, train_seconds: r.train_seconds,
        command: `nice -n 19 node ${cmd.join(' ')}`, commit: COMMIT, recipe: r.recipe, args: v.args, date: new Date().toISOString(),
      });
      console.log(`${v.name} (${datasetOf(v)}${v.float ? ', float' : ''}) seed ${seed}: test ${(100 * r.test_accuracy).toFixed(2)} %, ` +
        `train ${(100 * last.accuracy).toFixed(2)} %, ${r.train_seconds.toFixed(0)} s`);
      resolve();
    });
  });
}

/** The Markdown table of what is recorded: one row per variant, dataset and tag; seeds as columns. */
function table(): string {
  const rows = load().rows;
  const pct = (x: number | undefined) => (x === undefined ? '—' : `${(100 * x).toFixed(2)} %`);
  const lines = ['| dataset | model | epochs | variant | change | seed 1 | seed 2 | seed 3 | mean | train acc. (last epoch, seed 1) | flip ratio (last epoch, seed 1) | training wall s (seed 1) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|'];
  const groups = new Map<string, Partial<Row>[]>();
  for (const r of rows) {
    const k = `${rowDataset(r)}|${r.float ? 'float' : 'binary'}|${r.tag}|${r.variant}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  // Dataset, then model, then run length; variants in the order they ran.
  const order = (k: string) => k.split('|').slice(0, 3).join('|');
  const sorted = [...groups].sort(([a], [b]) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
  for (const [k, rs] of sorted) {
    const [dataset, model, t, name] = k.split('|');
    const v = VARIANTS.find((x) => x.name === name);
    const at = (s: number) => rs.find((r) => r.seed === s);
    const mean = [1, 2, 3].every((s) => at(s)) ? pct([1, 2, 3].reduce((a, s) => a + at(s)!.test_accuracy!, 0) / 3) : '—';
    const s1 = at(1);
    lines.push(`| ${dataset} | ${model} | ${t.replace(/^e/, '')} | ${name} | ${v?.change ?? '(variant no longer defined)'} | ${pct(at(1)?.test_accuracy)} | ${pct(at(2)?.test_accuracy)} | ` +
      `${pct(at(3)?.test_accuracy)} | ${mean} | ${pct(s1?.train_accuracy_last)} | ${s1?.flip_ratio_last != null ? s1.flip_ratio_last.toFixed(5) : '—'} | ${s1?.train_seconds != null ? s1.train_seconds.toFixed(0) : '—'} |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  if (process.argv.includes('--table')) {
    console.log(table());
    return;
  }
  if (only) {
    const unknown = only.filter((n) => !VARIANTS.some((v) => v.name === n));
    if (unknown.length > 0) throw new Error(`unknown variant(s): ${unknown.join(', ')}`);
  }
  const done = new Set(load().rows.map((r) => key(r.variant!, rowDataset(r), r.tag!, r.seed!)));
  const variants = VARIANTS.filter((v) => !only || only.includes(v.name));
  // Seed-major: every variant's first seed before any second seed.
  const queue: [Variant, number][] = [];
  for (const s of seeds) for (const v of variants) if (!done.has(key(v.name, datasetOf(v), tag, s))) queue.push([v, s]);
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

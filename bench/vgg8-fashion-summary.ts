// The VGG8 Fashion-MNIST study across training seeds: reads the results.json
// of each `xnorkit experiment --config bench/vgg8-fashion-study.json --seed S
// --out runs/vgg8-fashion-sS` run and prints one Markdown table: test
// accuracy of the float twin and the standard binarized model, then, per
// perturbation and level, the standard and hardware-aware models' mean
// accuracy over chips for each seed and the mean over seeds.
//
//   npx tsx bench/vgg8-fashion-summary.ts [--seeds 1,2,3] [--dir runs]
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

interface Point { level: number; train_level: number | null; mean: number }
interface Sweep { levels: number[]; points: Point[]; models: { train_level: number | null }[] }
interface Results {
  status: string;
  float: { test_accuracy: number };
  binary: { test_accuracy: number };
  hardware: Record<'noise' | 'variation' | 'saturation', Sweep>;
}

const dir = arg('dir') ?? 'runs';
const seeds = (arg('seeds') ?? '1,2,3').split(',').map(Number);
const runs = seeds
  .map((s) => ({ seed: s, file: join(dir, `vgg8-fashion-s${s}`, 'results.json') }))
  .filter((r) => existsSync(r.file))
  .map((r) => ({ seed: r.seed, res: JSON.parse(readFileSync(r.file, 'utf8')) as Results }))
  // A run still going (or stopped) has no complete sweeps yet.
  .filter((r) => r.res.status === 'complete');
if (runs.length === 0) throw new Error(`no complete results.json under ${dir}/vgg8-fashion-s{${seeds.join(',')}}`);

const pct = (x: number) => `${(100 * x).toFixed(2)} %`;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const head = `| | level | ${runs.map((r) => `seed ${r.seed}`).join(' | ')} | mean |`;
const rule = `|---|---|${runs.map(() => '---|').join('')}---|`;
const lines = [head, rule];
for (const role of ['float', 'binary'] as const) {
  const xs = runs.map((r) => r.res[role].test_accuracy);
  lines.push(`| ${role === 'float' ? 'float twin' : 'binarized, standard'}: test accuracy | — | ${xs.map(pct).join(' | ')} | ${pct(mean(xs))} |`);
}
for (const kind of ['noise', 'variation', 'saturation'] as const) {
  const sweep = runs[0].res.hardware[kind];
  for (const m of sweep.models) {
    const label = m.train_level === null ? `${kind}, standard` : `${kind}, aware (trained at ${m.train_level})`;
    for (const level of sweep.levels) {
      const xs = runs.map((r) => r.res.hardware[kind].points.find((p) => p.level === level && p.train_level === m.train_level)!.mean);
      lines.push(`| ${label} | ${level} | ${xs.map(pct).join(' | ')} | ${pct(mean(xs))} |`);
    }
  }
}
console.log(lines.join('\n'));

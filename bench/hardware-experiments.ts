// The experiments of issue 5 (EXPERIMENTS.md, "Hardware non-idealities"),
// run one after another (one training at a time: the machine has two cores
// shared with others). Each is one `xnorkit robustness` command; trained
// models are cached in runs/models and reused by later runs with the same
// recipe. Results: runs/hw/<name>/results.json; tables: bench/hardware-report.ts.
//
//   npx tsx bench/hardware-experiments.ts [noise] [variation] [saturation] [bitflips] [speed]
import { spawnSync } from 'node:child_process';

// The tables of EXPERIMENTS.md H1-H4 were trained with the Larq tutorial's
// constant learning rate; the *-cosine runs repeat the key comparisons with
// the cosine schedule that `xnorkit train` uses by default.
const common = ['--model', 'larq-mnist', '--epochs', '6', '--seed', '1', '--chip-seed', '1', '--lr-schedule', 'constant'];
const experiments: Record<string, string[]> = {
  // Acceptance 2: train-noise x inference-noise grid (noise on the output of every conv/dense layer, sigma x its std).
  noise: ['robustness', '--sweep', 'noise', '--train-levels', '0,0.1,0.2,0.3', '--levels', '0,0.1,0.2,0.3,0.4', '--chips', '20'],
  // Acceptance 3: multiplicative variation of every binary weight, fixed per chip; aware training redraws it every step.
  variation: ['robustness', '--sweep', 'variation', '--train-levels', '0,0.25,0.5', '--levels', '0,0.1,0.25,0.5,0.75,1', '--chips', '20'],
  // Acceptance 3: signed accumulators of every layer saturating at b bits (deterministic: one chip is the population).
  saturation: ['robustness', '--sweep', 'saturation', '--train-levels', '0,5,6', '--levels', '4,5,6,7,8,10,12,16', '--chips', '1'],
  // Acceptance 2 again with another training seed (the grid above uses seed 1 only).
  'noise-seed2': ['robustness', '--sweep', 'noise', '--train-levels', '0,0.2', '--levels', '0,0.2', '--chips', '20', '--seed', '2'],
  // Bit errors in the stored binary weights, 100 chips per rate on the XNOR path.
  'noise-cosine': ['robustness', '--sweep', 'noise', '--train-levels', '0,0.2', '--levels', '0,0.1,0.2,0.3', '--chips', '20', '--lr-schedule', 'cosine'],
  'variation-cosine': ['robustness', '--sweep', 'variation', '--train-levels', '0,0.5', '--levels', '0.25,0.5,0.75', '--chips', '20', '--lr-schedule', 'cosine'],
  'saturation-cosine': ['robustness', '--sweep', 'saturation', '--train-levels', '0,6', '--levels', '5,6,7,8', '--chips', '1', '--lr-schedule', 'cosine'],
  bitflips: ['robustness', '--sweep', 'bitflips', '--train-levels', '0', '--levels', '0.0001,0.0003,0.001,0.003,0.01,0.03,0.1', '--chips', '100'],
};

const names = process.argv.slice(2);
for (const name of names.length ? names : [...Object.keys(experiments), 'speed']) {
  const args = name === 'speed'
    ? ['tsx', 'bench/hardware-speed.ts', '--chips', '100', '--rate', '1e-4,1e-3,1e-2', '--float-chips', '5']
    : experiments[name] ? ['tsx', 'src/cli/main.ts', experiments[name][0], ...common, ...experiments[name].slice(1), '--out', `runs/hw/${name}`] : null;
  if (!args) throw new Error(`unknown experiment "${name}" (known: ${Object.keys(experiments).join(', ')}, speed)`);
  process.stderr.write(`\n=== ${name}: npx ${args.join(' ')}\n`);
  const r = spawnSync('npx', args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

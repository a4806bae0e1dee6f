// Hardware sweeps of saved models of the VGG8 Fashion-MNIST study (standard
// and, when present, hardware-aware states of runs/vgg8-fashion-s1): Monte-
// Carlo accuracy over simulated chips with 95 % CIs, one perturbation kind per
// process so that kinds run side by side; every point is written to
// bench/results/vgg8-fashion-sweeps.json as it finishes (resumable).
//
//   npx tsx bench/vgg8-fashion-sweeps.ts --kind noise|variation|saturation [--levels 0.25,0.5] [--chips 20] [--test 200] [--states binary.xnks,hw-noise-0.5.xnks]
import { existsSync, readFileSync, mkdirSync } from 'node:fs';
import { writeJsonAtomic } from '../src/util/files.js';
import { join } from 'node:path';
import { loadTrainingState } from '../src/nn/checkpoint.js';
import { loadDataset } from '../src/data/loadDataset.js';
import { runSweep, type SweepKind, type SweepPoint } from '../src/hardware/sweeps.js';
import { setThreads } from '../src/wasm/threads.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const kind = arg('kind') as SweepKind;
const defaults: Record<string, number[]> = { noise: [0.25, 0.5], variation: [0.25, 0.5], saturation: [6, 8, 10, 12] };
const levels = (arg('levels') ?? defaults[kind].join(',')).split(',').map(Number);
const chips = kind === 'saturation' ? 1 : Number(arg('chips') ?? 20);
const testN = Number(arg('test') ?? 200);
const dir = arg('run') ?? join('runs', 'vgg8-fashion-s1');
const states = (arg('states') ?? 'binary.xnks').split(',');
const OUT = join('bench', 'results', 'vgg8-fashion-sweeps.json');
const PERT = { noise: { layers: 'all', relative: true }, variation: { layers: 'all', variationModel: 'multiplicative', variationBinary: 'analog' }, saturation: { layers: 'all', overflow: 'saturate' } } as const;

setThreads(1);
const test = loadDataset('fashion-mnist', { split: 'test', limit: testN });
for (const s of states) {
  const file = join(dir, s);
  if (!existsSync(file)) { console.error(`${file} missing, skipped`); continue; }
  const st = loadTrainingState(readFileSync(file));
  const trainLevel = s === 'binary.xnks' ? null : Number(s.replace(/^hw-[a-z]+-/, '').replace(/\.xnks$/, ''));
  for (const level of levels) {
    const all = existsSync(OUT) ? JSON.parse(readFileSync(OUT, 'utf8')) : { setup: { run: dir, test_images: testN, chip_seed: 1 }, points: [] };
    if (all.points.some((p: { kind: string; state: string; level: number }) => p.kind === kind && p.state === s && p.level === level)) continue;
    const r = runSweep([{ trainLevel, model: st.model }], test, { kind, levels: [level], chips, seed: 1, engine: 'xnor', ...PERT[kind as 'noise'] } as never);
    const p: SweepPoint = r.points[0];
    const now = existsSync(OUT) ? JSON.parse(readFileSync(OUT, 'utf8')) : all;
    now.points.push({ kind, state: s, ...p, date: new Date().toISOString() });
    mkdirSync(join('bench', 'results'), { recursive: true });
    writeJsonAtomic(OUT, now);
    console.log(`${kind} ${s} level ${level}: mean ${(100 * p.mean).toFixed(2)} % [${(100 * p.ci95[0]).toFixed(2)}, ${(100 * p.ci95[1]).toFixed(2)}], clean ${(100 * p.clean_accuracy).toFixed(2)} %`);
  }
  st.model.dispose();
}

// Markdown tables for EXPERIMENTS.md from `xnorkit robustness` results:
// one row per training level, one column per inference level, each cell
// "mean % [95 % CI] (p5)"; plus the clean accuracy of each model.
//
//   npx tsx bench/hardware-report.ts runs/hw/noise-grid/results.json [more results.json ...]
import { readFileSync } from 'node:fs';

interface Point { level: number; train_level: number | null; mean: number; std: number; p5: number; yield: number; ci95: [number, number]; clean_accuracy: number; chips: number }
interface Results { sweep: string; model: string; chips: number; chip_seed: number; engine: string; test_samples: number; yield_threshold: number; points: Point[]; models: { train_level: number | null; clean_accuracy: number; train_seconds?: number }[]; interrupted: boolean; seconds?: number }

const pct = (x: number) => (100 * x).toFixed(2);

for (const file of process.argv.slice(2)) {
  const r = JSON.parse(readFileSync(file, 'utf8')) as Results;
  const levels = [...new Set(r.points.map((p) => p.level))];
  const trains = [...new Set(r.points.map((p) => p.train_level))];
  const unit = { noise: 'σ (× output std)', variation: 'σ', saturation: 'accumulator bits', bitflips: 'bit-error rate' }[r.sweep] ?? 'level';
  console.log(`\n**${r.sweep}** — ${r.model}, ${r.test_samples} test images, ${r.chips} chips (chip seed ${r.chip_seed}), engine ${r.engine}` +
    `${r.interrupted ? ' — INTERRUPTED, partial' : ''}. Cells: mean accuracy % [95 % CI] (p5); yield = share of chips ≥ ${pct(r.yield_threshold)} %.\n`);
  console.log(`| trained at \\ inference ${unit} | clean | ${levels.join(' | ')} |`);
  console.log(`|---|---|${levels.map(() => '---').join('|')}|`);
  for (const t of trains) {
    const row = levels.map((l) => {
      const p = r.points.find((q) => q.level === l && q.train_level === t);
      return p ? `${pct(p.mean)} [${pct(p.ci95[0])}, ${pct(p.ci95[1])}] (${pct(p.p5)}; y ${p.yield.toFixed(2)})` : '—';
    });
    const clean = r.models.find((m) => m.train_level === t)?.clean_accuracy ?? r.points.find((q) => q.train_level === t)?.clean_accuracy;
    console.log(`| ${t ?? '?'} | ${clean !== undefined ? pct(clean) : '—'} | ${row.join(' | ')} |`);
  }
}

// Charts of "Your plan, step by step" (schema.ts PlanResults): accuracy with
// output noise on each single layer and on all layers (bars with the 95 %
// interval of the chip mean), and accuracy vs dense-only variation and vs
// multiplier bits for the standard and the scenario-trained models (lines).
import type { TopLevelSpec } from 'vega-lite';
import type { ExperimentResults, PlanSweep } from './schema.js';
import { base, COLORS } from './chartStyle.js';

export interface PlanChart {
  id: string;
  title: string;
  caption: string;
  spec: TopLevelSpec;
}

function noiseBars(r: ExperimentResults): TopLevelSpec | null {
  const n = r.plan?.noise;
  if (!n || n.rows.length === 0) return null;
  const rows = n.rows.map((x) => ({ layers: x.layers === 'all' ? 'all layers' : x.layers, mean: 100 * x.point.mean, lo: 100 * x.point.ci95[0], hi: 100 * x.point.ci95[1] }));
  const x = { field: 'layers', type: 'nominal', title: `noise σ = ${n.sigma} on the output of`, sort: null, axis: { labelAngle: -30 } } as const;
  return {
    ...base,
    width: 330, height: 190,
    data: { values: rows },
    layer: [
      { mark: { type: 'bar', color: COLORS[0] }, encoding: { x, y: { field: 'mean', type: 'quantitative', title: 'test accuracy (%)' } } },
      { mark: { type: 'rule', color: COLORS[1], strokeWidth: 2 }, encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } },
    ],
  } as TopLevelSpec;
}

export function planTrainLabel(level: number | null, unit: string): string {
  return level === null ? 'standard training' : `trained at ${unit === 'bits' ? `${level} bits` : `σ=${level}`}`;
}

function lines(s: PlanSweep | null, xTitle: string, unit: string): TopLevelSpec | null {
  if (!s || s.points.length === 0) return null;
  const rows = s.points.map((p) => ({ level: p.level, training: planTrainLabel(p.train_level, unit), mean: 100 * p.mean, lo: 100 * p.ci95[0], hi: 100 * p.ci95[1] }));
  const x = { field: 'level', type: 'quantitative', title: xTitle, scale: { zero: false } } as const;
  const color = { field: 'training', type: 'nominal', scale: { range: COLORS }, title: null, legend: { orient: 'bottom', direction: 'vertical' } } as const;
  return {
    ...base,
    width: 270, height: 190,
    resolve: { legend: { color: 'independent' } },
    data: { values: rows },
    layer: [
      { mark: { type: 'area', opacity: 0.3, clip: true }, encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color: { ...color, legend: null } } },
      { mark: { type: 'line', point: true, clip: true }, encoding: { x, y: { field: 'mean', type: 'quantitative', title: 'test accuracy (%)', scale: { zero: false } }, color } },
    ],
  } as TopLevelSpec;
}

/** The plan's charts that have data. */
export function planCharts(r: ExperimentResults): PlanChart[] {
  const p = r.plan;
  if (!p) return [];
  const out: PlanChart[] = [];
  const noise = noiseBars(r);
  if (noise) {
    out.push({
      id: 'plan-noise', title: 'Step 1: output noise on one layer, or on all', spec: noise,
      caption: `Mean test accuracy of the standard model over ${p.chips} simulated chips with noise on the output of that layer only (or of all layers); red: 95 % confidence interval of the mean.`,
    });
  }
  const dv = lines(p.dense_variation, 'σ of the dense layers\' weight variation', 'sigma');
  if (dv) {
    out.push({
      id: 'plan-dense-variation', title: 'Step 2: process variation of the dense layers only', spec: dv,
      caption: `Mean test accuracy over ${p.chips} chips (band: 95 % confidence interval of the mean), standard vs variation-aware training on the dense layers.`,
    });
  }
  const mp = lines(p.multiplier, p.multiplier?.level_label ?? 'multiplier bits', 'bits');
  if (mp) {
    out.push({
      id: 'plan-multiplier', title: 'Step 3: the saturating multiplier', spec: mp,
      caption: 'Test accuracy vs the width of the product register; deterministic (every chip computes the same numbers), one chip per point. Standard vs multiplier-aware training.',
    });
  }
  return out;
}

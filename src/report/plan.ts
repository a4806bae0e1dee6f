// "Your plan, step by step": the report section of the user's three
// scenarios (schema.ts PlanResults), as blocks that the HTML and the
// Markdown report render alike: each step's assumption, tables and chart.
import type { ExperimentResults, PlanSweep } from './schema.js';
import { pct, num } from './format.js';
import { planTrainLabel } from './planCharts.js';

export type PlanBlock =
  | { h3: string }
  | { p: string }
  | { table: { head: string[]; rows: string[][] } }
  | { chart: string };

export const PLAN_TITLE = 'Your plan, step by step';

const POINT_HEAD = ['model', 'level', 'mean ± std over chips', '95 % CI of the mean', 'p5', 'min – max'];

function sweepBlocks(s: PlanSweep, unit: string): PlanBlock[] {
  return [
    { p: `Assumption: ${s.assumption}` },
    { p: `Levels: ${s.level_label}.${s.complete ? '' : ' Incomplete: the run stopped during this step.'}` },
    {
      table: {
        head: ['model', 'clean test accuracy', 'training'],
        rows: s.models.map((m) => [planTrainLabel(m.train_level, unit), pct(m.clean_accuracy), m.train_seconds === null ? 'the run\'s quantized model' : `${num(m.train_seconds)} s`]),
      },
    },
    {
      table: {
        head: POINT_HEAD,
        rows: s.points.map((p) => [planTrainLabel(p.train_level, unit), String(p.level), `${pct(p.mean)} ± ${pct(p.std)}`,
          `${pct(p.ci95[0])} – ${pct(p.ci95[1])}`, pct(p.p5), `${pct(p.min)} – ${pct(p.max)}`]),
      },
    },
  ];
}

/** The section's blocks, or null when the run has no plan results. */
export function planBlocks(r: ExperimentResults): PlanBlock[] | null {
  const plan = r.plan;
  if (!plan) return null;
  const out: PlanBlock[] = [{
    p: `Your three hardware ideas, in your order, on this run's quantized model (seed ${r.seed}) and on models trained for each ` +
      `(same data, schedule and seed), over ${plan.chips} simulated chips on ${plan.test_samples.toLocaleString('en-US')} test images. ` +
      `One seed only: for differences between models, see ${plan.studies}`,
  }];
  out.push({ h3: 'Step 1 — Gaussian noise on the output of some or all layers' });
  const n = plan.noise;
  if (!n) out.push({ p: 'Not run.' });
  else {
    out.push({ p: `Assumption: ${n.assumption}` });
    const clean = n.clean_standard;
    out.push({
      table: {
        head: ['noise on', 'mean ± std over chips', '95 % CI of the mean', 'p5', 'change from clean'],
        rows: n.rows.map((x) => [x.layers === 'all' ? 'all conv/dense layers' : x.layers, `${pct(x.point.mean)} ± ${pct(x.point.std)}`,
          `${pct(x.point.ci95[0])} – ${pct(x.point.ci95[1])}`, pct(x.point.p5),
          `${(100 * (x.point.mean - x.point.clean_accuracy)).toFixed(2)} points`]),
      },
    });
    const single = n.rows.filter((x) => x.layers !== 'all');
    if (single.length > 0) {
      const worst = single.reduce((a, b) => (b.point.mean < a.point.mean ? b : a));
      out.push({ p: `The single layer whose output noise costs most here: ${worst.layers} (${pct(worst.point.mean)} vs ${pct(worst.point.clean_accuracy)} clean).` });
    }
    if (clean !== null && n.clean_noise_trained !== null) {
      const d = 100 * (n.clean_noise_trained - clean);
      out.push({
        p: `Does noise in training help the model generalize? Clean test accuracy (no noise at inference): standard ${pct(clean)}, ` +
          `trained with noise σ=${n.noise_train_sigma} on every layer ${pct(n.clean_noise_trained)} (${d >= 0 ? '+' : ''}${d.toFixed(2)} points). ` +
          'One seed cannot tell a difference this size from seed-to-seed spread; the 3-seed study with a paired t-test is in EXPERIMENTS.md.',
      });
    }
    out.push({ chart: 'plan-noise' });
  }
  out.push({ h3: 'Step 2 — Process variation of the linear (dense) layers only' });
  if (!plan.dense_variation) out.push({ p: 'Not run.' });
  else out.push(...sweepBlocks(plan.dense_variation, 'sigma'), { chart: 'plan-dense-variation' });
  out.push({ h3: 'Step 3 — Non-linearities: an 8-bit multiplier that saturates outside 0..255' });
  if (!plan.multiplier) out.push({ p: 'Not run.' });
  else out.push(...sweepBlocks(plan.multiplier, 'bits'), { chart: 'plan-multiplier' });
  return out;
}

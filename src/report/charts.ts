// The report's charts: vega-lite specifications compiled to vega and rendered
// to SVG strings headless (vega's View.toSVG needs no browser and no canvas),
// so the HTML report embeds them inline and stays one self-contained file.
// vega and vega-lite are imported on first use: they are large, and a program
// (or browser bundle) that imports xnorkit only to train should not load them.
import type { TopLevelSpec } from 'vega-lite';
import type { ExperimentResults, SweepSection } from './schema.js';
import { qLabel, trainLabel } from './labels.js';
import { base, COLORS } from './chartStyle.js';
import { planCharts } from './planCharts.js';

export interface Chart {
  id: string;
  title: string;
  /** One sentence under the chart: how to read it. */
  caption: string;
  svg: string;
}

const WIDTH = 330;
const HEIGHT = 210;

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}


function trainingCurves(r: ExperimentResults): TopLevelSpec | null {
  const rows: Record<string, unknown>[] = [];
  for (const [label, m] of [['float', r.float], [qLabel(r), r.binary]] as const) {
    for (const p of m?.trace ?? []) {
      rows.push({ model: label, epoch: p.epoch, metric: 'training accuracy', value: p.accuracy });
      rows.push({ model: label, epoch: p.epoch, metric: 'training loss', value: p.loss });
    }
  }
  if (rows.length === 0) return null;
  return {
    ...base,
    data: { values: rows },
    facet: { column: { field: 'metric', type: 'nominal', title: null, header: { labelFontSize: 12 } } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: WIDTH, height: HEIGHT,
      mark: { type: 'line', point: { size: 18 } },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', title: 'epoch' },
        y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } },
        color: { field: 'model', type: 'nominal', scale: { range: COLORS }, title: 'model' },
      },
    },
  } as TopLevelSpec;
}

function comparisonBars(r: ExperimentResults): TopLevelSpec | null {
  if (!r.float || !r.binary) return null;
  const metrics: [string, (m: NonNullable<ExperimentResults['float']>) => number | null][] = [
    ['test accuracy (%)', (m) => (m.test_accuracy === null ? null : 100 * m.test_accuracy)],
    ['model file (KiB)', (m) => (m.file_size_bytes === null ? null : m.file_size_bytes / 1024)],
    ['throughput, batch 256 (samples/s)', (m) => m.samples_per_second_batch256],
    ['latency, batch 1 (ms)', (m) => m.latency_ms_batch1],
  ];
  const rows: Record<string, unknown>[] = [];
  for (const [metric, f] of metrics) {
    for (const [label, m] of [['float', r.float], [qLabel(r), r.binary]] as const) {
      const v = f(m);
      if (v !== null && Number.isFinite(v)) rows.push({ metric, model: label, value: v });
    }
  }
  if (rows.length === 0) return null;
  return {
    ...base,
    data: { values: rows },
    facet: { column: { field: 'metric', type: 'nominal', title: null, sort: metrics.map((m) => m[0]), header: { labelFontSize: 11 } } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 120, height: HEIGHT,
      layer: [
        { mark: 'bar', encoding: { color: { field: 'model', type: 'nominal', scale: { range: COLORS }, legend: null } } },
        { mark: { type: 'text', dy: -6, fontSize: 11 }, encoding: { text: { field: 'value', type: 'quantitative', format: ',.4~r' } } },
      ],
      encoding: {
        x: { field: 'model', type: 'nominal', title: null, axis: { labelAngle: 0 } },
        y: { field: 'value', type: 'quantitative', title: null },
      },
    },
  } as TopLevelSpec;
}

function sweepChart(s: SweepSection): TopLevelSpec | null {
  if (s.points.length === 0) return null;
  const rows = s.points.map((p) => ({
    level: p.level, training: trainLabel(s, p.train_level), mean: 100 * p.mean, lo: 100 * p.ci95[0], hi: 100 * p.ci95[1],
    min: 100 * p.min, max: 100 * p.max,
  }));
  const x = { field: 'level', type: 'quantitative', title: AXIS_TITLES[s.kind], scale: { zero: false } } as const;
  const color = { field: 'training', type: 'nominal', scale: { range: COLORS }, title: null, legend: { orient: 'bottom', direction: 'vertical' } } as const;
  // The legend comes from the lines; swatches of the pale bands would be hard to see.
  const bandColor = { ...color, legend: null };
  return {
    ...base,
    width: 270, height: 190,
    resolve: { legend: { color: 'independent' } },
    data: { values: rows },
    layer: [
      { mark: { type: 'area', opacity: 0.12, clip: true }, encoding: { x, y: { field: 'min', type: 'quantitative' }, y2: { field: 'max' }, color: bandColor } },
      { mark: { type: 'area', opacity: 0.3, clip: true }, encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color: bandColor } },
      {
        mark: { type: 'line', point: true, clip: true },
        encoding: { x, y: { field: 'mean', type: 'quantitative', title: 'test accuracy (%)', scale: { zero: false } }, color },
      },
    ],
  } as TopLevelSpec;
}

const AXIS_TITLES: Record<SweepSection['kind'], string> = {
  noise: 'output noise σ (relative to each output\'s std)',
  variation: 'weight variation σ (multiplicative, per chip)',
  saturation: 'accumulator bits (signed, saturating)',
};

const SWEEP_TITLES: Record<SweepSection['kind'], string> = {
  noise: 'Accuracy vs output noise',
  variation: 'Accuracy vs process variation of the weights',
  saturation: 'Accuracy vs accumulator width (saturation)',
};

/** Every chart the results have data for, rendered. */
export async function renderCharts(r: ExperimentResults): Promise<Chart[]> {
  const out: Chart[] = [];
  const add = async (id: string, title: string, caption: string, spec: TopLevelSpec | null) => {
    if (spec) out.push({ id, title, caption, svg: await renderSvg(spec) });
  };
  await add('training', 'Training curves', 'Mean loss and accuracy of the training batches, in windows of steps; float twin and binarized model.', trainingCurves(r));
  await add('comparison', 'Float vs binary', 'Test accuracy, size of the model file, and inference speed of the float twin and the binarized model.', comparisonBars(r));
  for (const kind of ['noise', 'variation', 'saturation'] as const) {
    const s = r.hardware?.[kind];
    if (!s) continue;
    const chips = s.points[0]?.chips ?? r.hardware!.chips;
    await add(`hw-${kind}`, SWEEP_TITLES[kind], chips === 1
      ? 'Test accuracy; deterministic (every chip computes the same numbers), so one chip per point and no band.'
      : `Mean test accuracy over ${chips} simulated chips per point; dark band: 95 % confidence interval of the mean, light band: min–max over chips.`,
    sweepChart(s));
  }
  for (const c of planCharts(r)) await add(c.id, c.title, c.caption, c.spec);
  return out;
}

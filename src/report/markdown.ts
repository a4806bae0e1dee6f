// results.json -> report.md: the same content as the HTML report, as tables
// (charts are referenced as the SVG files written next to it).
import type { ExperimentResults, ModelResult, SweepSection } from './schema.js';
import type { Chart } from './charts.js';
import { trainLabel, qLabel } from './labels.js';
import { planBlocks, PLAN_TITLE } from './plan.js';

import { pct, num, int, ratio } from './format.js';

export { pct, num, int, ratio };

export function table(head: string[], rows: string[][]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [`| ${head.map(esc).join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

export function comparisonHead(r: ExperimentResults): string[] {
  return ['', 'float', qLabel(r), `${qLabel(r)} vs float`];
}

export function title(r: ExperimentResults): string {
  return `xnorkit experiment: ${r.model} on ${r.dataset} (${r.preset} preset)`;
}

/** The warnings at the top of every report: quick run, interrupted run. */
export function notices(r: ExperimentResults): string[] {
  const out: string[] = [];
  if (r.quick) out.push(`Quick run: ${r.cuts.join('; ')}. Its figures show the workflow, not what the models reach in a full run (\`--preset larq\`).`);
  if (r.status === 'interrupted') out.push('Interrupted (Ctrl-C): only the steps that finished are reported; missing values are shown as —.');
  if (r.status === 'running') out.push('Partial report written while the run is in progress.');
  return out;
}

export function comparisonRows(r: ExperimentResults): string[][] {
  const f = r.float;
  const b = r.binary;
  const div = (a: number | null | undefined, c: number | null | undefined) => (a && c ? a / c : null);
  return [
    ['test accuracy', pct(f?.test_accuracy), pct(b?.test_accuracy), accuracyDifference(r.comparison.accuracy_drop)],
    ['parameters', int(f?.params), int(b?.params), ''],
    ['summary memory (Larq count)', `${num(f?.summary_memory_kib, 2)} KiB`, `${num(b?.summary_memory_kib, 2)} KiB`, ratio(div(f?.summary_memory_kib, b?.summary_memory_kib))],
    ['model file on disk', `${int(f?.file_size_bytes)} B`, `${int(b?.file_size_bytes)} B`, ratio(r.comparison.size_ratio)],
    ['latency, batch 1', `${num(f?.latency_ms_batch1, 3)} ms`, `${num(b?.latency_ms_batch1, 3)} ms`, `${ratio(r.comparison.speedup_batch1)} speed-up`],
    ['throughput, batch 256', `${int(f?.samples_per_second_batch256)} samples/s`, `${int(b?.samples_per_second_batch256)} samples/s`, `${ratio(r.comparison.speedup_batch256)} speed-up`],
    ...(f?.layer_by_layer && b?.layer_by_layer ? [
      ['latency, batch 1, layer by layer (model.predict)', `${num(f.layer_by_layer.latency_ms_batch1, 3)} ms`, `${num(b.layer_by_layer.latency_ms_batch1, 3)} ms`,
        `${ratio(f.layer_by_layer.latency_ms_batch1 / b.layer_by_layer.latency_ms_batch1)} speed-up`],
      ['throughput, batch 256, layer by layer (model.predict)', `${int(f.layer_by_layer.samples_per_second_batch256)} samples/s`,
        `${int(b.layer_by_layer.samples_per_second_batch256)} samples/s`,
        `${ratio(b.layer_by_layer.samples_per_second_batch256 / f.layer_by_layer.samples_per_second_batch256)} speed-up`],
    ] : []),
    ['training time', `${num(f?.train_seconds)} s`, `${num(b?.train_seconds)} s`, ''],
  ];
}

export function fileNotes(r: ExperimentResults): string[] {
  const out: string[] = [];
  for (const [label, m] of [['float', r.float], [qLabel(r), r.binary]] as const) {
    if (m) out.push(`${label} file size: ${m.file_size_source}${m.model_file ? ` (\`${m.model_file}\`)` : ''}; speed: ${m.speed_engine ?? '—'}.`);
  }
  return out;
}

export function epochRows(m: ModelResult): string[][] {
  return m.epochs.map((e) => [String(e.epoch), e.loss.toFixed(4), pct(e.accuracy), num(e.seconds), int(e.samples_per_second), e.flip_ratio === undefined ? '' : e.flip_ratio.toExponential(2)]);
}

export const EPOCH_HEAD = ['epoch', 'loss', 'training accuracy', 'seconds', 'samples/s', 'flip ratio'];

export function sweepModelRows(s: SweepSection): string[][] {
  return s.models.map((m) => [trainLabel(s, m.train_level), pct(m.clean_accuracy), m.train_seconds === null ? 'reused' : `${num(m.train_seconds)} s`, m.state_file ?? '—']);
}

export function sweepPointRows(s: SweepSection): string[][] {
  return s.points.map((p) => [trainLabel(s, p.train_level), String(p.level), `${pct(p.mean)} ± ${pct(p.std)}`,
    `${pct(p.ci95[0])} – ${pct(p.ci95[1])}`, pct(p.p5), `${pct(p.min)} – ${pct(p.max)}`, p.yield.toFixed(2)]);
}

export const SWEEP_HEAD = ['model', 'level', 'mean ± std', '95 % CI of the mean', 'p5', 'min – max', 'yield'];

function modelSection(n: number, label: string, m: ModelResult | null): string[] {
  if (!m) return [`## ${n}. ${label}`, '', 'Not run.', ''];
  return [
    `## ${n}. ${label}: ${m.name}`, '',
    `${m.kind}; ${int(m.params)} parameters. Test accuracy **${pct(m.test_accuracy)}** (loss ${num(m.test_loss, 4)}); ` +
      `trained${m.training ? ` (${m.training})` : ''} in ${num(m.train_seconds)} s (${int(m.train_samples_per_second)} samples/s).`, '',
    table(EPOCH_HEAD, epochRows(m)), '',
  ];
}

export function renderMarkdown(r: ExperimentResults, charts: Chart[], chartDir = 'charts'): string {
  const chart = (id: string) => {
    const c = charts.find((x) => x.id === id);
    return c ? [`![${c.title}](${chartDir}/${c.id}.svg)`, '', `*${c.caption}*`, ''] : [];
  };
  const m = r.machine as { cpuModel?: string; cores?: number; node?: string; loadavg?: number[] };
  const lines: string[] = [`# ${title(r)}`, ''];
  for (const n of notices(r)) lines.push(`> **${n}**`, '');
  lines.push(
    `Quantization: ${r.quantization}. Seed ${r.seed}. ${int(r.train_samples)} training and ${int(r.test_samples)} test samples. ` +
      `Started ${r.started}; ${num(r.seconds)} s in all. Machine: ${m.cpuModel ?? '?'}, ${m.cores ?? '?'} cores, Node ${m.node ?? '?'}` +
      (m.loadavg ? `, load average ${m.loadavg.map((x) => x.toFixed(2)).join(' / ')} at the start` : '') + '.', '',
    `Repeat it exactly: \`xnorkit experiment --config ${String(r.config.out ?? 'RUN')}/config.json\``, '',
  );
  lines.push(...modelSection(1, 'Float baseline', r.float), ...modelSection(2, 'Quantized model', r.binary));
  lines.push(...chart('training'));
  lines.push('## 3. Comparison', '', table(comparisonHead(r), comparisonRows(r)), '');
  for (const n of fileNotes(r)) lines.push(`- ${n}`);
  lines.push('', ...chart('comparison'));
  lines.push('## 4. Hardware non-idealities', '');
  const hw = r.hardware;
  if (!hw) lines.push('Not run.', '');
  else {
    lines.push(`Monte-Carlo over ${hw.chips} simulated chips (population seed ${hw.chip_seed}; saturation is deterministic, one chip) on ${int(hw.test_samples)} test samples, ` +
      `${hw.engine} engine. Hardware-aware models: ${hw.aware_training}`, '');
    for (const kind of ['noise', 'variation', 'saturation'] as const) {
      const s = hw[kind];
      if (!s) continue;
      lines.push(`### ${kind === 'noise' ? 'Output noise' : kind === 'variation' ? 'Process variation' : 'Saturation'}${s.complete ? '' : ' (incomplete)'}`, '',
        `Levels: ${s.level_label}. Perturbation: \`${JSON.stringify(s.perturbation)}\`.`, '',
        table(['model', 'clean test accuracy', 'training', 'state file'], sweepModelRows(s)), '',
        table(SWEEP_HEAD, sweepPointRows(s)), '', ...chart(`hw-${kind}`));
    }
  }
  const plan = planBlocks(r);
  if (plan) {
    lines.push(`## 5. ${PLAN_TITLE}`, '');
    for (const b of plan) {
      if ('h3' in b) lines.push(`### ${b.h3}`, '');
      else if ('p' in b) lines.push(b.p, '');
      else if ('table' in b) lines.push(table(b.table.head, b.table.rows), '');
      else lines.push(...chart(b.chart));
    }
  }
  lines.push('## Steps', '', table(['step', 'seconds'], r.steps.map((s) => [s.name, num(s.seconds)])), '');
  return lines.join('\n');
}

/** Float accuracy minus binary accuracy, in words: a negative drop is a gain, not "−28 points lower". */
export function accuracyDifference(drop: number | null): string {
  if (drop === null) return '—';
  const pts = Math.abs(100 * drop).toFixed(2);
  if (pts === '0.00') return 'the same';
  return drop > 0 ? `${pts} points lower` : `${pts} points higher`;
}

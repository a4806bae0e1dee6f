// results.json -> report.html: one self-contained file (inline CSS and SVG
// charts, no scripts, no network), readable offline and in headless browsers.
import type { ExperimentResults, ModelResult } from './schema.js';
import type { Chart } from './charts.js';
import { planBlocks, PLAN_TITLE } from './plan.js';
import {
  title, notices, comparisonRows, comparisonHead, fileNotes, epochRows, EPOCH_HEAD, sweepModelRows, sweepPointRows, SWEEP_HEAD, pct, num, int,
} from './markdown.js';

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function htmlTable(head: string[], rows: string[][]): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function figure(charts: Chart[], id: string): string {
  const c = charts.find((x) => x.id === id);
  if (!c) return '';
  return `<figure id="chart-${c.id}"><figcaption><strong>${escapeHtml(c.title)}.</strong> ${escapeHtml(c.caption)}</figcaption>\n${c.svg}\n</figure>`;
}

function modelSection(n: number, label: string, m: ModelResult | null): string {
  if (!m) return `<h2>${n}. ${label}</h2><p>Not run.</p>`;
  return `<h2>${n}. ${label}: ${escapeHtml(m.name)}</h2>
<p>${escapeHtml(m.kind)}; ${int(m.params)} parameters. Test accuracy <strong>${pct(m.test_accuracy)}</strong> (loss ${num(m.test_loss, 4)});
trained${m.training ? ` (${escapeHtml(m.training)})` : ''} in ${num(m.train_seconds)} s (${int(m.train_samples_per_second)} samples/s).</p>
${htmlTable(EPOCH_HEAD, epochRows(m))}`;
}

const CSS = `
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #ddd; padding-bottom: .2em; }
table { border-collapse: collapse; margin: .8em 0; font-size: .92em; }
th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: right; } th { background: #f3f3f3; }
td:first-child, th:first-child { text-align: left; }
.notice { background: #fff4d6; border-left: 4px solid #e0a800; padding: .6em 1em; margin: .6em 0; }
.interrupted { background: #fde2e1; border-left-color: #d62728; }
figure { margin: 1.2em 0; } .charts { display: flex; flex-wrap: wrap; gap: 1em; } .charts figure { flex: 1 1 300px; margin: .4em 0; } figcaption { font-size: .9em; color: #444; margin-bottom: .4em; }
figure svg { max-width: 100%; height: auto; }
code { background: #f3f3f3; padding: 0 .25em; }
.meta { color: #555; font-size: .92em; }
`;

export function renderHtml(r: ExperimentResults, charts: Chart[]): string {
  const m = r.machine as { cpuModel?: string; cores?: number; node?: string; loadavg?: number[] };
  const parts: string[] = [];
  parts.push(`<h1>${escapeHtml(title(r))}</h1>`);
  for (const n of notices(r)) parts.push(`<div class="notice${r.status === 'interrupted' && n.startsWith('Interrupted') ? ' interrupted' : ''}">${escapeHtml(n)}</div>`);
  parts.push(`<p class="meta">Quantization: ${escapeHtml(r.quantization)}. Seed ${r.seed}. ${int(r.train_samples)} training and ${int(r.test_samples)} test samples.
Started ${escapeHtml(r.started)}; ${num(r.seconds)} s in all. Machine: ${escapeHtml(m.cpuModel ?? '?')}, ${m.cores ?? '?'} cores, Node ${escapeHtml(m.node ?? '?')}${
  m.loadavg ? `, load average ${m.loadavg.map((x) => x.toFixed(2)).join(' / ')} at the start` : ''}.
Repeat it exactly: <code>xnorkit experiment --config ${escapeHtml(String(r.config.out ?? 'RUN'))}/config.json</code></p>`);
  parts.push(modelSection(1, 'Float baseline', r.float), modelSection(2, 'Quantized model', r.binary), figure(charts, 'training'));
  parts.push('<h2>3. Comparison</h2>', htmlTable(comparisonHead(r), comparisonRows(r)));
  parts.push(`<ul>${fileNotes(r).map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`, figure(charts, 'comparison'));
  parts.push('<h2>4. Hardware non-idealities</h2>');
  const hw = r.hardware;
  if (!hw) parts.push('<p>Not run.</p>');
  else {
    parts.push(`<p>Monte-Carlo over ${hw.chips} simulated chips (population seed ${hw.chip_seed}; saturation is deterministic, one chip) on ${int(hw.test_samples)} test samples,
${escapeHtml(hw.engine)} engine. Hardware-aware models: ${escapeHtml(hw.aware_training)}</p>`);
    // The three sweeps side by side first (the comparison at a glance), their tables after.
    parts.push(`<div class="charts">${['noise', 'variation', 'saturation'].map((k) => figure(charts, `hw-${k}`)).join('\n')}</div>`);
    for (const kind of ['noise', 'variation', 'saturation'] as const) {
      const s = hw[kind];
      if (!s) continue;
      parts.push(`<h3>${kind === 'noise' ? 'Output noise' : kind === 'variation' ? 'Process variation' : 'Saturation'}${s.complete ? '' : ' (incomplete)'}</h3>`,
        `<p>Levels: ${escapeHtml(s.level_label)}. Perturbation: <code>${escapeHtml(JSON.stringify(s.perturbation))}</code>.</p>`,
        htmlTable(['model', 'clean test accuracy', 'training', 'state file'], sweepModelRows(s)),
        htmlTable(SWEEP_HEAD, sweepPointRows(s)));
    }
  }
  const plan = planBlocks(r);
  if (plan) {
    parts.push(`<h2 id="plan">5. ${PLAN_TITLE}</h2>`);
    for (const b of plan) {
      if ('h3' in b) parts.push(`<h3>${escapeHtml(b.h3)}</h3>`);
      else if ('p' in b) parts.push(`<p>${escapeHtml(b.p)}</p>`);
      else if ('table' in b) parts.push(htmlTable(b.table.head, b.table.rows));
      else parts.push(figure(charts, b.chart));
    }
  }
  parts.push('<h2>Steps</h2>', htmlTable(['step', 'seconds'], r.steps.map((s) => [s.name, num(s.seconds)])));
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title(r))}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${CSS}</style></head>
<body>
${parts.filter(Boolean).join('\n')}
</body></html>
`;
}

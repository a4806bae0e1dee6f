// Writing a run folder's report: results.json, report.md (+ charts/*.svg) and
// the self-contained report.html, each written atomically so that a report
// read while the run continues (or after Ctrl-C) is never half a file.
import { platform } from '#platform';
import { writeFileAtomic, writeJsonAtomic } from '../util/files.js';
import type { ExperimentResults } from './schema.js';
import { renderCharts, type Chart } from './charts.js';
import { renderMarkdown } from './markdown.js';
import { renderHtml } from './html.js';

export type { ExperimentResults, ModelResult, SweepSection, HardwareResults, TracePoint } from './schema.js';
export { renderCharts, renderSvg, type Chart } from './charts.js';
export { renderMarkdown } from './markdown.js';
export { renderHtml } from './html.js';

export interface WrittenReport {
  results: string;
  markdown: string;
  html: string;
  charts: string[];
}

/** Writes results.json, report.md, charts/*.svg and report.html into `dir`. */
export async function writeReport(dir: string, r: ExperimentResults): Promise<WrittenReport> {
  writeJsonAtomic(platform.joinPath(dir, 'results.json'), r);
  const charts: Chart[] = await renderCharts(r);
  const chartFiles = charts.map((c) => {
    const f = platform.joinPath(dir, 'charts', `${c.id}.svg`);
    writeFileAtomic(f, c.svg);
    return f;
  });
  const md = platform.joinPath(dir, 'report.md');
  writeFileAtomic(md, renderMarkdown(r, charts));
  const html = platform.joinPath(dir, 'report.html');
  writeFileAtomic(html, renderHtml(r, charts));
  return { results: platform.joinPath(dir, 'results.json'), markdown: md, html, charts: chartFiles };
}

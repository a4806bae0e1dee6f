// The report: charts are inline SVGs holding data marks (lines, bands, bars)
// drawn from the results, the HTML is self-contained, the Markdown carries
// the same tables, quick and interrupted runs say so; and, when Debian's
// chromium is installed, the HTML renders in it with the charts' colours
// visible on the page.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { renderCharts, renderHtml, renderMarkdown, writeReport, type ExperimentResults, type SweepSection } from '../../src/report/index.js';
import type { PlanResults, PlanSweep } from '../../src/report/schema.js';
import type { SweepPoint } from '../../src/hardware/sweeps.js';

function point(level: number, train: number | null, mean: number): SweepPoint {
  return {
    level, train_level: train, mean, std: 0.01, p5: mean - 0.02, yield: 1, ci95: [mean - 0.01, mean + 0.01], clean_accuracy: 0.97, chips: 4,
    min: mean - 0.03, max: mean + 0.02, accuracies: [mean - 0.01, mean, mean + 0.01, mean], seconds: 0.1,
  };
}

function sweep(kind: SweepSection['kind'], levels: number[], trainLevel: number): SweepSection {
  const points = [null, trainLevel].flatMap((t) => levels.map((l, i) => point(l, t, 0.97 - (t === null ? 0.08 : 0.03) * i)));
  return {
    kind, level_label: `${kind} level`, levels, perturbation: { layers: 'all' }, complete: true, points,
    models: [{ train_level: null, clean_accuracy: 0.97, train_seconds: null, state_file: 'binary.xnks' },
      { train_level: trainLevel, clean_accuracy: 0.96, train_seconds: 12, state_file: `hw-${kind}-${trainLevel}.xnks` }],
  };
}

function sampleResults(): ExperimentResults {
  const model = (name: string, acc: number, size: number, thr: number) => ({
    name, kind: name, test_accuracy: acc, test_loss: 0.1, params: 93556, summary_memory_kib: size / 1024, file_size_bytes: size,
    file_size_source: 'test', model_file: null, state_file: `${name}.xnks`, latency_ms_batch1: 1000 / thr, samples_per_second_batch256: thr,
    speed_engine: 'test', train_seconds: 30, train_samples_per_second: 2000,
    epochs: [1, 2].map((e) => ({ epoch: e, loss: 1 / e, accuracy: 1 - 0.1 / e, seconds: 15, samples_per_second: 2000, learning_rate: 1e-3 })),
    trace: Array.from({ length: 20 }, (_, i) => ({ epoch: (i + 1) / 10, loss: 2 / (i + 1), accuracy: 1 - 0.5 / (i + 1) })),
  });
  return {
    format: 'xnorkit-experiment', version: 1, status: 'complete', interrupted: false, preset: 'quick', quick: true,
    cuts: ['models trained on the first 10,000 of the 60,000 training images'], dataset: 'mnist', train_samples: 10000, test_samples: 10000,
    model: 'larq-mnist', quantization: 'binary', seed: 1, float: model('float', 0.99, 380000, 4000), binary: model('binary', 0.975, 14000, 30000),
    comparison: { accuracy_drop: 0.015, size_ratio: 380000 / 14000, speedup_batch1: 2, speedup_batch256: 7.5 },
    hardware: {
      chips: 4, chip_seed: 1, test_samples: 1000, engine: 'xnor', aware_training: 'from scratch',
      noise: sweep('noise', [0, 0.5, 1], 0.5), variation: sweep('variation', [0, 0.5, 1], 0.5), saturation: sweep('saturation', [4, 6, 8], 6),
    },
    steps: [{ name: 'data', seconds: 1 }], seconds: 100, started: '2026-01-01T00:00:00Z', finished: '2026-01-01T00:01:40Z',
    machine: { cpuModel: 'test cpu', cores: 2, node: 'v20' }, config: { out: 'runs/test' },
  };
}

function planSweep(levels: number[], trainLevel: number, assumption: string): PlanSweep {
  return {
    level_label: 'level', assumption, perturbation: { layers: 'dense' }, levels, complete: true,
    models: [{ train_level: null, clean_accuracy: 0.97, train_seconds: null, state_file: 'binary.xnks' },
      { train_level: trainLevel, clean_accuracy: 0.955, train_seconds: 12, state_file: 'plan.xnks' }],
    points: [null, trainLevel].flatMap((t) => levels.map((l, i) => point(l, t, 0.96 - (t === null ? 0.1 : 0.04) * i))),
  };
}

/** The sample results with the plan section (issue 18). */
function withPlan(): ExperimentResults {
  const r = sampleResults();
  const layers = ['quant_conv2d', 'quant_conv2d_1', 'quant_conv2d_2', 'quant_dense', 'quant_dense_1', 'all'];
  const plan: PlanResults = {
    chips: 4, test_samples: 1000, studies: 'EXPERIMENTS.md',
    noise: {
      sigma: 0.5, assumption: 'noise on outputs', complete: true, clean_standard: 0.97, clean_noise_trained: 0.965, noise_train_sigma: 0.5,
      rows: layers.map((l, i) => ({ layers: l, point: point(0.5, null, i === 2 ? 0.81 : 0.9 - 0.01 * i) })),
    },
    dense_variation: planSweep([0, 0.5, 1], 1, 'dense weights vary per chip'),
    multiplier: planSweep([6, 8, 10], 8, 'XNOR bits counted in an unsigned b-bit counter'),
  };
  r.plan = plan;
  return r;
}

/** The `d` attributes of the paths inside a chart's data-mark groups (role-mark), by mark type. */
function dataMarks(svg: string): Record<string, number> {
  const counts: Record<string, number> = {};
  const re = /<g class="mark-(\w+) role-mark[^"]*"[^>]*>([\s\S]*?)<\/g>/g;
  for (let m = re.exec(svg); m; m = re.exec(svg)) {
    const drawn = (m[2].match(/ d="M[^"]{10,}"/g) ?? []).length + (m[2].match(/<text[^>]*>[^<]+<\/text>/g) ?? []).length;
    counts[m[1]] = (counts[m[1]] ?? 0) + drawn;
  }
  return counts;
}

describe('report', () => {
  it('renders a chart per section with data marks: lines, bands, bars', async () => {
    const charts = await renderCharts(sampleResults());
    expect(charts.map((c) => c.id)).toEqual(['training', 'comparison', 'hw-noise', 'hw-variation', 'hw-saturation']);
    const marks = Object.fromEntries(charts.map((c) => [c.id, dataMarks(c.svg)]));
    expect(marks.training.line).toBeGreaterThanOrEqual(4); // 2 models x 2 metrics
    expect(marks.comparison.rect).toBeGreaterThanOrEqual(8); // 4 metrics x 2 models
    for (const id of ['hw-noise', 'hw-variation', 'hw-saturation']) {
      expect(marks[id].line).toBe(2); // standard and hardware-aware
      expect(marks[id].area).toBe(4); // CI band and min-max band of each
    }
  });

  it('charts follow the data: no hardware results, no hardware charts', async () => {
    const r = sampleResults();
    r.hardware = null;
    r.binary!.trace = [];
    r.float!.trace = [];
    expect((await renderCharts(r)).map((c) => c.id)).toEqual(['comparison']);
  });

  it('the HTML is self-contained, with every chart inline and the tables', async () => {
    const r = sampleResults();
    const html = renderHtml(r, await renderCharts(r));
    expect(html.match(/<svg[\s>]/g)?.length).toBe(5);
    expect(html).not.toMatch(/<script|<link|src="http|href="http|@import/);
    expect(html).toContain('Quick run: models trained on the first 10,000');
    expect(html).toContain('97.50 %');
    expect(html).toContain('7.50× speed-up');
    expect(html).toContain('trained at σ=0.5');
    expect(html).toContain('trained at 6 bits');
  });

  it('the plan section ("Your plan, step by step"): three steps in the user\'s order, assumptions, tables and charts', async () => {
    const r = withPlan();
    const charts = await renderCharts(r);
    expect(charts.map((c) => c.id)).toEqual(['training', 'comparison', 'hw-noise', 'hw-variation', 'hw-saturation', 'plan-noise', 'plan-dense-variation', 'plan-multiplier']);
    const marks = Object.fromEntries(charts.map((c) => [c.id, dataMarks(c.svg)]));
    expect(marks['plan-noise'].rect).toBe(6); // one bar per layer and "all"
    expect(marks['plan-dense-variation'].line).toBe(2);
    expect(marks['plan-multiplier'].line).toBe(2);
    const html = renderHtml(r, charts);
    const section = html.slice(html.indexOf('<h2 id="plan">'), html.indexOf('<h2>Steps</h2>'));
    expect(section).toContain('5. Your plan, step by step');
    const steps = ['Step 1 — Gaussian noise', 'Step 2 — Process variation of the linear (dense) layers only', 'Step 3 — Non-linearities: an 8-bit multiplier'];
    const at = steps.map((h) => section.indexOf(h));
    expect(at.every((i) => i > 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(section.match(/<svg[\s>]/g)?.length).toBe(3);
    expect(section).toContain('Assumption: XNOR bits counted in an unsigned b-bit counter');
    expect(section).toContain('costs most here: quant_conv2d_2 (81.00 %');
    expect(section).toContain('trained with noise σ=0.5 on every layer 96.50 % (-0.50 points)');
    const md = renderMarkdown(r, charts);
    expect(md).toContain('## 5. Your plan, step by step');
    expect(md).toContain('![Step 3: the saturating multiplier](charts/plan-multiplier.svg)');
    // a run without plan results has no section
    expect(renderHtml(sampleResults(), await renderCharts(sampleResults()))).not.toContain('Your plan');
  });

  it('the Markdown has the comparison and sweep tables and links the SVG files', async () => {
    const r = sampleResults();
    r.status = 'interrupted';
    const md = renderMarkdown(r, await renderCharts(r));
    expect(md).toMatch(/\| test accuracy \| 99\.00 % \| 97\.50 % \| 1\.50 points lower \|/);
    expect(md).toMatch(/\| model file on disk \| 380,000 B \| 14,000 B \| 27\.1× \|/);
    expect(md).toContain('![Accuracy vs output noise](charts/hw-noise.svg)');
    expect(md).toContain('Interrupted (Ctrl-C)');
  });

  it('issue 14 item "−28.40 points lower when the binary model beats the float one": a gain is worded as higher', async () => {
    const r = sampleResults();
    r.float!.test_accuracy = 0.6;
    r.binary!.test_accuracy = 0.884;
    r.comparison.accuracy_drop = 0.6 - 0.884;
    const md = renderMarkdown(r, await renderCharts(r));
    expect(md).toMatch(/\| test accuracy \| 60\.00 % \| 88\.40 % \| 28\.40 points higher \|/);
    expect(md).not.toMatch(/-28\.40 points lower/);
  });

  it('writeReport writes results.json, report.md, report.html and the SVG files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xnorkit-report-'));
    try {
      const w = await writeReport(dir, sampleResults());
      expect(JSON.parse(readFileSync(w.results, 'utf8')).binary.test_accuracy).toBe(0.975);
      expect(w.charts.length).toBe(5);
      for (const f of [w.markdown, w.html, ...w.charts]) expect(existsSync(f)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** RGBA pixels of an 8-bit RGB/RGBA, non-interlaced PNG (what chromium writes). */
function decodePng(png: Buffer): { width: number; height: number; pixel: (x: number, y: number) => [number, number, number] } {
  let o = 8;
  let width = 0;
  let height = 0;
  let colorType = 0;
  const idat: Buffer[] = [];
  while (o < png.length) {
    const len = png.readUInt32BE(o);
    const type = png.toString('ascii', o + 4, o + 8);
    const data = png.subarray(o + 8, o + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      colorType = data[9];
      if (data[8] !== 8 || data[12] !== 0 || (colorType !== 2 && colorType !== 6)) throw new Error('unsupported PNG');
    } else if (type === 'IDAT') idat.push(data);
    o += 12 + len;
  }
  const bpp = colorType === 6 ? 4 : 3;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const out = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x];
      const a = x >= bpp ? out[y * stride + x - bpp] : 0;
      const b = y > 0 ? out[(y - 1) * stride + x] : 0;
      const c = x >= bpp && y > 0 ? out[(y - 1) * stride + x - bpp] : 0;
      const p = a + b - c;
      const pr = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      out[y * stride + x] = (v + [0, a, b, (a + b) >> 1, pr][f]) & 0xff;
    }
  }
  return { width, height, pixel: (x, y) => [out[y * stride + x * bpp], out[y * stride + x * bpp + 1], out[y * stride + x * bpp + 2]] };
}

const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

describe.skipIf(!chromium)(`report in headless Chromium${chromium ? '' : ' (skipped: Debian `chromium` is not installed; apt-get install chromium)'}`, () => {
  it('renders report.html with the charts visible (their blue and red marks are on the screenshot)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xnorkit-chromium-'));
    try {
      const w = await writeReport(dir, sampleResults());
      const shot = join(dir, 'shot.png');
      const run = spawnSync(chromium!, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run', `--user-data-dir=${join(dir, 'profile')}`, `--screenshot=${shot}`, '--window-size=1200,4000',
        `file://${w.html}`], { timeout: 90_000, encoding: 'utf8' });
      expect(existsSync(shot), `chromium wrote no screenshot: ${run.stderr}`).toBe(true);
      const img = decodePng(readFileSync(shot));
      let blue = 0;
      let red = 0;
      for (let y = 0; y < img.height; y += 2) {
        for (let x = 0; x < img.width; x += 2) {
          const [r, g, b] = img.pixel(x, y);
          if (Math.abs(r - 0x1f) < 12 && Math.abs(g - 0x77) < 12 && Math.abs(b - 0xb4) < 12) blue++;
          if (Math.abs(r - 0xd6) < 12 && Math.abs(g - 0x27) < 12 && Math.abs(b - 0x28) < 12) red++;
        }
      }
      // Bars and lines of both series cover thousands of pixels; a page without charts has none of these colours.
      expect(blue).toBeGreaterThan(1000);
      expect(red).toBeGreaterThan(1000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('renders the "Your plan, step by step" section: its heading, three steps and their charts are in the DOM Chromium lays out, and visible', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xnorkit-chromium-plan-'));
    try {
      const r = withPlan();
      // Only the plan's charts on the page: the colours on the screenshot are theirs.
      r.hardware = null;
      r.float = null;
      r.binary = null;
      const w = await writeReport(dir, r);
      const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run', `--user-data-dir=${join(dir, 'profile')}`];
      const dom = spawnSync(chromium!, [...flags, '--dump-dom', `file://${w.html}`], { timeout: 90_000, encoding: 'utf8' });
      expect(dom.stdout, dom.stderr).toContain('<h2 id="plan">5. Your plan, step by step</h2>');
      for (const id of ['plan-noise', 'plan-dense-variation', 'plan-multiplier']) expect(dom.stdout).toMatch(new RegExp(`<figure id="chart-${id}">[\\s\\S]*?<svg`));
      const shot = join(dir, 'shot.png');
      spawnSync(chromium!, [...flags, `--screenshot=${shot}`, '--window-size=1200,3000', `file://${w.html}`], { timeout: 90_000, encoding: 'utf8' });
      const img = decodePng(readFileSync(shot));
      let blue = 0;
      let red = 0;
      for (let y = 0; y < img.height; y += 2) {
        for (let x = 0; x < img.width; x += 2) {
          const [rr, g, b] = img.pixel(x, y);
          if (Math.abs(rr - 0x1f) < 12 && Math.abs(g - 0x77) < 12 && Math.abs(b - 0xb4) < 12) blue++;
          if (Math.abs(rr - 0xd6) < 12 && Math.abs(g - 0x27) < 12 && Math.abs(b - 0x28) < 12) red++;
        }
      }
      // the noise bars and the standard models' lines (blue), the intervals and the trained models' lines (red)
      expect(blue).toBeGreaterThan(1000);
      expect(red).toBeGreaterThan(100);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

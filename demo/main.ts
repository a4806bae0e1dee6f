// The demo page: starts training in demo/worker.ts, draws live training
// curves and the sweep with vega-lite (the library the reports use), and
// classifies a drawn digit with both trained models through xnorkit/infer.
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { loadModel, softmax, type InferModel } from 'xnorkit/infer';
import type { FromWorker, ModelKey, SweepKindName, ToWorker } from './protocol.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const LABEL: Record<ModelKey, string> = { float: 'float twin', bnn: 'BNN' };
const COLORS = { domain: [LABEL.float, LABEL.bnn], range: ['#4c78a8', '#e45756'] };

// URL parameters preset the form (the browser test uses small runs).
const params = new URLSearchParams(location.search);
for (const [p, id] of [['train', 'trainN'], ['test', 'testN'], ['epochs', 'epochs'], ['batch', 'batch'], ['threads', 'threads'], ['chips', 'chips']]) {
  const v = params.get(p);
  if (v) $<HTMLInputElement>(id).value = v;
}

/** A vega-lite chart whose data set "table" grows as rows arrive (flushed a few times a second). */
class LiveChart {
  private view: vega.View | null = null;
  private pending: object[] = [];
  private timer = 0;
  constructor(private el: HTMLElement, private spec: TopLevelSpec) {}
  async reset(): Promise<void> {
    this.view?.finalize();
    this.pending = [];
    this.view = new vega.View(vega.parse(compile(this.spec).spec), { renderer: 'svg', container: this.el, hover: true });
    await this.view.runAsync();
  }
  push(row: object): void {
    this.pending.push(row);
    if (!this.timer) this.timer = window.setTimeout(() => void this.flush(), 250);
  }
  async flush(): Promise<void> {
    this.timer = 0;
    if (!this.view || !this.pending.length) return;
    const rows = this.pending;
    this.pending = [];
    await this.view.insert('table', rows).runAsync();
    this.el.dataset.points = String(Number(this.el.dataset.points ?? 0) + rows.length);
  }
}

const line = (title: string, y: string, yTitle: string, x = 'step', xTitle = 'training step'): TopLevelSpec => ({
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  title, width: 460, height: 220, data: { name: 'table' }, mark: { type: 'line', interpolate: 'monotone' },
  encoding: {
    x: { field: x, type: 'quantitative', title: xTitle },
    y: { field: y, type: 'quantitative', title: yTitle },
    color: { field: 'model', type: 'nominal', scale: COLORS, title: null },
  },
});

const lossChart = new LiveChart($('lossChart'), line('Training loss (smoothed)', 'loss', 'loss'));
const accChart = new LiveChart($('accChart'), line('Training accuracy (smoothed)', 'accuracy', 'accuracy'));
const SWEEP_TITLE: Record<SweepKindName, string> = {
  noise: 'output noise σ (relative)', variation: 'weight variation σ', saturation: 'accumulator bits',
};
const SWEEP_LEVELS: Record<SweepKindName, number[]> = {
  noise: [0, 0.25, 0.5, 0.75, 1], variation: [0, 0.25, 0.5, 0.75, 1], saturation: [4, 5, 6, 8, 10, 16],
};
let sweepChart: LiveChart | null = null;

const worker = new Worker('worker.js', { type: 'module' });
const send = (m: ToWorker) => worker.postMessage(m);
const models = new Map<ModelKey, InferModel>();
const ema = new Map<ModelKey, { loss: number; accuracy: number }>();
let busy = false;

function status(text: string): void {
  $('status').textContent = text;
}

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const kb = (b: number) => (b < 10_000 ? `${fmt(b / 1024, 1)} KB` : `${fmt(b / 1024)} KB`);

worker.onmessage = async (e: MessageEvent<FromWorker>) => {
  const m = e.data;
  switch (m.type) {
    case 'ready':
      status(`Training on ${m.trainN} images (test ${m.testN}); ${m.threads} thread${m.threads > 1 ? 's' : ''}${m.isolated ? ' (cross-origin isolated: Web Workers share the WebAssembly memory)' : ' (page not cross-origin isolated: one thread)'}.`);
      document.body.dataset.threads = String(m.threads);
      break;
    case 'step': {
      // exponential moving average: per-batch values are noisy
      const prev = ema.get(m.model);
      const s = prev ? { loss: 0.9 * prev.loss + 0.1 * m.loss, accuracy: 0.9 * prev.accuracy + 0.1 * m.accuracy } : { loss: m.loss, accuracy: m.accuracy };
      ema.set(m.model, s);
      lossChart.push({ step: m.step, loss: s.loss, model: LABEL[m.model] });
      accChart.push({ step: m.step, accuracy: s.accuracy, model: LABEL[m.model] });
      status(`Training the ${LABEL[m.model]}: epoch ${m.epoch}, step ${m.step}, loss ${fmt(s.loss, 3)}, accuracy ${fmt(s.accuracy * 100, 1)} %`);
      break;
    }
    case 'epoch':
      break;
    case 'trained': {
      const row = $(`row-${m.model}`);
      row.innerHTML = `<th>${LABEL[m.model]}</th><td>${fmt(m.testAccuracy * 100, 2)} %</td><td>${kb(m.xnk.byteLength)}</td><td>${fmt(m.parameters)}</td>` +
        `<td>${fmt(m.trainSamplesPerSecond)}</td><td>${fmt(m.inferImagesPerSecond)}</td>`;
      row.dataset.accuracy = String(m.testAccuracy);
      row.dataset.bytes = String(m.xnk.byteLength);
      models.set(m.model, await loadModel(m.xnk));
      if (models.size === 2) {
        const [f, b] = [$('row-float').dataset, $('row-bnn').dataset];
        status(`Done. The BNN file is ${fmt(Number(f.bytes) / Number(b.bytes), 1)}× smaller than its float twin. Draw a digit, or run a sweep.`);
        document.body.dataset.trained = '1';
        busy = false;
        $<HTMLButtonElement>('train').disabled = false;
        $<HTMLButtonElement>('sweep').disabled = false;
        predict();
      }
      break;
    }
    case 'sweepPoint':
      sweepChart?.push({ level: m.level, accuracy: m.mean, min: m.min, max: m.max, model: LABEL[m.model] });
      $('sweepStatus').textContent = `${LABEL[m.model]}: level ${m.level} -> mean accuracy ${fmt(m.mean * 100, 1)} % over the chips (clean ${fmt(m.clean * 100, 1)} %)`;
      break;
    case 'sweepDone':
      await sweepChart?.flush();
      $('sweepStatus').textContent = `Sweep done in ${fmt(m.seconds, 1)} s: each point is the mean accuracy over the same simulated chips, the band their range.`;
      $('sweepChart').dataset.done = m.kind;
      busy = false;
      $<HTMLButtonElement>('sweep').disabled = false;
      break;
    case 'error':
      status(`Error: ${m.message}`);
      console.error(m.message);
      busy = false;
      break;
  }
};

$('trainForm').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  if (busy) return;
  busy = true;
  $<HTMLButtonElement>('train').disabled = true;
  models.clear();
  ema.clear();
  delete document.body.dataset.trained;
  await Promise.all([lossChart.reset(), accChart.reset()]);
  status('Loading MNIST and the kernels…');
  const n = (id: string) => Number($<HTMLInputElement>(id).value);
  send({ type: 'train', trainN: n('trainN'), testN: n('testN'), epochs: n('epochs'), batchSize: n('batch'), threads: n('threads'), seed: 1 });
});

$('sweep').addEventListener('click', async () => {
  if (busy || models.size < 2) return;
  busy = true;
  $<HTMLButtonElement>('sweep').disabled = true;
  const kind = (document.querySelector('input[name=kind]:checked') as HTMLInputElement).value as SweepKindName;
  const el = $('sweepChart');
  delete el.dataset.done;
  el.dataset.points = '0';
  sweepChart = new LiveChart(el, {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `Accuracy on simulated chips vs ${SWEEP_TITLE[kind]}`, width: 560, height: 260, data: { name: 'table' },
    encoding: {
      x: { field: 'level', type: 'quantitative', title: SWEEP_TITLE[kind] },
      color: { field: 'model', type: 'nominal', scale: COLORS, title: null },
    },
    layer: [
      { mark: { type: 'area', opacity: 0.15 }, encoding: { y: { field: 'min', type: 'quantitative', title: 'test accuracy', scale: { domain: [0, 1] } }, y2: { field: 'max' } } },
      { mark: { type: 'line', point: true }, encoding: { y: { field: 'accuracy', type: 'quantitative' } } },
    ],
  });
  await sweepChart.reset();
  $('sweepStatus').textContent = `Running the ${kind} sweep on ${$<HTMLInputElement>('chips').value} chips per level…`;
  send({ type: 'sweep', kind, levels: SWEEP_LEVELS[kind], chips: Number($<HTMLInputElement>('chips').value) });
});

// ---- drawing pad: white strokes on black, reduced MNIST-style (digit fit in 20x20, centred in 28x28)
const pad = $<HTMLCanvasElement>('pad');
const pctx = pad.getContext('2d', { willReadFrequently: true })!;
const small = $<HTMLCanvasElement>('small');
const sctx = small.getContext('2d', { willReadFrequently: true })!;
function clearPad(): void {
  pctx.fillStyle = '#000';
  pctx.fillRect(0, 0, pad.width, pad.height);
  sctx.fillStyle = '#000';
  sctx.fillRect(0, 0, 28, 28);
  $('predictions').textContent = models.size ? 'Draw a digit.' : 'Train the models, then draw.';
  delete $('predictions').dataset.float;
  delete $('predictions').dataset.bnn;
}
clearPad();
let drawing = false;
let last: [number, number] | null = null;
pad.addEventListener('pointerdown', (e) => {
  drawing = true;
  last = [e.offsetX, e.offsetY];
  pad.setPointerCapture(e.pointerId);
});
pad.addEventListener('pointermove', (e) => {
  if (!drawing || !last) return;
  pctx.strokeStyle = '#fff';
  pctx.lineWidth = 22;
  pctx.lineCap = pctx.lineJoin = 'round';
  pctx.beginPath();
  pctx.moveTo(...last);
  pctx.lineTo(e.offsetX, e.offsetY);
  pctx.stroke();
  last = [e.offsetX, e.offsetY];
});
const end = () => {
  if (!drawing) return;
  drawing = false;
  last = null;
  predict();
};
pad.addEventListener('pointerup', end);
pad.addEventListener('pointerleave', end);
$('clear').addEventListener('click', clearPad);

function digitPixels(): Uint8Array | null {
  const { data } = pctx.getImageData(0, 0, pad.width, pad.height);
  let x0 = pad.width, y0 = pad.height, x1 = -1, y1 = -1;
  for (let y = 0; y < pad.height; y++) {
    for (let x = 0; x < pad.width; x++) {
      if (data[(y * pad.width + x) * 4] > 30) {
        x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
      }
    }
  }
  if (x1 < 0) return null;
  const w = x1 - x0 + 1, h = y1 - y0 + 1, s = 20 / Math.max(w, h);
  sctx.fillStyle = '#000';
  sctx.fillRect(0, 0, 28, 28);
  sctx.imageSmoothingQuality = 'high';
  sctx.drawImage(pad, x0, y0, w, h, 14 - (w * s) / 2, 14 - (h * s) / 2, w * s, h * s);
  const img = sctx.getImageData(0, 0, 28, 28).data;
  const px = new Uint8Array(784);
  for (let i = 0; i < 784; i++) px[i] = img[i * 4];
  return px;
}

function predict(): void {
  if (models.size < 2) return;
  const px = digitPixels();
  if (!px) return;
  const out: string[] = [];
  for (const key of ['float', 'bnn'] as const) {
    const model = models.get(key)!;
    const { scores, classes } = model.predict(px);
    const p = softmax(scores, model.numClasses);
    const bars = Array.from(p, (v, i) => `<span title="${i}: ${fmt(v * 100, 1)} %" style="display:inline-block;width:14px;margin-right:2px;vertical-align:bottom;background:${key === 'bnn' ? '#e45756' : '#4c78a8'};height:${Math.max(1, Math.round(v * 40))}px"></span>`).join('');
    out.push(`<div>${LABEL[key]}: <b>${classes[0]}</b> (${fmt(p[classes[0]] * 100, 1)} %)<br>${bars}<br><span class="muted">0 1 2 3 4 5 6 7 8 9</span></div>`);
    $('predictions').dataset[key] = String(classes[0]);
  }
  $('predictions').innerHTML = out.join('<br>');
}

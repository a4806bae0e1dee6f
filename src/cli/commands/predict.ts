// `xnorkit predict --model model.xnk image...`: classes of PNG images or of
// the images of an IDX file (MNIST layout), with the packed inference model.
// Pixels are normalised as the dataset loaders do (byte/127.5 - 1). PNGs of
// any kind are decoded by fast-png (src/data/png.ts); images must already
// have the model's height and width: another size is refused with a message
// (no silent resize or crop, which would change what the model sees).
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { loadInferenceModel, type InferenceModel } from '../../deploy/index.js';
import { packedModelBytes } from '../../deploy/modelFile.js';
import { readIdx } from '../../data/idx.js';
import { decodePng, isPng, type DecodedImage } from '../../data/png.js';
import { BYTE_TO_UNIT } from '../../data/dataset.js';
import { positiveInt } from '../options.js';
import { UsageError } from '../errors.js';

export interface PredictOptions {
  model: string;
  labels?: string;
  limit?: number;
  json: boolean;
}

type Image = DecodedImage;

export function predictCommand(): Command {
  return new Command('predict')
    .description('predict the classes of PNG images or of an IDX image file with a packed model (.xnk)')
    .argument('<images...>', 'PNG files (any bit depth, gray, RGB, palette, alpha, interlaced; of the model\'s size) or one IDX file of images')
    .requiredOption('--model <file>', 'packed inference model (.xnk) or training state (.xnks, packed in memory), e.g. runs/NAME/model.xnk')
    .option('--labels <file>', 'IDX labels of the images: also print the accuracy')
    .option('--limit <n>', 'only the first n images of an IDX file', positiveInt)
    .option('--json', 'print the predictions as JSON', false)
    .action((images: string[], opts: PredictOptions) => {
      runPredict(images, opts);
    });
}

function read(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch {
    throw new UsageError(`cannot read ${path}`);
  }
}

// Pixels as the model wants them: colour to gray by luminance, gray to
// colour by repetition, alpha dropped.
function toInput(img: Image, [H, W, C]: [number, number, number], out: Float32Array, at: number): void {
  if (img.width !== W || img.height !== H) {
    throw new UsageError(`${img.name} is ${img.width}x${img.height}, the model wants ${W}x${H} (resize it first)`);
  }
  const colour = img.channels >= 3;
  for (let i = 0; i < H * W; i++) {
    const p = img.pixels.subarray(i * img.channels, (i + 1) * img.channels);
    for (let c = 0; c < C; c++) {
      let v: number;
      if (C === 1) v = colour ? Math.round(0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2]) : p[0];
      else v = colour ? p[Math.min(c, 2)] : p[0];
      out[at + i * C + c] = BYTE_TO_UNIT[v];
    }
  }
}

function loadImages(paths: string[], shape: [number, number, number], limit?: number): { names: string[]; x: Float32Array } {
  const per = shape[0] * shape[1] * shape[2];
  const first = read(paths[0]);
  if (isPng(first)) {
    const x = new Float32Array(paths.length * per);
    paths.forEach((p, i) => toInput(decodePng(i === 0 ? first : read(p), p), shape, x, i * per));
    return { names: paths, x };
  }
  if (paths.length > 1) throw new UsageError('give either PNG files or a single IDX file');
  const idx = readIdx(first, paths[0]);
  if (idx.type !== 'ubyte' || idx.dims.length < 3) throw new UsageError(`${paths[0]}: expected an IDX file of unsigned-byte images [n, rows, cols(, channels)]`);
  const [n0, H, W, C = 1] = idx.dims;
  const n = Math.min(n0, limit ?? n0);
  const x = new Float32Array(n * per);
  for (let i = 0; i < n; i++) {
    const pixels = (idx.data as Uint8Array).subarray(i * H * W * C, (i + 1) * H * W * C);
    toInput({ name: `${paths[0]}#${i}`, width: W, height: H, channels: C, pixels }, shape, x, i * per);
  }
  return { names: Array.from({ length: n }, (_, i) => `${paths[0]}#${i}`), x };
}

function softmax(row: Float32Array): number[] {
  const m = Math.max(...row);
  const e = Array.from(row, (v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

export function runPredict(paths: string[], opts: PredictOptions): { predictions: number[]; accuracy?: number } {
  const plan: InferenceModel = loadInferenceModel(packedModelBytes(read(opts.model), opts.model));
  try {
    const { names, x } = loadImages(paths, plan.inputShape, opts.limit);
    const r = plan.run(x);
    const K = plan.outputs;
    const classNames = Array.isArray(plan.meta.classNames) ? (plan.meta.classNames as string[]) : null;
    const predictions = Array.from(r.predictions);
    let accuracy: number | undefined;
    if (opts.labels) {
      const lab = readIdx(read(opts.labels), opts.labels);
      if (lab.dims.length !== 1 || lab.dims[0] < r.n) throw new UsageError(`${opts.labels}: expected at least ${r.n} labels`);
      accuracy = predictions.filter((p, i) => p === lab.data[i]).length / r.n;
    }
    const rows = predictions.map((p, i) => {
      const probs = softmax(r.logits.subarray(i * K, (i + 1) * K));
      return { image: names[i], prediction: p, ...(classNames ? { label: classNames[p] } : {}), probability: probs[p] };
    });
    if (opts.json) process.stdout.write(`${JSON.stringify({ predictions: rows, ...(accuracy !== undefined ? { accuracy } : {}) })}\n`);
    else {
      const shown = rows.length > 20 && accuracy !== undefined ? rows.slice(0, 10) : rows;
      for (const row of shown) {
        process.stdout.write(`${row.image}: ${row.prediction}${row.label !== undefined && row.label !== String(row.prediction) ? ` (${row.label})` : ''}`
          + `  p=${row.probability.toFixed(3)}\n`);
      }
      if (shown.length < rows.length) process.stdout.write(`... ${rows.length - shown.length} more\n`);
      if (accuracy !== undefined) process.stdout.write(`accuracy ${(accuracy * 100).toFixed(2)}% on ${r.n} images\n`);
    }
    return { predictions, accuracy };
  } finally {
    plan.dispose();
  }
}

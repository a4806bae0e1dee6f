// `xnorkit predict --model model.xnk image...`: classes of PNG images or of
// the images of an IDX file (MNIST layout), with the packed inference model.
// Pixels are normalised as the dataset loaders do (byte/127.5 - 1); images
// must already have the model's height and width.
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { loadInferenceModel, type InferenceModel } from '../../deploy/index.js';
import { readIdx } from '../../data/idx.js';
import { BYTE_TO_UNIT } from '../../data/dataset.js';
import { positiveInt } from '../options.js';
import { UsageError } from '../errors.js';
import { resolveModelFile } from '../modelRef.js';

export interface PredictOptions {
  model: string;
  labels?: string;
  limit?: number;
  json: boolean;
}

interface Image { name: string; width: number; height: number; channels: number; pixels: Uint8Array }

export function predictCommand(): Command {
  return new Command('predict')
    .description('predict the classes of PNG images or of an IDX image file with a packed model (.xnk)')
    .argument('<images...>', 'PNG files (8-bit gray, gray+alpha, RGB or RGBA) or one IDX file of images')
    .requiredOption('--model <file.xnk|name>', 'packed inference model (xnorkit export), or a pretrained model by name (data/models, e.g. mnist-binary)')
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

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

/** 8-bit, non-interlaced PNG -> bytes per pixel as stored (gray, gray+alpha, RGB, RGBA). */
export function decodePng(bytes: Uint8Array, name = 'PNG'): Image {
  if (!PNG_SIGNATURE.every((b, i) => bytes[i] === b)) throw new UsageError(`${name} is not a PNG file`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let off = 8, width = 0, height = 0, channels = 0;
  const idat: Uint8Array[] = [];
  while (off + 8 <= bytes.length) {
    const len = view.getUint32(off);
    const type = String.fromCharCode(...bytes.subarray(off + 4, off + 8));
    const data = bytes.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = view.getUint32(off + 8);
      height = view.getUint32(off + 12);
      const depth = data[8], color = data[9], interlace = data[12];
      channels = PNG_CHANNELS[color] ?? 0;
      if (depth !== 8 || !channels || interlace !== 0) {
        throw new UsageError(`${name}: only 8-bit non-interlaced gray, gray+alpha, RGB or RGBA PNGs are supported`);
      }
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  if (!width || !idat.length) throw new UsageError(`${name}: truncated PNG (no IHDR or image data)`);
  let raw: Uint8Array;
  try {
    raw = inflateSync(Buffer.concat(idat));
  } catch {
    throw new UsageError(`${name}: corrupted PNG image data`);
  }
  const stride = width * channels;
  if (raw.length < height * (stride + 1)) throw new UsageError(`${name}: truncated PNG image data`);
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = pixels.subarray(y * stride, (y + 1) * stride);
    const up = y > 0 ? pixels.subarray((y - 1) * stride, y * stride) : new Uint8Array(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? row[i - channels] : 0, b = up[i], c = i >= channels ? up[i - channels] : 0;
      let p: number;
      switch (filter) {
        case 0: p = 0; break;
        case 1: p = a; break;
        case 2: p = b; break;
        case 3: p = (a + b) >> 1; break;
        case 4: {
          const e = a + b - c, pa = Math.abs(e - a), pb = Math.abs(e - b), pc = Math.abs(e - c);
          p = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default: throw new UsageError(`${name}: bad PNG row filter ${filter}`);
      }
      row[i] = (src[i] + p) & 0xff;
    }
  }
  return { name, width, height, channels, pixels };
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
  if (PNG_SIGNATURE.every((b, i) => first[i] === b)) {
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
  const plan: InferenceModel = loadInferenceModel(read(resolveModelFile(opts.model, 'packed')));
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

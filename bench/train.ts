// Training throughput of the larq-mnist float CNN (batch 64): xnorkit over one
// full MNIST epoch (60000 samples) on 1 thread and on all cores, next to the
// same architecture in @tensorflow/tfjs on its CPU backend (a few hundred
// samples: it runs at a few samples/s) and a check of whether tfjs' WASM
// backend can train it at all. Writes bench/results/train.json and the
// "train" section of BENCHMARKS.md. Also the binarized larq-mnist (XNOR vs
// float-emulated forward) and the binarized vgg8 on random CIFAR-shaped
// images, 1 thread and all cores. --binary-only runs just the binarized
// models and prints them (no result files).
//
//   npm run bench:train [-- --tfjs-samples 256] [-- --samples 60000] [-- --vgg8-samples 640] [-- --binary-only]
import { mkdirSync } from 'node:fs';
import { writeFileAtomic } from '../src/util/files.js';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { loadMnist, take } from '../src/data/index.js';
import { larqMnist, larqMnistFloat } from '../src/nn/models/larqMnist.js';
import { vgg8 } from '../src/nn/models/vgg8.js';
import type { Dataset } from '../src/data/index.js';
import { setXnorKernels } from '../src/nn/layers/xnorPath.js';
import { Adam } from '../src/optim/adam.js';
import { fit } from '../src/train/fit.js';
import { setThreads } from '../src/wasm/threads.js';
import { machineInfo, machineLine } from './machine.js';
import { initTfjsWasm } from './peers/tfjs-wasm.js';
import { updateBenchmarksSection, mdTable } from './benchmarksMd.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

const BATCH = 64;
const ourSamples = arg('samples', 60000);
const tfjsSamples = arg('tfjs-samples', 256);
const binarySamples = arg('binary-samples', 19200);
const vgg8Samples = arg('vgg8-samples', 640);
const binaryOnly = process.argv.includes('--binary-only');
const train = loadMnist({ split: 'train' });

function ours(threads: number): { samples_per_second: number; seconds: number; samples: number } {
  setThreads(threads);
  // Warm-up on a throwaway model: V8 tiers the WASM code up during the first calls.
  const warm = larqMnistFloat({ seed: 0 });
  fit(warm, take(train, 20 * BATCH), { epochs: 1, batchSize: BATCH, optimizer: new Adam(), verbose: 'quiet' });
  warm.dispose();
  const model = larqMnistFloat({ seed: 1 });
  const data = take(train, ourSamples);
  const h = fit(model, data, { epochs: 1, batchSize: BATCH, optimizer: new Adam(), seed: 1, verbose: 'lines' });
  model.dispose();
  const e = h.epochs[0];
  return { samples_per_second: e.samples_per_second, seconds: e.seconds, samples: data.count };
}

/**
 * Issue 4 point 5: the binarized larq-mnist trained with its binary layers'
 * forward on the XNOR-popcount kernels vs float-emulated (±1 floats through
 * the float kernels); the same numbers either way. 1 thread, alternating
 * rounds (XNOR, float, XNOR, float, ...), median samples/s per side.
 */
function binaryTraining(rounds = 3): { xnor: number; emulated: number; samples: number; rounds: number } {
  setThreads(1);
  const data = take(train, binarySamples);
  const run = (xnor: boolean): number => {
    setXnorKernels(xnor);
    const model = larqMnist({ seed: 1 });
    const h = fit(model, data, { epochs: 1, batchSize: BATCH, optimizer: new Adam(), seed: 1, verbose: 'quiet' });
    model.dispose();
    return h.epochs[0].samples_per_second;
  };
  // warm-up of both paths
  const warm = take(train, 10 * BATCH);
  for (const xnor of [true, false]) {
    setXnorKernels(xnor);
    const m = larqMnist({ seed: 0 });
    fit(m, warm, { epochs: 1, batchSize: BATCH, optimizer: new Adam(), verbose: 'quiet' });
    m.dispose();
  }
  const xs: number[] = [], fs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    xs.push(run(true));
    fs.push(run(false));
    process.stderr.write(`binarized training round ${r + 1}/${rounds}: XNOR ${xs[r].toFixed(0)}, float-emulated ${fs[r].toFixed(0)} samples/s\n`);
  }
  setXnorKernels(true);
  const med = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
  return { xnor: med(xs), emulated: med(fs), samples: data.count, rounds };
}

/**
 * Deterministic random 8-bit images and labels, CIFAR-shaped (32×32×3), the
 * bytes scaled as the loaders scale them (b / 127.5 - 1): training speed does
 * not depend on the data, and there is no CIFAR-10 on this machine.
 */
function randomCifar(n: number): Dataset {
  const images = new Float32Array(n * 32 * 32 * 3);
  let s = 0x9e3779b9;
  for (let i = 0; i < images.length; i++) {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    images[i] = (s >>> 24) / 127.5 - 1;
  }
  const labels = Uint8Array.from({ length: n }, (_, i) => (i * 7) % 10);
  return { name: 'random-cifar', images, labels, count: n, height: 32, width: 32, channels: 3, numClasses: 10 };
}

/**
 * The binarized vgg8 (32×32×3 input) trained on random CIFAR-shaped images,
 * batch 64, on each thread count: a 2-batch warm-up, then `rounds` runs of
 * vgg8Samples samples alternating between the thread counts, median samples/s.
 */
function vgg8Training(threadCounts: number[], rounds = 3): { samples: number; rounds: number; samples_per_second: Record<string, number> } {
  const data = randomCifar(vgg8Samples);
  const run = (t: number): number => {
    setThreads(t);
    const model = vgg8({ seed: 1, inputShape: [32, 32, 3] });
    const h = fit(model, data, { epochs: 1, batchSize: BATCH, optimizer: new Adam(), seed: 1, verbose: 'quiet' });
    model.dispose();
    return h.epochs[0].samples_per_second;
  };
  for (const t of threadCounts) {
    setThreads(t);
    const m = vgg8({ seed: 0, inputShape: [32, 32, 3] });
    fit(m, take(data, 2 * BATCH), { epochs: 1, batchSize: BATCH, optimizer: new Adam(), verbose: 'quiet' });
    m.dispose();
  }
  const per = new Map<number, number[]>(threadCounts.map((t) => [t, []]));
  for (let r = 0; r < rounds; r++) {
    for (const t of threadCounts) per.get(t)!.push(run(t));
    process.stderr.write(`binarized vgg8 round ${r + 1}/${rounds}: ${threadCounts.map((t) => `${t} thread(s) ${per.get(t)![r].toFixed(1)}`).join(', ')} samples/s\n`);
  }
  setThreads(1);
  const med = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
  return { samples: data.count, rounds, samples_per_second: Object.fromEntries(threadCounts.map((t) => [`${t}_thread${t > 1 ? 's' : ''}`, med(per.get(t)!)])) };
}

function tfjsModel(): tf.Sequential {
  // scale: true, unlike Larq's model: tfjs 4.22's BatchNormalization with
  // scale: false throws in training ("Cannot read properties of undefined
  // (reading 'read')", normalization.ts:372: it reads the absent gamma). The
  // extra per-channel multiply is negligible next to the convolutions.
  const bn = () => tf.layers.batchNormalization({ scale: true, momentum: 0.99, epsilon: 1e-3 });
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, useBias: false }),
      tf.layers.maxPooling2d({ poolSize: 2 }), bn(),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, useBias: false }),
      tf.layers.maxPooling2d({ poolSize: 2 }), bn(),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, useBias: false }), bn(),
      tf.layers.flatten(),
      tf.layers.dense({ units: 64, useBias: false }), bn(),
      tf.layers.dense({ units: 10, useBias: false }), bn(),
      tf.layers.activation({ activation: 'softmax' }),
    ],
  });
}

async function tfjsTrain(backend: string, samples: number): Promise<{ samples_per_second?: number; seconds?: number; samples: number; error?: string }> {
  if (backend === 'wasm') await initTfjsWasm();
  else await tf.setBackend(backend);
  await tf.ready();
  const model = tfjsModel();
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy' });
  const n = samples + BATCH; // one warm-up batch
  const x = tf.tensor4d(train.images.subarray(0, n * 784), [n, 28, 28, 1]);
  const y = tf.tensor1d(Array.from(train.labels.subarray(0, n)), 'float32');
  try {
    const xw = x.slice(0, BATCH), yw = y.slice(0, BATCH);
    await model.trainOnBatch(xw, yw);
    const t0 = performance.now();
    for (let s = BATCH; s < n; s += BATCH) {
      const xb = x.slice(s, Math.min(BATCH, n - s));
      const yb = y.slice(s, Math.min(BATCH, n - s));
      await model.trainOnBatch(xb, yb);
      xb.dispose(); yb.dispose();
      process.stderr.write(`tfjs-${backend}: ${s}/${samples} samples\n`);
    }
    const seconds = (performance.now() - t0) / 1000;
    return { samples_per_second: samples / seconds, seconds, samples };
  } catch (e) {
    return { samples, error: (e as Error).message.split('\n')[0] };
  } finally {
    x.dispose(); y.dispose(); model.dispose();
  }
}

const threads = availableParallelism();
if (binaryOnly) {
  const bin = binaryTraining();
  const v = vgg8Training(threads > 1 ? [1, threads] : [1]);
  process.stdout.write(`${JSON.stringify({ machine: machineLine(), binarized_larq_mnist_1_thread: bin, binarized_vgg8: v }, null, 2)}\n`);
  process.exit(0);
}
const results: Record<string, unknown> = { machine: machineInfo(), batch_size: BATCH, model: 'larq-mnist (float)' };
const one = ours(1);
const all = threads > 1 ? ours(threads) : one;
results.xnorkit_1_thread = one;
results[`xnorkit_${threads}_threads`] = all;
const bin = binaryTraining();
results.binarized_training_1_thread = bin;
const vgg = vgg8Training(threads > 1 ? [1, threads] : [1]);
results.binarized_vgg8_training = vgg;
const cpu = await tfjsTrain('cpu', tfjsSamples);
results.tfjs_cpu = cpu;
if (cpu.error) process.stderr.write(`tfjs CPU backend failed to train: ${cpu.error}\n`);
const wasmTrain = await tfjsTrain('wasm', BATCH);
results.tfjs_wasm = wasmTrain;
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
writeFileAtomic(join(import.meta.dirname, 'results', 'train.json'), JSON.stringify(results, null, 2) + '\n');

const f = (x?: number) => (x === undefined ? '—' : x.toFixed(0));
const rows = [
  [`xnorkit, ${threads} threads`, f(all.samples_per_second), all.samples, cpu.samples_per_second ? `${(all.samples_per_second / cpu.samples_per_second).toFixed(0)}×` : '—'],
  ['xnorkit, 1 thread', f(one.samples_per_second), one.samples, cpu.samples_per_second ? `${(one.samples_per_second / cpu.samples_per_second).toFixed(0)}×` : '—'],
  ['tfjs 4.22, CPU backend', f(cpu.samples_per_second), cpu.samples, '1×'],
  ['tfjs 4.22, WASM backend', wasmTrain.error ? `cannot train: ${wasmTrain.error}` : f(wasmTrain.samples_per_second), wasmTrain.samples, '—'],
];
const md = `## Training throughput: larq-mnist float CNN, batch 64

Command: \`npm run bench:train\` (bench/train.ts), ${new Date().toISOString().slice(0, 10)}.
Machine: ${machineLine()}.
xnorkit is timed over one full epoch of MNIST after a 20-step warm-up on a throwaway model;
tfjs over ${cpu.samples} samples after one warm-up batch (it is too slow for a full epoch); its BatchNormalization layers use
\`scale: true\` because tfjs 4.22 cannot train them with \`scale: false\` (it reads the absent gamma).

${mdTable(['engine', 'samples/s', 'samples timed', 'vs tfjs CPU'], rows)}
`;
const binMd = `### Binarized larq-mnist: XNOR kernels vs float-emulated forward (issue 4 point 5)

Same model, data and seed; 1 thread; ${bin.samples} samples per run, ${bin.rounds} alternating rounds, median samples/s.

The binary layers' forward products run on the XNOR kernels (or, emulated, as ±1 floats through im2col + sgemm); the backward pass multiplies float gradients (dW = colsᵀ·dY, dX = dY·sign(W)ᵀ) the same way on both sides. Behind a 2x2 max-pool only 20.7 % of conv2's output gradient is non-zero: conv2d's backward then skips the zeros (bit-identical to sgemm, \`bench/sparse-grad.ts\`) and reads the weight gradient's patches straight from the layer input, so the XNOR side never builds conv2's float patch matrix, which the emulated side still needs for its forward product. The trained weights are bit-identical either way (test/nn/xnor-path.test.ts, test/ops/sparse-gemm.test.ts).

${mdTable(['binary layers\' forward', 'samples/s', 'ratio'], [
  ['XNOR-popcount kernels (default)', bin.xnor.toFixed(0), `${(bin.xnor / bin.emulated).toFixed(2)}×`],
  ['float-emulated (`--no-xnor`)', bin.emulated.toFixed(0), '1×'],
])}
`;
const vggMd = `### Binarized vgg8 training, random CIFAR-shaped images

vgg8 (BinaryNet pattern, 32×32×3 input, \`src/nn/models/vgg8.ts\`) on ${vgg.samples} random 8-bit images per run, batch 64, after a 2-batch warm-up; ${vgg.rounds} rounds alternating between thread counts, median samples/s.

${mdTable(['threads', 'samples/s'], Object.entries(vgg.samples_per_second).map(([k, v]) => [k.replace(/_/g, ' '), v.toFixed(1)]))}
`;
updateBenchmarksSection('train', md + '\n' + binMd + '\n' + vggMd);
process.stdout.write(md + '\n' + binMd + '\n' + vggMd);
process.exit(0);

// conv2d backward with a sparse output gradient: im2col + sgemm (dense) vs the
// sparse kernels (src/ops/sparseGemm.ts), on the larq-mnist conv shapes at
// batch 64, for a range of gradient densities, 1 thread, medians of 15 after 5
// warm-up calls (what SPARSE_MAX_DENSITY / SPARSE_MIN_CHANNELS rest on); then
// whole training runs of the binarized models with the sparse backward on and
// off. Writes bench/results/sparse-grad.json and the "sparse-grad" section of
// BENCHMARKS.md.
//
//   npx tsx bench/sparse-grad.ts
import { mkdirSync } from 'node:fs';
import { writeFileAtomic } from '../src/util/files.js';
import { join } from 'node:path';
import { alloc, free, f32View } from '../src/wasm/memory.js';
import { wasm } from '../src/wasm/module.js';
import { gemm } from '../src/ops/gemm.js';
import { gemmSparseNT, convWeightGradSparse, setSparseBackward, SPARSE_MAX_DENSITY, SPARSE_MIN_CHANNELS } from '../src/ops/sparseGemm.js';
import { loadMnist, take, type Dataset } from '../src/data/index.js';
import { larqMnist } from '../src/nn/models/larqMnist.js';
import { vgg8 } from '../src/nn/models/vgg8.js';
import { binarynetCifar10 } from '../src/nn/models/binarynetCifar10.js';
import type { Sequential } from '../src/nn/sequential.js';
import { Adam } from '../src/optim/adam.js';
import { fit } from '../src/train/fit.js';
import { windowGeometry } from '../src/ops/convGeometry.js';
import { setThreads } from '../src/wasm/threads.js';
import { Rng } from '../src/tensor/random.js';
import { machineInfo, machineLine } from './machine.js';
import { updateBenchmarksSection, mdTable } from './benchmarksMd.js';

setThreads(1);
const rng = new Rng(1);
function buffer(n: number, keep = 1): number {
  const p = alloc(n * 4);
  const v = f32View(p, n);
  for (let i = 0; i < n; i++) v[i] = rng.uniform() < keep ? rng.uniform() - 0.5 : 0;
  return p;
}
function median(f: () => void): number {
  for (let i = 0; i < 5; i++) f();
  const t: number[] = [];
  for (let r = 0; r < 15; r++) {
    const s = performance.now();
    f();
    t.push(performance.now() - s);
  }
  return t.sort((a, b) => a - b)[7];
}

const SHAPES: { name: string; x: [number, number, number, number]; OC: number }[] = [
  { name: 'conv1 28x28x1→32', x: [64, 28, 28, 1], OC: 32 },
  { name: 'conv2 13x13x32→64', x: [64, 13, 13, 32], OC: 64 },
  { name: 'conv3 5x5x64→64', x: [64, 5, 5, 64], OC: 64 },
];
const DENSITIES = [0.1, 0.2, 0.25, 0.35, 0.5];
const k = wasm();
const rows: (string | number)[][] = [];
const results: unknown[] = [];
for (const s of SHAPES) {
  const geo = windowGeometry('bench', s.x, [3, 3], [1, 1], 'valid');
  const { N, H, W, C, OH, OW } = geo;
  const M = N * OH * OW, K = 9 * C, OC = s.OC;
  const x = buffer(N * H * W * C), w = buffer(K * OC), cols = alloc(M * K * 4), dw = alloc(K * OC * 4), dc = alloc(M * K * 4);
  for (const d of DENSITIES) {
    const g = buffer(M * OC, d);
    // The dense weight gradient includes building the patch matrix, as conv2d's backward must without the sparse path.
    const dW = median(() => { k.im2col(x, N, H, W, C, 3, 3, 1, 1, 0, 0, OH, OW, cols); gemm(true, false, K, OC, M, cols, g, dw); });
    const sW = median(() => convWeightGradSparse(x, geo, g, OC, dw));
    const dX = median(() => gemm(false, true, M, K, OC, g, w, dc));
    const sX = median(() => gemmSparseNT(M, K, OC, g, w, dc));
    results.push({ shape: s.name, density: d, weight_grad_ms: { dense: dW, sparse: sW }, patch_grad_ms: { dense: dX, sparse: sX } });
    rows.push([s.name, d, dW.toFixed(2), sW.toFixed(2), `${(dW / sW).toFixed(2)}×`, dX.toFixed(2), sX.toFixed(2), `${(dX / sX).toFixed(2)}×`]);
    process.stderr.write(`${s.name} density ${d}: dW ${dW.toFixed(2)} → ${sW.toFixed(2)} ms, dcols ${dX.toFixed(2)} → ${sX.toFixed(2)} ms\n`);
    free(g);
  }
  for (const p of [x, w, cols, dw, dc]) free(p);
}

// Whole training runs, sparse backward on and off, alternating, median samples/s of 3 rounds each after a
// warm-up run. CIFAR-shaped models on uniform random images (no CIFAR-10 here; speed does not depend on the data).
function synthetic(n: number): Dataset {
  const images = new Float32Array(n * 32 * 32 * 3);
  for (let i = 0; i < images.length; i++) images[i] = rng.uniform() * 2 - 1;
  const labels = Uint8Array.from({ length: n }, () => rng.int(10));
  return { name: 'random 32x32x3', images, labels, count: n, height: 32, width: 32, channels: 3, numClasses: 10 };
}
const RUNS: { model: string; build: () => Sequential; data: Dataset; batch: number }[] = [
  { model: 'larq-mnist (binarized)', build: () => larqMnist({ seed: 1 }), data: take(loadMnist({ split: 'train' }), 3200), batch: 64 },
  { model: 'vgg8 (binarized), random CIFAR-shaped data', build: () => vgg8({ seed: 1, inputShape: [32, 32, 3] }), data: synthetic(256), batch: 32 },
  { model: 'binarynet-cifar10, random CIFAR-shaped data', build: () => binarynetCifar10({ seed: 1 }), data: synthetic(64), batch: 16 },
];
const trainRows: (string | number)[][] = [];
const training: unknown[] = [];
for (const r of RUNS) {
  const run = (sparse: boolean): number => {
    setSparseBackward(sparse);
    const m = r.build();
    try {
      return fit(m, r.data, { epochs: 1, batchSize: r.batch, optimizer: new Adam(), seed: 1, verbose: 'quiet' }).epochs[0].samples_per_second;
    } finally {
      m.dispose();
    }
  };
  run(true);
  run(false);
  const on: number[] = [], off: number[] = [];
  for (let i = 0; i < 3; i++) {
    on.push(run(true));
    off.push(run(false));
  }
  setSparseBackward(true);
  const med = (v: number[]) => [...v].sort((a, b) => a - b)[1];
  training.push({ model: r.model, samples: r.data.count, batch: r.batch, sparse: med(on), dense: med(off) });
  trainRows.push([r.model, r.batch, r.data.count, med(off).toFixed(1), med(on).toFixed(1), `${(med(on) / med(off)).toFixed(2)}×`]);
  process.stderr.write(`${r.model}: ${med(off).toFixed(1)} → ${med(on).toFixed(1)} samples/s\n`);
}

mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
writeFileAtomic(join(import.meta.dirname, 'results', 'sparse-grad.json'),
  JSON.stringify({ machine: machineInfo(), batch: 64, threads: 1, results, training }, null, 2) + '\n');
const md = `## conv2d backward with a sparse output gradient

Command: \`npx tsx bench/sparse-grad.ts\`, ${new Date().toISOString().slice(0, 10)}. Machine: ${machineLine()}. 1 thread, batch 64, medians of 15 calls after 5 warm-up calls.
Behind a 2x2 max-pool 20.7 % (conv2) or 25 % (conv1) of the output gradient is non-zero. The sparse kernels skip the zeros and are bit-identical
to im2col + sgemm (test/ops/sparse-gemm.test.ts); the weight gradient reads patches from the input, so its dense column includes im2col.
conv2d's backward takes them at density ≤ ${SPARSE_MAX_DENSITY} with ≥ ${SPARSE_MIN_CHANNELS} input channels.

${mdTable(['shape', 'density', 'dW dense ms', 'dW sparse ms', 'speed-up', 'dcols dense ms', 'dcols sparse ms', 'speed-up'], rows)}

Whole training runs (1 thread, one epoch of the given samples, 3 alternating rounds after a warm-up, median samples/s; identical weights either way):

${mdTable(['model', 'batch', 'samples', 'gemm backward', 'sparse backward', 'speed-up'], trainRows)}
`;
updateBenchmarksSection('sparse-grad', md);
process.stdout.write(md);
process.exit(0);

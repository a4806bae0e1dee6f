// Costs of the non-GEMM float kernels at the shapes of one batch-64 training
// step of the Larq MNIST CNN. Prints median ms per call after warm-up, and the
// effective bandwidth (bytes each call must read + write, over time), which
// says how far a kernel is from being memory-bound.
// Run: npx tsx bench/float-kernels.ts [name-filter]
import os from 'node:os';
import { Bench } from 'tinybench';
import { wasm } from '../src/wasm/module.js';
import { alloc, f32View } from '../src/wasm/memory.js';

const k = wasm();

function buffer(n: number, seed = 1): number {
  const p = alloc(n * 4);
  const v = f32View(p, n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    v[i] = (s / 2 ** 32) * 2 - 1;
  }
  return p;
}

interface Case { name: string; bytes: number; fn: () => void }
const cases: Case[] = [];
const MB = 1e6;

// Conv geometry, "valid" padding, stride 1.
function convCases(N: number, H: number, W: number, C: number, KH: number, KW: number): void {
  const OH = H - KH + 1, OW = W - KW + 1;
  const xs = N * H * W * C, cs = N * OH * OW * KH * KW * C;
  const X = buffer(xs), cols = buffer(cs);
  const shape = `[${N},${H},${W},${C}] ${KH}x${KW} -> cols[${N * OH * OW},${KH * KW * C}]`;
  cases.push({ name: `im2col ${shape}`, bytes: 4 * (xs + cs), fn: () => k.im2col(X, N, H, W, C, KH, KW, 1, 1, 0, 0, OH, OW, cols) });
  cases.push({ name: `col2im ${shape}`, bytes: 4 * (xs + cs), fn: () => k.col2im(cols, N, H, W, C, KH, KW, 1, 1, 0, 0, OH, OW, X) });
}
convCases(64, 28, 28, 1, 3, 3);
convCases(64, 13, 13, 32, 3, 3);
convCases(64, 5, 5, 64, 3, 3);

{
  const N = 64, H = 26, W = 26, C = 32, OH = 13, OW = 13;
  const xs = N * H * W * C, ys = N * OH * OW * C;
  const X = buffer(xs), Y = buffer(ys), arg = alloc(ys * 4), dX = buffer(xs);
  const shape = `[${N},${H},${W},${C}] 2x2/2`;
  cases.push({ name: `maxPool2dForward ${shape}`, bytes: 4 * (xs + 2 * ys),
    fn: () => k.maxPool2dForward(X, N, H, W, C, 2, 2, 2, 2, 0, 0, OH, OW, Y, arg) });
  k.maxPool2dForward(X, N, H, W, C, 2, 2, 2, 2, 0, 0, OH, OW, Y, arg);
  cases.push({ name: `maxPool2dBackward ${shape}`, bytes: 4 * (xs + 2 * ys), fn: () => k.maxPool2dBackward(Y, arg, ys, dX, xs) });
}

for (const [rows, C] of [[64 * 26 * 26, 32], [64 * 11 * 11, 64], [64, 64]]) {
  const n = rows * C;
  const X = buffer(n), Y = buffer(n), dY = buffer(n, 7), dX = buffer(n);
  const mean = buffer(C), vari = buffer(C), scale = buffer(C), shift = buffer(C), dG = buffer(C), dB = buffer(C);
  const invStd = alloc(C * 4);
  f32View(invStd, C).fill(1.7);
  const shape = `[${rows},${C}]`;
  cases.push({ name: `channelMeanVar ${shape}`, bytes: 4 * n, fn: () => k.channelMeanVar(X, rows, C, mean, vari) });
  cases.push({ name: `columnSum ${shape}`, bytes: 4 * n, fn: () => k.columnSum(X, rows, C, mean) });
  cases.push({ name: `channelScaleShift ${shape}`, bytes: 8 * n, fn: () => k.channelScaleShift(X, rows, C, scale, shift, Y) });
  cases.push({ name: `batchNormBackward ${shape}`, bytes: 12 * n, fn: () => k.batchNormBackward(dY, X, rows, C, mean, invStd, scale, dX, dG, dB) });
}

{
  const n = 64 * 26 * 26 * 32;
  const A = buffer(n), B = buffer(n, 3), Y = buffer(n);
  cases.push({ name: `relu n=${n}`, bytes: 8 * n, fn: () => k.relu(A, n, Y) });
  cases.push({ name: `reluBackward n=${n}`, bytes: 12 * n, fn: () => k.reluBackward(A, B, n, Y) });
  cases.push({ name: `add n=${n}`, bytes: 12 * n, fn: () => k.add(A, B, n, Y) });
  cases.push({ name: `sum n=${n}`, bytes: 4 * n, fn: () => k.sum(A, n) });
  // ~ the parameter count of the Larq MNIST CNN
  const p = 93_000;
  const P = buffer(p), G = buffer(p, 5), M = buffer(p, 9), V = alloc(p * 4);
  f32View(V, p).fill(0.01);
  cases.push({ name: `adamUpdate n=${p}`, bytes: 28 * p, fn: () => k.adamUpdate(P, G, M, V, p, 1e-3, 0.9, 0.999, 1e-7) });
  cases.push({ name: `sgdUpdate nesterov n=${p}`, bytes: 20 * p, fn: () => k.sgdUpdate(P, G, M, p, 1e-3, 0.9, 1) });
}

const filter = process.argv[2] ?? '';
const selected = cases.filter((c) => c.name.includes(filter));
const bench = new Bench({ time: 300, warmupTime: 150, warmupIterations: 20, iterations: 20 });
for (const c of selected) bench.add(c.name, c.fn);
await bench.run();

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(`float kernels, ${cpu}, ${os.availableParallelism()} cores, Node ${process.version}; single thread, median ms per call`);
const width = Math.max(...selected.map((c) => c.name.length));
for (const [i, task] of bench.tasks.entries()) {
  const c = selected[i], r = task.result;
  if (r.state !== 'completed') {
    console.log(`${c.name.padEnd(width)}  ${r.state}`);
    continue;
  }
  const ms = r.latency.p50;
  console.log(`${c.name.padEnd(width)}  ${ms.toFixed(3).padStart(8)} ms  ${(c.bytes / MB / ms).toFixed(1).padStart(6)} GB/s`);
}

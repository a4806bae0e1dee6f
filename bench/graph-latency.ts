// Batch-1 latency on one thread of the larq_zoo graph models at 224x224x3
// (1000 classes, random weights) on the packed inference engine (src/deploy):
//   packed, binary (bit-exact)     the .xnk export: logits bit-identical to
//                                  model.predict (checked before timing)
//   packed, binary (popcount)      Bi-Real Net only: export with
//                                  binarizeScaledKernels, its magnitude-aware
//                                  kernels on XNOR-popcount (logits within float
//                                  rounding of predict; the largest difference
//                                  is recorded)
//   packed, float twin             the same graph with every quantizer removed,
//                                  exported and run on the same engine (im2col
//                                  + SIMD sgemm)
//   ORT-node, float twin           the float twin through exportOnnx on
//                                  onnxruntime-node (native CPU, MLAS), 1 thread
// Then batch 64 on one thread for Bi-Real Net (issue 13's target: binary at
// least 3x its float twin on onnxruntime-node), fewer repetitions.
// Each repetition runs every variant once on the same image, in turn
// (interleaved, so slow phases of the machine hit all alike); warm-up runs
// first; the table gives medians (and quartiles) over the repetitions.
// LCE's published single-thread Pixel 1 figures are printed for context: a
// different CPU (ARM, native code), so a comparison, not a like-for-like test.
// Writes bench/results/graph-latency.json and the "graph-latency" section of
// BENCHMARKS.md.
//
//   npm run bench:graph [-- --reps 15] [-- --warmup 2] [-- --reps64 3]
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../src/util/files.js';
import { createModel } from '../src/nn/models/index.js';
import type { Model } from '../src/nn/model.js';
import { modelToSpec, modelFromSpec } from '../src/nn/serialize.js';
import type { FunctionalModelSpec } from '../src/nn/graphSpecOf.js';
import { Tensor } from '../src/tensor/tensor.js';
import { tidy } from '../src/tensor/scope.js';
import { Rng } from '../src/tensor/random.js';
import { setThreads } from '../src/wasm/threads.js';
import { exportModel, loadInferenceModel, exportOnnx, type InferenceModel } from '../src/deploy/index.js';
import * as ort from 'onnxruntime-node';
import { loadavg } from 'node:os';
import { machineInfo, machineLine } from './machine.js';
import { updateBenchmarksSection, mdTable } from './benchmarksMd.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const REPS = arg('reps', 15);
const WARMUP = arg('warmup', 2);
const REPS64 = arg('reps64', 3);
const SHAPE: [number, number, number] = [224, 224, 3];
/** LCE paper / larq.dev: single-thread latency on a Pixel 1 (ms). */
const LCE_PIXEL1 = { quicknet: { lce: 21.2 }, birealnet18: { lce: 47.7, dabnn: 61.3 } } as const;

const quantile = (xs: number[], q: number) => {
  const v = [...xs].sort((a, b) => a - b);
  const at = (v.length - 1) * q;
  const lo = Math.floor(at), hi = Math.ceil(at);
  return v[lo] + (v[hi] - v[lo]) * (at - lo);
};

/** The float twin: the same graph and layers with every quantizer and kernel constraint removed. */
function floatTwin(model: Model): Model {
  const spec = modelToSpec(model) as FunctionalModelSpec;
  for (const l of spec.layers) {
    for (const k of ['inputQuantizer', 'kernelQuantizer', 'depthwiseQuantizer', 'kernelConstraint', 'depthwiseConstraint']) {
      if (k in l.config) l.config[k] = null;
    }
  }
  return modelFromSpec(spec);
}

function logits(model: Model, x: Float32Array): Float32Array {
  return tidy(() => model.predict(Tensor.from(x, [1, ...SHAPE]), { logits: true }).data.slice());
}

function maxAbsDiff(a: Float32Array, b: Float32Array): { max: number; mismatches: number } {
  let max = 0, mismatches = 0;
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) mismatches++;
    max = Math.max(max, Math.abs(a[i] - b[i]));
  }
  return { max, mismatches };
}

interface Variant {
  model: string; name: string; bytes: number; check: { max: number; mismatches: number };
  /** Logits of n images. */
  run: (x: Float32Array, n: number) => Promise<Float32Array>;
  dispose: () => Promise<void>;
}

function packedVariant(plan: InferenceModel): Pick<Variant, 'run' | 'dispose'> {
  return { run: async (x) => plan.run(x).logits, dispose: async () => plan.dispose() };
}

async function ortVariant(bytes: Uint8Array): Promise<Pick<Variant, 'run' | 'dispose'>> {
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
  });
  return {
    run: async (x, n) => (await session.run({ input: new ort.Tensor('float32', x, [n, ...SHAPE]) })).logits.data as Float32Array,
    dispose: () => session.release(),
  };
}

setThreads(1);
const loadBefore = loadavg()[0];
const rng = new Rng(1);
const image = new Float32Array(SHAPE[0] * SHAPE[1] * SHAPE[2]);
for (let i = 0; i < image.length; i++) image[i] = rng.normal();

const variants: Variant[] = [];
for (const name of ['quicknet', 'birealnet18'] as const) {
  const model = createModel(name, { seed: 1, inputShape: SHAPE });
  const twin = floatTwin(model);
  const ref = logits(model, image);
  const add = async (label: string, m: Model, reference: Float32Array, opts: { binarizeScaledKernels?: boolean; onnx?: boolean } = {}) => {
    const bytes = opts.onnx ? exportOnnx(m) : exportModel(m, opts);
    const runner = opts.onnx ? await ortVariant(bytes) : packedVariant(loadInferenceModel(bytes));
    const check = maxAbsDiff(await runner.run(image, 1), reference);
    variants.push({ model: name, name: label, bytes: bytes.length, check, ...runner });
    console.log(`${name} ${label}: ${(bytes.length / 1e6).toFixed(2)} MB, logits vs predict: ${check.mismatches} differ, max |diff| ${check.max.toExponential(2)}`);
  };
  await add('packed, binary (bit-exact)', model, ref);
  if (name === 'birealnet18') await add('packed, binary (popcount)', model, ref, { binarizeScaledKernels: true });
  const twinRef = logits(twin, image);
  await add('packed, float twin', twin, twinRef);
  await add('ORT-node, float twin', twin, twinRef, { onnx: true });
  model.dispose();
  twin.dispose();
}
for (const v of variants) {
  if (v.name.includes('bit-exact') || v.name.startsWith('packed, float twin')) {
    if (v.check.mismatches) throw new Error(`${v.model} ${v.name}: ${v.check.mismatches} logits differ from predict; not timing a wrong engine`);
  }
}

/** Medians over interleaved repetitions of every variant on n images. */
async function timeAll(vs: Variant[], x: Float32Array, n: number, reps: number, warmup: number): Promise<number[][]> {
  for (let w = 0; w < warmup; w++) for (const v of vs) await v.run(x, n);
  const times = vs.map(() => [] as number[]);
  for (let r = 0; r < reps; r++) {
    for (let i = 0; i < vs.length; i++) {
      const t0 = performance.now();
      await vs[i].run(x, n);
      times[i].push(performance.now() - t0);
    }
    process.stdout.write(`batch ${n}: rep ${r + 1}/${reps}\r`);
  }
  return times;
}

const times = await timeAll(variants, image, 1, REPS, WARMUP);
// batch 64, Bi-Real Net: binary (both exports) against the float twins
const BATCH = 64;
const batch = new Float32Array(BATCH * image.length);
for (let i = 0; i < batch.length; i++) batch[i] = rng.normal();
const bireal = variants.filter((v) => v.model === 'birealnet18');
const times64 = await timeAll(bireal, batch, BATCH, REPS64, 1);
const rows64 = bireal.map((v, i) => ({ model: v.model, variant: v.name, batch: BATCH, medianMs: quantile(times64[i], 0.5), timesMs: times64[i] }));
const ort64 = rows64.find((r) => r.variant.startsWith('ORT'))!.medianMs;

const machine = machineInfo();
const load = { before: loadBefore, after: loadavg()[0] };
const rows = variants.map((v, i) => ({
  model: v.model, variant: v.name, fileBytes: v.bytes, medianMs: quantile(times[i], 0.5), q1Ms: quantile(times[i], 0.25), q3Ms: quantile(times[i], 0.75),
  logitsVsPredict: v.check, timesMs: times[i],
}));
const twinOf = (model: string) => rows.find((r) => r.model === model && r.variant.startsWith('packed, float twin'))!.medianMs;
const ortOf = (model: string) => rows.find((r) => r.model === model && r.variant.startsWith('ORT'))!.medianMs;
const result = {
  bench: 'graph-latency', date: new Date().toISOString(), machine, inputShape: SHAPE, batch: 1, threads: 1, reps: REPS, warmup: WARMUP,
  loadAverage1m: load, lcePixel1Ms: LCE_PIXEL1, rows, batch64: { reps: REPS64, rows: rows64 },
};
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
writeJsonAtomic(join(import.meta.dirname, 'results', 'graph-latency.json'), result);

const fmt = (ms: number) => ms.toFixed(1);
const table = mdTable(['model', 'engine', 'file', 'median ms (q1–q3)', 'packed float twin ÷ this', 'ORT float twin ÷ this', 'logits vs predict', 'LCE Pixel 1 (1 thread)'], rows.map((r) => [
  r.model, r.variant, `${(r.fileBytes / 1e6).toFixed(1)} MB`, `${fmt(r.medianMs)} (${fmt(r.q1Ms)}–${fmt(r.q3Ms)})`,
  `${(twinOf(r.model) / r.medianMs).toFixed(2)}×`, `${(ortOf(r.model) / r.medianMs).toFixed(2)}×`,
  r.logitsVsPredict.mismatches === 0 ? 'bit-identical' : `${r.logitsVsPredict.mismatches} of 1000 differ, max ${r.logitsVsPredict.max.toExponential(1)}`,
  r.variant.includes('binary') ? (r.model === 'quicknet' ? `LCE ${LCE_PIXEL1.quicknet.lce} ms` : `LCE ${LCE_PIXEL1.birealnet18.lce} ms, dabnn ${LCE_PIXEL1.birealnet18.dabnn} ms`) : '',
]));
const table64 = mdTable(['birealnet18, batch 64, 1 thread', 'median ms per batch', 'ms per image', 'ORT float twin ÷ this'], rows64.map((r) => [
  r.variant, fmt(r.medianMs), fmt(r.medianMs / BATCH), `${(ort64 / r.medianMs).toFixed(2)}×`,
]));
updateBenchmarksSection('graph-latency', `## Graph models at 224×224

\`npm run bench:graph\` (bench/graph-latency.ts): batch 1, one thread, one 224×224×3 image, larq_zoo QuickNet and
Bi-Real Net 18 with random weights (1000 classes) on the packed inference engine, against their float twins
(the same graph without quantizers) exported and run on the same engine and, through \`exportOnnx\`, on
onnxruntime-node (1 intra-op thread). ${REPS} interleaved repetitions after ${WARMUP} warm-up runs; medians.
"÷ this" columns: how many times faster this row is than the float twin (above 1: faster). Bi-Real Net's magnitude-aware kernels (sign × per-channel mean |w|) are a float
product in the bit-exact export (predict sums the float products one by one, which no popcount reproduces);
the "popcount" row exports them as sign bits with the scale applied to the integer dot
(\`exportModel(model, { binarizeScaledKernels: true })\`). LCE's and dabnn's figures are their published
single-thread Pixel 1 latencies (ARM64 phone, native code), for context only.

${machineLine(machine)}; 1-minute load average ${load.before.toFixed(2)} before, ${load.after.toFixed(2)} after the run.

${table}

Batch 64 (${REPS64} interleaved repetitions after a warm-up; issue 13 asks binary ≥ 3× the ORT float twin):

${table64}
`);
console.log(`\n${table}\n\n${table64}`);
for (const v of variants) await v.dispose();

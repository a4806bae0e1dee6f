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
// Timing (bench/pairedTiming.ts): each round runs every variant of a model
// once, in turn, the order reversed every other round, after warm-up; times
// are medians (and quartiles) over the rounds, and "÷ this" ratios medians of
// the per-round ratios (this VM has stretches of several seconds in which
// everything runs much slower). Before timing, every variant's logits are
// checked against predict at batch 1, and at batch 64 the first image's
// logits against its batch-1 logits.
// LCE's published single-thread Pixel 1 figures are printed for context: a
// different CPU (ARM, native code), so a comparison, not a like-for-like test.
// Writes bench/results/graph-latency.json and the "graph-latency" section of
// BENCHMARKS.md.
//
//   npm run bench:graph [-- --reps 15] [-- --warmup 2] [-- --reps64 5]
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
import { timePaired, quantile, type PairedTiming } from './pairedTiming.js';
import { machineBusy, describeBusy } from './machineBusy.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const REPS = arg('reps', 15);
const WARMUP = arg('warmup', 2);
const REPS64 = arg('reps64', 5);
const SHAPE: [number, number, number] = [224, 224, 3];
/** LCE paper / larq.dev: single-thread latency on a Pixel 1 (ms). */
const LCE_PIXEL1 = { quicknet: { lce: 21.2 }, birealnet18: { lce: 47.7, dabnn: 61.3 } } as const;

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
const busy = describeBusy(await machineBusy());
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

const key = (v: Variant) => `${v.model} | ${v.name}`;
/** Interleaved rounds of every variant of each model on n images (one call per variant per round). */
async function timeModels(vs: Variant[], x: Float32Array, n: number, rounds: number, warmup: number): Promise<Map<string, PairedTiming>> {
  const out = new Map<string, PairedTiming>();
  for (const model of new Set(vs.map((v) => v.model))) {
    const mine = vs.filter((v) => v.model === model);
    const reference = key(mine.find((v) => v.name.startsWith('packed, float twin'))!);
    console.log(`${model}, batch ${n}: ${rounds} rounds...`);
    out.set(model, await timePaired(mine.map((v) => [key(v), () => v.run(x, n)]), { reference, rounds, sliceMs: 0, warmupCalls: warmup, minCalls: 1 }));
  }
  return out;
}

const timed = await timeModels(variants, image, 1, REPS, WARMUP);
// batch 64, Bi-Real Net: binary (both exports) against the float twins; its first image is the batch-1 image
const BATCH = 64;
const batch = new Float32Array(BATCH * image.length);
batch.set(image);
for (let i = image.length; i < batch.length; i++) batch[i] = rng.normal();
const bireal = variants.filter((v) => v.model === 'birealnet18');
for (const v of bireal) {
  const first = (await v.run(batch, BATCH)).slice(0, 1000);
  const one = await v.run(image, 1);
  const d = maxAbsDiff(first, one);
  const exact = !v.name.startsWith('ORT');
  const scale = Math.max(...Array.from(one, Math.abs));
  if (exact ? d.mismatches > 0 : d.max > 1e-4 * scale) throw new Error(`${key(v)}: batch-64 logits of image 0 differ from its batch-1 logits (${d.mismatches} differ, max ${d.max})`);
}
const timed64 = (await timeModels(bireal, batch, BATCH, REPS64, 1)).get('birealnet18')!;
const ort64Key = key(bireal.find((v) => v.name.startsWith('ORT'))!);
const rows64 = bireal.map((v) => ({
  model: v.model, variant: v.name, batch: BATCH, medianMs: timed64.ms.get(key(v))!, timesMs: timed64.perRound.get(key(v))!,
  ortFloatTwinOverThis: timed64.ratioBetween(ort64Key, key(v)),
}));

const machine = machineInfo();
const load = { before: loadBefore, after: loadavg()[0] };
const rows = variants.map((v) => {
  const t = timed.get(v.model)!;
  const times = t.perRound.get(key(v))!;
  const ortKey = key(variants.find((w) => w.model === v.model && w.name.startsWith('ORT'))!);
  return {
    model: v.model, variant: v.name, fileBytes: v.bytes, medianMs: t.ms.get(key(v))!, q1Ms: quantile(times, 0.25), q3Ms: quantile(times, 0.75),
    floatTwinOverThis: 1 / t.ratio.get(key(v))!, ortFloatTwinOverThis: t.ratioBetween(ortKey, key(v)),
    logitsVsPredict: v.check, timesMs: times,
  };
});
const result = {
  bench: 'graph-latency', date: new Date().toISOString(), machine, busyBeforeStart: busy.text, inputShape: SHAPE, batch: 1, threads: 1, reps: REPS, warmup: WARMUP,
  statistic: 'ms: median over rounds; ratios: medians of per-round ratios', loadAverage1m: load, lcePixel1Ms: LCE_PIXEL1, rows, batch64: { reps: REPS64, rows: rows64 },
};
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
writeJsonAtomic(join(import.meta.dirname, 'results', 'graph-latency.json'), result);

const fmt = (ms: number) => ms.toFixed(1);
const table = mdTable(['model', 'engine', 'file', 'median ms (q1–q3)', 'packed float twin ÷ this', 'ORT float twin ÷ this', 'logits vs predict', 'LCE Pixel 1 (1 thread)'], rows.map((r) => [
  r.model, r.variant, `${(r.fileBytes / 1e6).toFixed(1)} MB`, `${fmt(r.medianMs)} (${fmt(r.q1Ms)}–${fmt(r.q3Ms)})`,
  `${r.floatTwinOverThis.toFixed(2)}×`, `${r.ortFloatTwinOverThis.toFixed(2)}×`,
  r.logitsVsPredict.mismatches === 0 ? 'bit-identical' : `${r.logitsVsPredict.mismatches} of 1000 differ, max ${r.logitsVsPredict.max.toExponential(1)}`,
  r.variant.includes('binary') ? (r.model === 'quicknet' ? `LCE ${LCE_PIXEL1.quicknet.lce} ms` : `LCE ${LCE_PIXEL1.birealnet18.lce} ms, dabnn ${LCE_PIXEL1.birealnet18.dabnn} ms`) : '',
]));
const table64 = mdTable(['birealnet18, batch 64, 1 thread', 'median ms per batch', 'ms per image', 'ORT float twin ÷ this'], rows64.map((r) => [
  r.variant, fmt(r.medianMs), fmt(r.medianMs / BATCH), `${r.ortFloatTwinOverThis.toFixed(2)}×`,
]));
updateBenchmarksSection('graph-latency', `## Graph models at 224×224

\`npm run bench:graph\` (bench/graph-latency.ts): batch 1, one thread, one 224×224×3 image, larq_zoo QuickNet and
Bi-Real Net 18 with random weights (1000 classes) on the packed inference engine, against their float twins
(the same graph without quantizers) exported and run on the same engine and, through \`exportOnnx\`, on
onnxruntime-node (1 intra-op thread). ${REPS} interleaved rounds (each variant of a model once per round, order
reversed every other round) after ${WARMUP} warm-up runs; times are medians over the rounds. "÷ this" columns: how
many times faster this row is than the float twin (above 1: faster), medians of the per-round ratios. Bi-Real Net's magnitude-aware kernels (sign × per-channel mean |w|) are a float
product in the bit-exact export (predict sums the float products one by one, which no popcount reproduces);
the "popcount" row exports them as sign bits with the scale applied to the integer dot
(\`exportModel(model, { binarizeScaledKernels: true })\`). LCE's and dabnn's figures are their published
single-thread Pixel 1 latencies (ARM64 phone, native code), for context only.

${machineLine(machine)}; ${busy.text}${busy.provisional ? ' (provisional: rerun on an idle machine)' : ''}; 1-minute load average ${load.before.toFixed(2)} before, ${load.after.toFixed(2)} after the run.

${table}

Batch 64 (${REPS64} interleaved rounds after a warm-up; the first image's logits checked against its batch-1 logits; issue 13 asks binary ≥ 3× the ORT float twin):

${table64}
`);
console.log(`\n${table}\n\n${table64}`);
for (const v of variants) await v.dispose();

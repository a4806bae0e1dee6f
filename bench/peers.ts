// larq-mnist inference against the float runtimes a user would deploy
// instead (issue 13). From a Float32Array of images to logits, for
// larq-mnist (MNIST test images; trained briefly) or, with --model vgg8,
// vgg8 at 32×32×3 with random weights and random 8-bit images (batch 64 and 1):
//   xnorkit engine, binary      packed binarized model (src/deploy)
//   xnorkit engine, float       the float twin on the same engine
//   ORT-node, float twin        onnxruntime-node (native CPU, MLAS), exportOnnx of the float twin
//   ORT-node, binary as float   the binarized model as float Sign + Conv/MatMul (exportOnnx)
//   ORT-web, float twin         onnxruntime-web's WASM backend (SIMD) in Node
//   tfjs-wasm, float twin       @tensorflow/tfjs wasm backend (XNNPACK, 1 thread in Node)
// Before timing, every peer's logits are checked against ours (ORT within
// 1e-4 relative; tfjs has its own random weights and is not checked).
// Batch 256 and 1, 1 and 2 threads (ORT-node: intraOpNumThreads; ORT-web's
// thread count is fixed per process at its first session, so it runs with 1
// thread, as does tfjs-wasm in Node). Timing (bench/pairedTiming.ts): many
// short interleaved rounds, every task in each; a speed-up is the median of
// the per-round ratios to the binary engine. Writes bench/results/peers.json
// after each configuration and the "peers" section of BENCHMARKS.md.
//
//   npm run bench:peers [-- --model larq-mnist|vgg8] [-- --slice 100] [-- --rounds 20] [-- --threads 1,2] [-- --batches 256,1]
import { mkdirSync } from 'node:fs';
import { writeFileAtomic } from '../src/util/files.js';
import { join } from 'node:path';
import os from 'node:os';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { createModel } from '../src/nn/models/index.js';
import { loadMnist } from '../src/data/index.js';
import { setThreads } from '../src/wasm/threads.js';
import { Adam } from '../src/optim/adam.js';
import { fit } from '../src/train/fit.js';
import { exportModel, loadInferenceModel } from '../src/deploy/index.js';
import { exportOnnx } from '../src/deploy/onnx/export.js';
import { machineInfo, machineLine } from './machine.js';
import { timePaired, type TimedTask } from './pairedTiming.js';
import { machineBusy, describeBusy } from './machineBusy.js';
import { updateBenchmarksSection, mdTable } from './benchmarksMd.js';
import { initTfjsWasm, tfjsWasmInfo } from './peers/tfjs-wasm.js';
import { tfjsFloatTwin } from './peers/larqMnistTfjs.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}
const SLICE_MS = Number(arg('slice', '100'));
const ROUNDS = Number(arg('rounds', '20'));
const THREADS = arg('threads', '1,2').split(',').map(Number);
const modelArg = arg('model', 'larq-mnist');
if (modelArg !== 'larq-mnist' && modelArg !== 'vgg8') throw new Error(`--model must be larq-mnist or vgg8, got ${modelArg}`);
const MODEL: 'larq-mnist' | 'vgg8' = modelArg;
const BATCHES = arg('batches', MODEL === 'vgg8' ? '64,1' : '256,1').split(',').map(Number);
const INPUT_SHAPE: [number, number, number] = MODEL === 'vgg8' ? [32, 32, 3] : [28, 28, 1];
const PIXELS = INPUT_SHAPE[0] * INPUT_SHAPE[1] * INPUT_SHAPE[2];
const SECTION = MODEL === 'vgg8' ? 'peers-vgg8' : 'peers';

/**
 * Deterministic random 8-bit images scaled as the loaders scale bytes
 * (b / 127.5 - 1): vgg8 runs on random data (the comparison is of speed,
 * not accuracy), but with the values a camera or a CIFAR-10 file gives.
 */
function randomImages(n: number): Float32Array {
  const x = new Float32Array(n * PIXELS);
  let s = 0x9e3779b9;
  for (let i = 0; i < x.length; i++) {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    x[i] = (s >>> 24) / 127.5 - 1;
  }
  return x;
}

function relErr(a: Float32Array, ref: Float32Array): number {
  if (a.length !== ref.length) return Infinity;
  let d = 0, m = 0;
  for (let i = 0; i < ref.length; i++) {
    d = Math.max(d, Math.abs(a[i] - ref[i]));
    m = Math.max(m, Math.abs(ref[i]));
  }
  return d / m;
}

type OrtSession = { run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown }>> };

const fmtMs = (ms: number, batch: number) => (batch === 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`);

async function main(): Promise<void> {
  const machine = machineInfo();
  const loadStart = os.loadavg();
  const busy = describeBusy(await machineBusy());
  console.log(`machine: ${machineLine(machine)}; ${busy.text}; load average ${loadStart.map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`${ROUNDS} interleaved rounds of ${SLICE_MS} ms per task after 5 warm-up calls; speed-up = median of per-round ratios`);

  const images = MODEL === 'vgg8' ? randomImages(Math.max(...BATCHES)) : loadMnist({ split: 'test', limit: Math.max(...BATCHES) }).images;
  const binary = createModel(MODEL, { seed: 1, inputShape: INPUT_SHAPE });
  // The fused conv + bit-pool kernel skips work by the signs it sees: realistic statistics need some training.
  // vgg8 gets one epoch on random images and labels: untrained BatchNorm puts every threshold at an integer,
  // where the ±1 sums of a random network often land exactly, so a last-bit difference in the float first
  // layer (ORT sums in another order) would flip signs and the logits could not be checked.
  const trainSet = MODEL === 'vgg8'
    ? { name: 'random', images: randomImages(512), labels: Uint8Array.from({ length: 512 }, (_, i) => (i * 7) % 10), count: 512, height: 32, width: 32, channels: 3, numClasses: 10 }
    : loadMnist({ split: 'train', limit: 4096 });
  fit(binary, trainSet, { epochs: 1, batchSize: 64, optimizer: new Adam(), verbose: 'quiet', seed: 1 });
  const float = createModel(MODEL, { seed: 1, float: true, inputShape: INPUT_SHAPE });
  const binaryPlan = loadInferenceModel(exportModel(binary)), floatPlan = loadInferenceModel(exportModel(float));
  const binaryOnnx = exportOnnx(binary), floatOnnx = exportOnnx(float);

  ortWeb.env.wasm.numThreads = 1;
  const web = await ortWeb.InferenceSession.create(floatOnnx, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const nodeSessions = new Map<string, OrtSession>();
  for (const t of THREADS) {
    for (const [name, bytes] of [['float', floatOnnx], ['binary', binaryOnnx]] as const) {
      nodeSessions.set(`${name}${t}`, await ortNode.InferenceSession.create(bytes, {
        intraOpNumThreads: t, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
      }) as unknown as OrtSession);
    }
  }
  const tf = await initTfjsWasm();
  const tfInfo = await tfjsWasmInfo();
  const tfModel = MODEL === 'larq-mnist' ? tfjsFloatTwin(tf) : null; // the tfjs twin is written for larq-mnist only

  const ortRun = async (s: OrtSession, T: typeof ortNode.Tensor | typeof ortWeb.Tensor, x: Float32Array) =>
    (await s.run({ input: new T('float32', x, [x.length / PIXELS, ...INPUT_SHAPE]) })).logits.data as Float32Array;
  const tfjs = (x: Float32Array) => {
    const t = tf.tensor4d(x, [x.length / PIXELS, ...INPUT_SHAPE]);
    const y = tfModel!.predict(t) as ReturnType<typeof tf.tensor>;
    const out = y.dataSync();
    t.dispose();
    y.dispose();
    return out;
  };

  // what is timed computes the same logits
  const check: Record<string, number> = {};
  const x0 = images.subarray(0, Math.max(...BATCHES) * PIXELS);
  const ours = { float: floatPlan.run(x0).logits, binary: binaryPlan.run(x0).logits };
  for (const t of THREADS) {
    check[`ORT-node float, ${t} thread(s)`] = relErr(await ortRun(nodeSessions.get(`float${t}`)!, ortNode.Tensor, x0), ours.float);
    check[`ORT-node binary as float, ${t} thread(s)`] = relErr(await ortRun(nodeSessions.get(`binary${t}`)!, ortNode.Tensor, x0), ours.binary);
  }
  check['ORT-web float'] = relErr(await ortRun(web as unknown as OrtSession, ortWeb.Tensor, x0), ours.float);
  for (const [k, v] of Object.entries(check)) {
    console.log(`logits check ${k}: max |diff| / max |logit| = ${v.toExponential(2)}`);
    if (!(v <= 1e-4)) throw new Error(`${k}: logits differ from the xnorkit engine's (${v})`);
  }

  const B = 'xnorkit engine, binary';
  const results: { batch: number; threads: number; binary_ms_spread: [number, number]; engines: { engine: string; ms: number; binary_speedup: number; speedup_iqr: [number, number] }[] }[] = [];
  const json = () => ({
    bench: 'peers', date: new Date().toISOString(), model: MODEL, inputShape: INPUT_SHAPE, machine,
    peers: { onnxruntimeNode: ortNode.env.versions, onnxruntimeWeb: ortWeb.env.versions, tfjsWasm: tfInfo },
    timing: { statistic: 'ms: median over rounds of the median call in the round; speed-up: median over rounds of the ratio to the binary engine in the same round', sliceMs: SLICE_MS, rounds: ROUNDS, warmupCalls: 5 },
    busyBeforeStart: busy.text, loadAverage: { start: loadStart, end: os.loadavg() },
    logitsCheck: check, results,
  });
  const dir = join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  for (const batch of BATCHES) {
    const x = images.subarray(0, batch * PIXELS);
    for (const threads of THREADS) {
      setThreads(threads);
      const tasks: TimedTask[] = [
        [B, () => binaryPlan.run(x)],
        ['xnorkit engine, float', () => floatPlan.run(x)],
        ['ORT-node, float twin', () => ortRun(nodeSessions.get(`float${threads}`)!, ortNode.Tensor, x)],
        ['ORT-node, binary as float', () => ortRun(nodeSessions.get(`binary${threads}`)!, ortNode.Tensor, x)],
        ...(threads === 1 ? [
          ['ORT-web (wasm), float twin', () => ortRun(web as unknown as OrtSession, ortWeb.Tensor, x)],
          ...(tfModel ? [['tfjs-wasm, float twin', () => tfjs(x)]] : []),
        ] as TimedTask[] : []),
      ];
      console.log(`batch ${batch}, ${threads} thread(s)...`);
      const t = await timePaired(tasks, { reference: B, rounds: ROUNDS, sliceMs: SLICE_MS });
      const row = {
        batch, threads, binary_ms_spread: t.referenceSpread.map((m) => +m.toFixed(4)) as [number, number],
        engines: [...t.ms].map(([engine, m]) => ({ engine, ms: +m.toFixed(4), binary_speedup: +t.ratio.get(engine)!.toFixed(2), speedup_iqr: t.ratioIqr.get(engine)!.map((r) => +r.toFixed(2)) as [number, number] })),
      };
      results.push(row);
      for (const e of row.engines) console.log(`  ${e.engine.padEnd(28)} ${fmtMs(e.ms, batch).padStart(9)}  binary is ${e.binary_speedup}x (IQR ${e.speedup_iqr.join('–')})`);
      console.log(`  (binary engine per round: ${fmtMs(row.binary_ms_spread[0], batch)} to ${fmtMs(row.binary_ms_spread[1], batch)})`);
      writeFileAtomic(join(dir, `${SECTION}.json`), JSON.stringify(json(), null, 2) + '\n');
    }
  }
  setThreads(1);
  const loadEnd = os.loadavg();
  const rows = results.flatMap((r) => r.engines.filter((e) => e.engine !== B).map((e) => [r.batch, r.threads, e.engine, fmtMs(e.ms, r.batch), fmtMs(r.engines[0].ms, r.batch), `**${e.binary_speedup.toFixed(2)}×**`, `${e.speedup_iqr[0].toFixed(2)}–${e.speedup_iqr[1].toFixed(2)}`]));
  updateBenchmarksSection(SECTION, `## ${MODEL === 'vgg8' ? 'vgg8 (32×32×3, random weights) a' : 'A'}gainst the float runtimes a user could install (\`npm run bench:peers${MODEL === 'vgg8' ? ' -- --model vgg8' : ''}\`)

${machineLine(machine)}; ${busy.text}${busy.provisional ? ' (provisional: rerun on an idle machine)' : ''}; load average ${loadStart.map((l) => l.toFixed(2)).join(' ')} at start, ${loadEnd.map((l) => l.toFixed(2)).join(' ')} at end. Peers: onnxruntime-node ${ortNode.env.versions?.common ?? ''} (native CPU), onnxruntime-web ${ortWeb.env.versions?.web ?? ''} (WASM SIMD, 1 thread), tfjs-wasm ${tfInfo.tfjsVersion}.

${MODEL === 'vgg8' ? 'vgg8 at 32×32×3 with random weights, from a Float32Array of random 8-bit images (bytes scaled as b / 127.5 - 1, as the loaders do) to logits' : 'larq-mnist (trained one epoch on 4096 images), from a Float32Array of MNIST test images to logits'}. The binary engine is the packed binarized model; every peer runs the float twin (or the binarized model written as float Sign + Conv ops) exported by \`exportOnnx\`, whose logits were checked against ours first (max relative difference ${Math.max(...Object.values(check)).toExponential(1)}). Timing: ${ROUNDS} interleaved rounds of ${SLICE_MS} ms per task after warm-up; "ms" is the median over rounds of each round's median call; the speed-up is the median of the per-round ratios (peer ms / binary ms in the same round), with their interquartile range — this VM has stretches of several seconds in which everything runs much slower, and per-round ratios are what stays comparable.

${mdTable(['batch', 'threads', 'peer', 'peer time', 'binary engine', 'binary is', 'IQR'], rows)}
`);
  console.log(`load average at end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

await main();

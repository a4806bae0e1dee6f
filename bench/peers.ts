// larq-mnist inference against the float runtimes a user would deploy
// instead (issue 13). From a Float32Array of MNIST test images to logits:
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
// thread, as does tfjs-wasm in Node). Timing: every task in turn, in
// alternating rounds, each call timed, medians of the pooled calls after
// warm-up. Writes bench/results/peers.json after each configuration.
//
//   npm run bench:peers [-- --time 1500] [-- --rounds 3] [-- --threads 1,2] [-- --batches 256,1]
import { writeFileSync, mkdirSync } from 'node:fs';
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
import { initTfjsWasm, tfjsWasmInfo } from './peers/tfjs-wasm.js';
import { tfjsFloatTwin } from './peers/larqMnistTfjs.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}
const TIME_MS = Number(arg('time', '1500'));
const ROUNDS = Number(arg('rounds', '3'));
const THREADS = arg('threads', '1,2').split(',').map(Number);
const BATCHES = arg('batches', '256,1').split(',').map(Number);

const median = (xs: number[]) => { const v = [...xs].sort((a, b) => a - b); const h = v.length >> 1; return v.length % 2 ? v[h] : (v[h - 1] + v[h]) / 2; };

type Task = [string, () => unknown];

/** Median ms per call of each task: ROUNDS rounds, each task in turn for TIME_MS / ROUNDS, every call timed. */
async function timeTasks(tasks: Task[]): Promise<Map<string, number>> {
  const samples = new Map<string, number[]>(tasks.map(([n]) => [n, []]));
  for (const [, fn] of tasks) for (let i = 0; i < 5; i++) await fn(); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, fn] of tasks) {
      const s = samples.get(name)!;
      const end = performance.now() + TIME_MS / ROUNDS;
      let calls = 0;
      while (calls < 3 || performance.now() < end) {
        const t = performance.now();
        await fn();
        s.push(performance.now() - t);
        calls++;
      }
    }
  }
  return new Map([...samples].map(([n, s]) => [n, median(s)]));
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

async function main(): Promise<void> {
  const machine = machineInfo();
  const loadStart = os.loadavg();
  console.log(`machine: ${machineLine(machine)}; load average ${loadStart.map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`${ROUNDS} alternating rounds of ${(TIME_MS / ROUNDS).toFixed(0)} ms per task after 5 warm-up calls; median per call`);

  const images = loadMnist({ split: 'test', limit: Math.max(...BATCHES) }).images;
  const binary = createModel('larq-mnist', { seed: 1 });
  // the fused conv + bit-pool kernel skips work by the signs it sees: realistic statistics need some training
  fit(binary, loadMnist({ split: 'train', limit: 4096 }), { epochs: 1, batchSize: 64, optimizer: new Adam(), verbose: 'quiet', seed: 1 });
  const float = createModel('larq-mnist', { seed: 1, float: true });
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
  const tfModel = tfjsFloatTwin(tf);

  const ortRun = async (s: OrtSession, T: typeof ortNode.Tensor | typeof ortWeb.Tensor, x: Float32Array) =>
    (await s.run({ input: new T('float32', x, [x.length / 784, 28, 28, 1]) })).logits.data as Float32Array;
  const tfjs = (x: Float32Array) => {
    const t = tf.tensor4d(x, [x.length / 784, 28, 28, 1]);
    const y = tfModel.predict(t) as ReturnType<typeof tf.tensor>;
    const out = y.dataSync();
    t.dispose();
    y.dispose();
    return out;
  };

  // what is timed computes the same logits
  const check: Record<string, number> = {};
  const x0 = images.subarray(0, Math.max(...BATCHES) * 784);
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
  const results: { batch: number; threads: number; engines: { engine: string; ms: number; binary_speedup: number }[] }[] = [];
  const json = () => ({
    bench: 'peers', model: 'larq-mnist', machine,
    peers: { onnxruntimeNode: ortNode.env.versions, onnxruntimeWeb: ortWeb.env.versions, tfjsWasm: tfInfo },
    timing: { statistic: 'median of every call', timeMsPerTask: TIME_MS, rounds: ROUNDS, warmupCalls: 5 },
    loadAverage: { start: loadStart, end: os.loadavg() },
    logitsCheck: check, results,
  });
  const dir = join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  for (const batch of BATCHES) {
    const x = images.subarray(0, batch * 784);
    for (const threads of THREADS) {
      setThreads(threads);
      const tasks: Task[] = [
        [B, () => binaryPlan.run(x)],
        ['xnorkit engine, float', () => floatPlan.run(x)],
        ['ORT-node, float twin', () => ortRun(nodeSessions.get(`float${threads}`)!, ortNode.Tensor, x)],
        ['ORT-node, binary as float', () => ortRun(nodeSessions.get(`binary${threads}`)!, ortNode.Tensor, x)],
        ...(threads === 1 ? [
          ['ORT-web (wasm), float twin', () => ortRun(web as unknown as OrtSession, ortWeb.Tensor, x)],
          ['tfjs-wasm, float twin', () => tfjs(x)],
        ] as Task[] : []),
      ];
      console.log(`batch ${batch}, ${threads} thread(s)...`);
      const ms = await timeTasks(tasks);
      const row = { batch, threads, engines: [...ms].map(([engine, m]) => ({ engine, ms: +m.toFixed(4), binary_speedup: +(m / ms.get(B)!).toFixed(2) })) };
      results.push(row);
      for (const e of row.engines) console.log(`  ${e.engine.padEnd(28)} ${batch === 1 ? `${(e.ms * 1000).toFixed(0).padStart(7)} µs` : `${e.ms.toFixed(2).padStart(7)} ms`}  binary is ${e.binary_speedup}x`);
      writeFileSync(join(dir, 'peers.json'), JSON.stringify(json(), null, 2) + '\n');
    }
  }
  setThreads(1);
  console.log(`load average at end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

await main();

// End-to-end inference of larq-mnist, eval mode: from a Float32Array of
// images to logits in JavaScript. Compared in the same process, in
// interleaved rounds (bench/pairedTiming.ts), medians after warm-up:
//   xnorkit engine, binary    compiled packed model (src/deploy): thresholds
//                             to bits, bit max-pools, XNOR-popcount GEMMs
//   xnorkit engine, float     the float twin compiled the same way (im2col +
//                             SIMD sgemm, BN as scale/shift)
//   model.predict, float      the float twin on the training engine
//   model.predict, binary     the binarized model on the training engine
//   tfjs-wasm, float          the float twin in @tensorflow/tfjs (tf.layers,
//                             wasm backend: XNNPACK, SIMD, 1 thread in Node)
// Batch 256 on 1 thread and on all cores (tfjs-wasm has one thread in
// Node either way), and batch-1 latency on 1 thread. The binarized model is
// trained for one short epoch first: the fused conv + bit-pool kernel skips
// work by the signs it sees, so its speed depends on realistic statistics
// (the float kernels' speed does not depend on the values). The bench checks
// that engine and model.predict agree before timing.
// Writes bench/results/inference.json and the "inference" section of
// BENCHMARKS.md.
//
// With --trained DIR (a run directory of `xnorkit experiment`, or `zoo` for
// data/models' mnist-binary / mnist-float), the trained pair's packed
// binary.xnk and float.xnk are timed too, on the engine, in the same
// rounds: the fully trained binarized model decides fewer pooled bits early
// than the lightly trained one, and is slower. Their logits are checked
// against model.predict of the saved training states (.xnks) that exist first.
//
//   npm run bench:inference [-- --slice 100] [-- --rounds 15] [-- --trained zoo | runs/larq-larq-mnist-mnist-seed1]
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { writeFileAtomic } from '../src/util/files.js';
import { join } from 'node:path';
import os from 'node:os';
import { createModel } from '../src/nn/models/index.js';
import { loadMnist } from '../src/data/index.js';
import { Tensor } from '../src/tensor/tensor.js';
import { tidy } from '../src/tensor/scope.js';
import { setThreads } from '../src/wasm/threads.js';
import { Adam } from '../src/optim/adam.js';
import { fit } from '../src/train/fit.js';
import { exportModel, loadInferenceModel, argmaxRows } from '../src/deploy/index.js';
import { loadTrainingState } from '../src/nn/checkpoint.js';
import { machineInfo, machineLine } from './machine.js';
import { initTfjsWasm, tfjsWasmInfo } from './peers/tfjs-wasm.js';
import { tfjsFloatTwin } from './peers/larqMnistTfjs.js';
import { updateBenchmarksSection, mdTable } from './benchmarksMd.js';
import { timePaired, type PairedTiming } from './pairedTiming.js';
import { machineBusy, describeBusy } from './machineBusy.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const SLICE_MS = arg('slice', 100);
const ROUNDS = arg('rounds', 15);
const BATCH = 256;
const ALL = os.availableParallelism();
const trainedAt = process.argv.indexOf('--trained');
const TRAINED = trainedAt >= 0 ? process.argv[trainedAt + 1] : null;
const TB = 'xnorkit engine, binary, fully trained', TF = 'xnorkit engine, float, fully trained';

/** Interleaved rounds (bench/pairedTiming.ts): ms = median over rounds; speed-ups = medians of per-round ratios to the binary engine. */
const timeTasks = (tasks: [string, () => void][]): Promise<PairedTiming> =>
  timePaired(tasks, { reference: 'xnorkit engine, binary', rounds: ROUNDS, sliceMs: SLICE_MS, warmupCalls: 5, minCalls: 2 });

async function main(): Promise<void> {
  const tf = await initTfjsWasm();
  const peer = await tfjsWasmInfo();
  const machine = machineInfo();
  const loadStart = os.loadavg();
  const busy = describeBusy(await machineBusy());
  console.log(`machine: ${machineLine(machine)}; ${busy.text}; load average ${loadStart.map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`${ROUNDS} interleaved rounds of ${SLICE_MS} ms per task after warm-up; batch ${BATCH}`);

  const data = loadMnist({ split: 'test', limit: BATCH });
  const images = data.images;
  const one = images.subarray(0, 784);
  const binary = createModel('larq-mnist', { seed: 1 });
  fit(binary, loadMnist({ split: 'train', limit: 4096 }), { epochs: 1, batchSize: 64, optimizer: new Adam(), verbose: 'quiet', seed: 1 });
  const float = createModel('larq-mnist', { seed: 1, float: true });
  const binaryFile = exportModel(binary), floatFile = exportModel(float);
  const binaryPlan = loadInferenceModel(binaryFile), floatPlan = loadInferenceModel(floatFile);
  const tfModel = tfjsFloatTwin(tf);

  // tidy: predict leaves its intermediate activations to the caller's scope
  const predictJs = (m: typeof binary, x: Float32Array) => tidy(() => m.predict(Tensor.from(x, [x.length / 784, 28, 28, 1]), { logits: true }).data.slice());
  const tfjs = (x: Float32Array) => {
    const t = tf.tensor4d(x, [x.length / 784, 28, 28, 1]);
    const y = tfModel.predict(t) as ReturnType<typeof tf.tensor>;
    const out = y.dataSync();
    t.dispose();
    y.dispose();
    return out;
  };
  checkSame('binary', binaryPlan.run(images).logits, predictJs(binary, images));
  checkSame('float', floatPlan.run(images).logits, predictJs(float, images));
  if (argmaxRows(binaryPlan.run(images).logits, BATCH, 10).length !== BATCH) throw new Error('engine output size');
  const trained = TRAINED ? loadTrained(TRAINED, images, predictJs) : null;

  const tasks = (x: Float32Array): [string, () => void][] => [
    ['xnorkit engine, binary', () => binaryPlan.run(x)],
    ['xnorkit engine, float', () => floatPlan.run(x)],
    ['model.predict, float', () => predictJs(float, x)],
    ['model.predict, binary', () => predictJs(binary, x)],
    ['tfjs-wasm, float', () => tfjs(x)],
    ...(trained && x.length > 784 ? [[TB, () => trained.binary.run(x)], [TF, () => trained.float.run(x)]] as [string, () => void][] : []),
  ];
  const runs: { threads: number; batch: number; t: PairedTiming }[] = [];
  for (const threads of [1, ALL]) {
    setThreads(threads);
    console.log(`batch ${BATCH}, ${threads} thread(s)...`);
    runs.push({ threads, batch: BATCH, t: await timeTasks(tasks(images)) });
  }
  setThreads(1);
  console.log('batch 1, 1 thread...');
  runs.push({ threads: 1, batch: 1, t: await timeTasks(tasks(one)) });
  setThreads(1);

  const B = 'xnorkit engine, binary';
  const results = runs.map((r) => ({
    threads: r.threads,
    batch: r.batch,
    engines: [...r.t.ms].map(([engine, ms]) => ({
      engine, ms: +ms.toFixed(4), samples_per_second: +(r.batch / ms * 1000).toFixed(1),
      binary_speedup: +r.t.ratio.get(engine)!.toFixed(2), speedup_iqr: r.t.ratioIqr.get(engine)!.map((v) => +v.toFixed(2)),
    })),
  }));
  const loadEnd = os.loadavg();
  const json = {
    bench: 'inference', model: 'larq-mnist', batch: BATCH, machine, peer,
    timing: { statistic: 'ms: median over rounds of the median call in the round; speed-up: median of per-round ratios to the binary engine', sliceMs: SLICE_MS, rounds: ROUNDS }, busyBeforeStart: busy.text,
    loadAverage: { start: loadStart, end: loadEnd },
    file_size_bytes: { binary: binaryFile.length, float: floatFile.length },
    trained: TRAINED ? { source: TRAINED, checked_against_predict: trained!.checked } : null,
    results,
  };
  mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
  writeFileAtomic(join(import.meta.dirname, 'results', 'inference.json'), JSON.stringify(json, null, 2) + '\n');

  const tables = results.map((r, i) => {
    const t0 = runs[i].t;
    const title = r.batch === 1 ? 'Batch-1 latency, 1 thread' : `Batch ${r.batch}, ${r.threads} thread${r.threads > 1 ? 's' : ''}`
      + (r.threads > 1 ? ' (tfjs-wasm: 1 thread, its only option in Node)' : '');
    const rows = r.engines.map((e) => [e.engine, r.batch === 1 ? `${(e.ms * 1000).toFixed(0)} µs` : `${e.ms.toFixed(2)} ms`,
      e.samples_per_second.toFixed(0), e.engine === B ? '1' : `${e.binary_speedup}×`]);
    const t = t0.ms.get(TB) !== undefined
      ? `\n\nFully trained pair (${trained!.description}): binary engine **${t0.ratioBetween(TF, TB).toFixed(2)}×** the float engine.`
      : '';
    return `**${title}**\n\n${mdTable(['engine', r.batch === 1 ? 'latency' : 'time / batch', 'samples/s', 'binary engine is faster by'], rows)}${t}`;
  });
  const md = [
    '## Inference: larq-mnist end to end (`npm run bench:inference`)',
    '',
    `${machineLine(machine)}; ${busy.text}${busy.provisional ? ' (provisional: rerun on an idle machine)' : ''}. Load average ${loadStart.map((l) => l.toFixed(1)).join(' ')} at start, ${loadEnd.map((l) => l.toFixed(1)).join(' ')} at end.`,
    `${ROUNDS} interleaved rounds of ${SLICE_MS} ms per task after warm-up; times are medians over the rounds, speed-ups medians of the per-round ratios (this VM has stretches of several seconds in which everything runs much slower). Float32Array of MNIST test images in, logits out, `
      + 'eval mode; binarized model trained 1 epoch on 4096 images (seed 1); engine and model.predict logits checked bit-equal before timing.'
      + (TRAINED ? ` "fully trained": ${trained!.description}`
        + (trained!.checked.length ? `; ${trained!.checked.join(' and ')} also checked bit-equal against model.predict of the saved training state.` : '.') : ''),
    '',
    ...tables.flatMap((t) => [t, '']),
    `Packed model files: binary ${binaryFile.length} bytes, float twin ${floatFile.length} bytes (1/${(floatFile.length / binaryFile.length).toFixed(1)}).`,
  ].join('\n');
  updateBenchmarksSection('inference', md);
  console.log(md);
}

// What is timed computes what it claims: the engine's logits equal model.predict's, bit for bit.
function checkSame(name: string, engine: Float32Array, predict: Float32Array): void {
  if (engine.length !== predict.length || engine.some((v, i) => !Object.is(v, predict[i]))) {
    throw new Error(`${name}: engine logits differ from model.predict`);
  }
}

// The run's packed models; when its training states are there too, the
// engine's logits are checked bit-equal against their model.predict.
function loadTrained(dir: string, images: Float32Array, predictJs: (m: ReturnType<typeof createModel>, x: Float32Array) => Float32Array) {
  // 'zoo': the trained larq-mnist pair shipped in data/models (mnist-binary, mnist-float)
  const zoo = dir === 'zoo';
  const root = zoo ? join(import.meta.dirname, '..', 'data', 'models') : dir;
  const nameOf = (kind: 'binary' | 'float', ext: string) => (zoo ? `mnist-${kind}.${ext}` : `${kind}.${ext}`);
  const file = (name: string) => {
    const p = join(root, name);
    if (!existsSync(p)) throw new Error(`--trained ${dir}: ${name} not found${zoo ? '' : ` (run \`xnorkit experiment --out ${dir}\` first)`}`);
    return readFileSync(p);
  };
  const binary = loadInferenceModel(file(nameOf('binary', 'xnk'))), float = loadInferenceModel(file(nameOf('float', 'xnk')));
  // each packed model whose training state is there is checked bit-equal against model.predict
  const checked: string[] = [];
  for (const [kind, plan] of [['binary', binary], ['float', float]] as const) {
    if (!existsSync(join(root, nameOf(kind, 'xnks')))) continue;
    const { model } = loadTrainingState(file(nameOf(kind, 'xnks')));
    checkSame(`${dir}/${kind}`, plan.run(images).logits, predictJs(model, images));
    model.dispose();
    checked.push(kind);
  }
  const description = zoo
    ? 'the model zoo\'s trained pair mnist-binary / mnist-float (data/models; see its manifest for how they were trained)'
    : `the packed models of the experiment run ${dir}`;
  return { binary, float, checked, description };
}

await main();

// `xnorkit bench`: a few seconds of inference-speed comparison on this
// machine — a preset's float twin against its binarized model, layer by
// layer (model.predict: float SIMD kernels vs XNOR-popcount kernels, and the
// binarized model float-emulated for reference) and as packed models on the
// fused inference engine (src/deploy). Weights do not change the speed
// of either, so untrained models and random images suffice. The full
// benchmarks (tinybench, tfjs peers) are in bench/.
import { Command } from 'commander';
import { availableParallelism, loadavg } from 'node:os';
import { setThreads } from '../../wasm/threads.js';
import { setXnorKernels, xnorKernelsEnabled } from '../../nn/layers/xnorPath.js';
import { createModelByName, presets } from '../../nn/models/index.js';
import { Rng } from '../../tensor/random.js';
import type { Dataset } from '../../data/dataset.js';
import { measureSpeeds, type Speed } from '../../experiment/speed.js';
import type { Tensor } from '../../tensor/tensor.js';
import { exportModel, loadInferenceModel } from '../../deploy/index.js';
import { machineInfo, machineLine } from '../../util/machine.js';
import { positiveInt } from '../options.js';

interface BenchOptions {
  model: string;
  threads: number;
  runs: number;
  json: boolean;
}

export function benchCommand(): Command {
  return new Command('bench')
    .description('quick inference-speed comparison of a preset: float twin vs binarized model, layer by layer and as packed models (a few seconds)')
    .option('--model <name>', `model preset (${Object.keys(presets).join(', ')})`, 'larq-mnist')
    .option('--threads <n>', 'threads for the kernels (default: all cores)', positiveInt, availableParallelism())
    .option('--runs <n>', 'timed batch-1 runs (batch-256 runs: a tenth, at least 3)', positiveInt, 50)
    .option('--json', 'print the results as JSON to stdout', false)
    .action((opts: BenchOptions) => {
      runBench(opts);
    });
}

function randomImages(shape: [number, number, number], n: number): Dataset {
  const images = new Rng(1).fillUniform(new Float32Array(n * shape[0] * shape[1] * shape[2]), -1, 1);
  return { name: 'random', images, labels: new Uint8Array(n), count: n, height: shape[0], width: shape[1], channels: shape[2], numClasses: 10 };
}

export function runBench(o: BenchOptions): Record<string, unknown> {
  const preset = presets[o.model];
  if (!preset) createModelByName(o.model); // throws the usage error listing the presets
  setThreads(o.threads);
  const data = randomImages(preset.defaultInputShape, 256);
  const opts = { latencyRuns: o.runs, throughputRuns: Math.max(3, Math.round(o.runs / 10)), throughputBatch: 256 };
  const before = xnorKernelsEnabled();
  const floatModel = createModelByName(o.model, { float: true, seed: 1 });
  const binaryModel = createModelByName(o.model, { seed: 1 });
  const withXnor = (on: boolean) => (x: Tensor) => {
    setXnorKernels(on);
    return binaryModel.predict(x, { logits: true });
  };
  const packedFloat = loadInferenceModel(exportModel(floatModel));
  const packedBinary = loadInferenceModel(exportModel(binaryModel));
  const engines: [string, (x: Tensor) => unknown][] = [
    ['float twin, layer by layer (predict)', (x) => floatModel.predict(x, { logits: true })],
    ['binarized, layer by layer, XNOR kernels', withXnor(true)],
    ['binarized, layer by layer, float-emulated', withXnor(false)],
    ['float twin, packed model, fused engine', (x) => packedFloat.run(x)],
    ['binarized, packed model, fused engine', (x) => packedBinary.run(x)],
  ];
  let speeds: Speed[];
  try {
    // Alternating run by run, so that load from other processes slows all three alike.
    speeds = measureSpeeds(engines.map((e) => e[1]), data, opts);
  } finally {
    setXnorKernels(before);
    floatModel.dispose();
    binaryModel.dispose();
    packedFloat.dispose();
    packedBinary.dispose();
  }
  const rows = engines.map(([engine], i) => ({ engine, speed: speeds[i] }));
  const base = rows[0].speed;
  const out = {
    model: o.model, threads: o.threads, machine: machineInfo(), loadavg: loadavg(),
    results: rows.map((r) => ({
      engine: r.engine, ...r.speed,
      speedup_batch1: base.latency_ms_batch1 / r.speed.latency_ms_batch1,
      speedup_batch256: r.speed.samples_per_second_batch256 / base.samples_per_second_batch256,
    })),
  };
  if (o.json) process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  else {
    const line = (cells: string[]) => process.stdout.write(`${cells[0].padEnd(40)}${cells.slice(1).map((c) => c.padStart(16)).join('')}\n`);
    process.stdout.write(`${o.model}, ${o.threads} thread(s); ${machineLine()}; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
    line(['engine', 'batch 1 (ms)', 'speed-up', 'batch 256 (/s)', 'speed-up']);
    for (const r of out.results) {
      line([r.engine, r.latency_ms_batch1.toFixed(3), `${r.speedup_batch1.toFixed(2)}x`, r.samples_per_second_batch256.toFixed(0), `${r.speedup_batch256.toFixed(2)}x`]);
    }
    process.stdout.write('Medians after warm-up, engines alternating run by run; speed-ups against the first row. Full benchmarks: npm run bench:kernels\n');
  }
  return out;
}

// `xnorkit bench`: a few seconds of inference-speed comparison on this
// machine — a preset's float twin on the float SIMD kernels against the
// binarized model on the XNOR-popcount kernels (and, for reference, the same
// binarized model computed float-emulated). Weights do not change the speed
// of either, so untrained models and random images suffice. The full
// benchmarks (tinybench, tfjs peers) are in bench/.
import { Command } from 'commander';
import { availableParallelism, loadavg } from 'node:os';
import { setThreads } from '../../wasm/threads.js';
import { setXnorKernels, xnorKernelsEnabled } from '../../nn/layers/xnorPath.js';
import { createModel, presets } from '../../nn/models/index.js';
import { Rng } from '../../tensor/random.js';
import type { Dataset } from '../../data/dataset.js';
import { measureSpeed, type Speed } from '../../experiment/speed.js';
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
    .description('quick inference-speed comparison: float twin vs binarized model on the XNOR-popcount kernels (a few seconds)')
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
  if (!preset) createModel(o.model); // throws the usage error listing the presets
  setThreads(o.threads);
  const data = randomImages(preset.defaultInputShape, 256);
  const opts = { latencyRuns: o.runs, throughputRuns: Math.max(3, Math.round(o.runs / 10)), throughputBatch: 256 };
  const before = xnorKernelsEnabled();
  const rows: { engine: string; speed: Speed }[] = [];
  const time = (engine: string, float: boolean, xnor: boolean) => {
    const model = createModel(o.model, { float, seed: 1 });
    setXnorKernels(xnor);
    try {
      rows.push({ engine, speed: measureSpeed((x) => model.predict(x), data, opts) });
    } finally {
      setXnorKernels(before);
      model.dispose();
    }
  };
  time('float twin, float32 SIMD kernels', true, true);
  time('binarized, XNOR-popcount kernels', false, true);
  time('binarized, float-emulated (--no-xnor)', false, false);
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
    process.stdout.write('Medians after warm-up; speed-ups against the float twin. Full benchmarks: npm run bench:kernels\n');
  }
  return out;
}

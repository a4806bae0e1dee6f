// CIFAR-10 training epoch times of vgg8 and binarynet-cifar10 (binarized and
// float twins), batch 64, on generated 32x32x3 images (the real archive is not
// on this machine; the step time does not depend on the pixel values). Each
// model trains `--samples` images after a warm-up step; the epoch time
// is samples/s over the 50 000 training images, from wall time and from the
// process's CPU time (what an idle core would take on 1 thread). Writes
// bench/results/cifar-epoch-time.json after every model (resumable).
//
//   npx tsx bench/cifar-epoch-time.ts [--samples 256] [--threads 1] [--only vgg8,binarynet-cifar10]
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { writeJsonAtomic } from '../src/util/files.js';
import { join } from 'node:path';
import type { Dataset } from '../src/data/dataset.js';
import { createModelByName } from '../src/nn/models/index.js';
import { resolveRecipe, recipeOptimizer, recipeModelOptions } from '../src/train/recipe.js';
import { fit } from '../src/train/fit.js';
import { Rng } from '../src/tensor/random.js';
import { setThreads } from '../src/wasm/threads.js';
import { machineInfo } from './machine.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const samples = Number(arg('samples') ?? 256);
const threads = Number(arg('threads') ?? 1);
const only = arg('only')?.split(',');
const BATCH = 64;
const EPOCH = 50000;
const OUT = join('bench', 'results', 'cifar-epoch-time.json');

function generated(n: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const images = new Float32Array(n * 32 * 32 * 3);
  rng.fillUniform(images, -1, 1);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) labels[i] = rng.int(10);
  return { name: 'cifar10 (generated)', images, labels, count: n, height: 32, width: 32, channels: 3, numClasses: 10 };
}

function time(model: string, float: boolean): Record<string, unknown> {
  const recipe = resolveRecipe('auto', { float });
  const make = (seed: number) => createModelByName(model, { ...recipeModelOptions(recipe), float, seed, inputShape: [32, 32, 3], numClasses: 10 });
  const warm = make(0);
  fit(warm, generated(BATCH, 1), { epochs: 1, batchSize: BATCH, optimizer: recipeOptimizer(recipe, 1, 1), verbose: 'quiet' });
  warm.dispose();
  const m = make(1);
  const data = generated(samples, 2);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  fit(m, data, { epochs: 1, batchSize: BATCH, optimizer: recipeOptimizer(recipe, 1, Math.ceil(samples / BATCH)), verbose: 'quiet' });
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const cpuSeconds = (c.user + c.system) / 1e6;
  m.dispose();
  const sps = samples / seconds;
  return {
    model, float, batch: BATCH, threads, samples_timed: samples, seconds, samples_per_second: sps,
    epoch_seconds_estimate: EPOCH / sps,
    // On a loaded machine the process waits for a core; its CPU time is what one idle core would take (1 thread).
    cpu_seconds: cpuSeconds, epoch_cpu_seconds_estimate: (EPOCH / samples) * cpuSeconds, date: new Date().toISOString(),
  };
}

const results: { machine: unknown; note: string; rows: Record<string, unknown>[] } = existsSync(OUT)
  ? JSON.parse(readFileSync(OUT, 'utf8'))
  : { machine: machineInfo(), note: 'provisional: measured on a shared, loaded 2-core machine', rows: [] };
setThreads(threads);
for (const model of ['vgg8', 'binarynet-cifar10']) {
  if (only && !only.includes(model)) continue;
  for (const float of [false, true]) {
    if (results.rows.some((r) => r.model === model && r.float === float && r.threads === threads)) continue;
    const row = time(model, float);
    results.rows.push(row);
    mkdirSync(join('bench', 'results'), { recursive: true });
    writeJsonAtomic(OUT, results);
    console.log(`${model}${float ? ' float' : ''}: ${(row.samples_per_second as number).toFixed(1)} samples/s, ` +
      `epoch of 50 000 ≈ ${((row.epoch_seconds_estimate as number) / 60).toFixed(1)} min wall, ` +
      `${((row.epoch_cpu_seconds_estimate as number) / 60).toFixed(1)} min of CPU (${threads} thread)`);
  }
}

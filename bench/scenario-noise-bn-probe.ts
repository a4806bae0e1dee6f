// Why the models trained with strong output noise (study c, σ_train 1) are
// more accurate with noise than without: are their BatchNorm moving
// statistics, collected with the noise on, what a clean forward pass lacks?
// For each model of bench/scenario-studies.ts (cached, or trained as there), the
// moving means and variances are re-estimated on clean training images with
// every weight frozen (one epoch of the study's recipe at learning rate 0:
// only the BatchNorm statistics move), and the clean test accuracy (all
// 10 000 images) is compared before and after. The standard models are the
// control (their statistics were collected clean already).
//
//   nice -n 19 npx tsx bench/scenario-noise-bn-probe.ts [--seeds 1,2,3] [--models standard,noise-0.5,noise-1]
import { join } from 'node:path';
import { setThreads } from '../src/wasm/threads.js';
import { loadDataset } from '../src/data/loadDataset.js';
import { Adam } from '../src/optim/adam.js';
import { fitAsync, evaluate } from '../src/train/fit.js';
import { writeJsonAtomic } from '../src/util/files.js';
import { machineInfo } from '../src/util/machine.js';
import { RECIPE, MODELS, trainedModel } from './scenario-studies.js';

const OUT = join('bench', 'results', 'scenario-noise-bn.json');

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i < 0 ? dflt : process.argv[i + 1];
}

interface Row { model: string; seed: number; clean_before: number; clean_after: number }

async function main(): Promise<void> {
  setThreads(1);
  const seeds = arg('--seeds', '1,2,3').split(',').map(Number);
  const models = arg('--models', 'standard,noise-0.5,noise-1').split(',');
  const test = loadDataset('mnist', { split: 'test' });
  const train = loadDataset('mnist', { split: 'train', limit: RECIPE.limit });
  const rows: Row[] = [];
  for (const model of models) {
    const spec = MODELS[model];
    if (!spec) throw new Error(`unknown model "${model}" (known: ${Object.keys(MODELS).join(', ')})`);
    for (const seed of seeds) {
      const { model: m } = await trainedModel(spec, seed, () => train);
      const before = evaluate(m, test, { batchSize: 500 }).accuracy;
      // Learning rate 0: Adam's step is lr·m/(√v + ε) = 0, so the only state a training pass changes is BatchNorm's moving statistics.
      const trainable = (): Float32Array[] => m.variables.filter((v) => v.trainable).map((v) => v.value.toArray());
      const w0 = trainable();
      const frozen = new Adam({ learningRate: 0 });
      await fitAsync(m, train, { epochs: 1, batchSize: RECIPE.batchSize, optimizer: frozen, seed, verbose: 'quiet' });
      frozen.dispose();
      const w1 = trainable();
      if (w0.some((w, i) => w.some((x, j) => x !== w1[i][j]))) throw new Error(`${model} seed ${seed}: a trainable weight moved at learning rate 0`);
      const after = evaluate(m, test, { batchSize: 500 }).accuracy;
      m.dispose();
      rows.push({ model, seed, clean_before: before, clean_after: after });
      process.stderr.write(`${model} seed ${seed}: clean ${(100 * before).toFixed(2)} → ${(100 * after).toFixed(2)} after clean BatchNorm statistics\n`);
      writeJsonAtomic(OUT, { recipe: RECIPE, machine: machineInfo(), rows });
    }
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});

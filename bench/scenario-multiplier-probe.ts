// Which part of the unsigned 8-bit multiplier stops multiplier-aware training of the binary model:
// the same short training (first 3000 images, 1 epoch, seed 1) under the multiplier on all layers, on the
// XNOR layers 2-5 only (the counters), on the float first layer only, and on all layers at 9 bits;
// accuracy on the first 500 test images, clean and under the multiplier it was trained with.
//
//   nice -n 19 npx tsx bench/scenario-multiplier-probe.ts
import { setThreads } from '../src/wasm/threads.js';
import { loadDataset } from '../src/data/loadDataset.js';
import { createModel } from '../src/nn/models/index.js';
import { Adam } from '../src/optim/adam.js';
import { fitAsync, evaluate } from '../src/train/fit.js';
import { withPerturbationsAsync, withPerturbations } from '../src/hardware/perturbation.js';
import { trainingPerturbations, inferencePerturbations } from '../src/hardware/sweeps.js';
setThreads(1);
const data = loadDataset('mnist', { split: 'train', limit: 3000 });
const test = loadDataset('mnist', { split: 'test', limit: 500 });
const hidden = ['quant_conv2d_1', 'quant_conv2d_2', 'quant_dense', 'quant_dense_1'];
for (const [name, bits, layers] of [['none', 0, 'all'], ['all-8', 8, 'all'], ['hidden-8', 8, hidden], ['first-8', 8, ['quant_conv2d']], ['all-9', 9, 'all']] as const) {
  const m = createModel('larq-mnist', { seed: 1 });
  const o = { binaryEncoding: 'xnor' as const, layers: layers as never };
  const opt = new Adam({ learningRate: 1e-3 });
  const t0 = performance.now();
  await withPerturbationsAsync(m, trainingPerturbations('multiplier', bits || null, o), () => fitAsync(m, data, { epochs: 1, batchSize: 32, optimizer: opt, seed: 1, verbose: 'quiet' }));
  const clean = evaluate(m, test, { batchSize: 250 }).accuracy;
  const under = bits ? withPerturbations(m, inferencePerturbations('multiplier', bits, o), () => evaluate(m, test, { batchSize: 250 }).accuracy) : clean;
  console.log(name, 'clean', clean, 'under', under, ((performance.now() - t0) / 1000).toFixed(0), 's');
}

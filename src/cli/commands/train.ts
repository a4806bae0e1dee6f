// `xnorkit train`: train one model on one dataset, evaluate it on the test
// split, write runs/NAME/results.json (and the config used, to repeat it).
import { Command } from 'commander';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { setThreads } from '../../wasm/threads.js';
import { setXnorKernels } from '../../nn/layers/xnorPath.js';
import { SCHEDULE_NAMES } from '../../optim/schedules.js';
import { numBatches } from '../../data/batches.js';
import { checkFloatActivation } from '../../nn/models/floatActivation.js';
import { loadDataset, datasetName } from '../../data/loadDataset.js';
import { createModel } from '../../nn/models/index.js';
import { RECIPE_NAMES, resolveRecipe, recipeOptimizer, recipeModelOptions, recipeAugment, describeRecipe } from '../../train/recipe.js';
import { summary } from '../../nn/summary.js';
import { quantScheme } from '../../nn/models/index.js';
import { fitAsync, evaluate, type History } from '../../train/fit.js';
import { machineInfo } from '../../util/machine.js';
import { writeJsonAtomic } from '../../util/files.js';
import { positiveInt, positiveFloat, nonNegativeInt, nonNegativeFloat, choice } from '../options.js';
import { onInterrupt } from '../interrupt.js';
import type { Verbosity } from '../../train/progress.js';

export interface TrainOptions {
  dataset: string;
  model: string;
  float: boolean;
  floatActivation: string;
  epochs: number;
  batchSize: number;
  seed: number;
  recipe: string;
  lr?: number;
  lrSchedule?: string;
  optimizer?: string;
  warmupEpochs?: number;
  bnMomentum?: number;
  kernelInitializer?: string;
  augmentShift?: number;
  augmentFlip?: boolean;
  quantizer?: string;
  bits?: number;
  ternary: boolean;
  bopThreshold?: number;
  bopGamma?: number;
  limit?: number;
  testLimit?: number;
  dataDir?: string;
  out?: string;
  json: boolean;
  quiet: boolean;
  threads: number;
  xnor: boolean;
}

export function trainCommand(): Command {
  return new Command('train')
    .description('train a model on a dataset, evaluate it on the test set, write results.json')
    .option('--dataset <name>', 'mnist | fashion-mnist | cifar10', 'mnist')
    .option('--model <name>', 'model preset (see `xnorkit models`)', 'larq-mnist')
    .option('--float', 'train the float twin (same architecture, no quantizers)', false)
    .option('--float-activation <name>', 'float twin: activation where the binarized model binarizes inputs (relu | hard_tanh | none)', 'relu')
    .option('--epochs <n>', 'epochs', positiveInt, 6)
    .option('--batch-size <n>', 'mini-batch size', positiveInt, 64)
    .option('--seed <n>', 'seed of initialisation, shuffling and dropout', nonNegativeInt, 1)
    .option('--recipe <name>', 'training recipe: auto (bnn for binary models, standard otherwise) | bnn | larq (the Larq tutorial exactly: ' +
      'Adam 1e-3 constant, BN momentum 0.99, no augmentation) | standard (larq with cosine decay); the options below override single settings',
    choice(...RECIPE_NAMES), 'auto')
    .option('--lr <x>', 'learning rate (peak rate with warm-up)', positiveFloat)
    .option('--lr-schedule <name>', 'constant | cosine (decay to 0 over the run)', choice(...SCHEDULE_NAMES))
    .option('--warmup-epochs <x>', 'linear learning-rate warm-up from lr/10 (cosine schedule)', nonNegativeFloat)
    .option('--optimizer <name>', 'adam | sgd | bop (Bop for binary variables, Adam for the rest)', choice('adam', 'sgd', 'bop'))
    .option('--bn-momentum <x>', 'momentum of every BatchNormalization\'s moving statistics', nonNegativeFloat)
    .option('--kernel-initializer <name>', 'initializer of every kernel (glorot_uniform, he_uniform, random_uniform, ...)')
    .option('--augment-shift <px>', 'random shifts of training images by up to ±px pixels (0: none)', nonNegativeInt)
    .option('--augment-flip', 'random horizontal flips of training images (not for digits)')
    .option('--quantizer <name>', 'Larq quantizer for inputs and kernels (default ste_sign; approx_sign, swish_sign, ...)')
    .option('--bits <k>', 'DoReFa k-bit weights and activations instead of binary', positiveInt)
    .option('--ternary', 'ste_tern weights and activations instead of binary', false)
    .option('--bop-threshold <x>', 'Bop threshold τ (with --optimizer bop; default 1e-8)', positiveFloat)
    .option('--bop-gamma <x>', 'Bop adaptivity rate γ (with --optimizer bop; default 1e-4)', positiveFloat)
    .option('--limit <n>', 'use only the first N training samples', positiveInt)
    .option('--test-limit <n>', 'use only the first N test samples', positiveInt)
    .option('--data-dir <dir>', 'directory holding the dataset files')
    .option('--out <dir>', 'run folder (default runs/<model>-<float|quant|dorefaK|ternary|quantizer>[-bop]-seed<S>)')
    .option('--threads <n>', 'threads for the kernels (default: all cores)', positiveInt, availableParallelism())
    .option('--no-xnor', 'binarized layers: float-emulated forward instead of the XNOR-popcount kernels')
    .option('--json', 'print results.json to stdout', false)
    .option('--quiet', 'no progress output', false)
    .action(async (opts: TrainOptions) => {
      const results = await runTrain(opts);
      // 130 = interrupted by SIGINT, after the partial results were written.
      if (results.interrupted) process.exitCode = 130;
    });
}

export async function runTrain(opts: TrainOptions): Promise<Record<string, unknown>> {
  const dataset = datasetName(opts.dataset);
  setThreads(opts.threads);
  setXnorKernels(opts.xnor);
  const verbose: Verbosity = opts.quiet ? 'quiet' : 'auto';
  const log = (s: string) => { if (!opts.quiet) process.stderr.write(s + '\n'); };
  const train = loadDataset(dataset, { split: 'train', limit: opts.limit, dataDir: opts.dataDir });
  const test = loadDataset(dataset, { split: 'test', limit: opts.testLimit, dataDir: opts.dataDir });
  log(`${dataset}: ${train.count} training and ${test.count} test samples`);

  const recipe = resolveRecipe(opts.recipe ?? 'auto', opts, {
    learningRate: opts.lr, schedule: opts.lrSchedule as 'constant' | 'cosine' | undefined, warmupEpochs: opts.warmupEpochs,
    optimizer: opts.optimizer as 'adam' | 'sgd' | 'bop' | undefined, bop: { threshold: opts.bopThreshold, gamma: opts.bopGamma },
    batchNormMomentum: opts.bnMomentum, kernelInitializer: opts.kernelInitializer,
    augment: { shift: opts.augmentShift, flip: opts.augmentFlip },
  });
  log(`recipe ${describeRecipe(recipe)}`);
  const model = createModel(opts.model, {
    ...recipeModelOptions(recipe),
    float: opts.float, floatActivation: checkFloatActivation(opts.floatActivation), quantizer: opts.quantizer, bits: opts.bits, ternary: opts.ternary || undefined, seed: opts.seed, inputShape: [train.height, train.width, train.channels], numClasses: train.numClasses,
  });
  const optimizer = recipeOptimizer(recipe, opts.epochs, numBatches(train.count, opts.batchSize));
  const kind = (opts.float ? 'float' : quantScheme(opts).tag) + (recipe.optimizer === 'bop' ? '-bop' : '');
  const out = opts.out ?? join('runs', `${opts.model}-${kind}-seed${opts.seed}`);
  const config = { command: 'train', ...opts, dataset, out, resolved_recipe: recipe };
  writeJsonAtomic(join(out, 'config.json'), config);

  const controller = new AbortController();
  const release = onInterrupt(() => {
    log('interrupt: finishing the current step, then writing what finished (Ctrl-C again to abort at once)');
    controller.abort();
  });
  let history: History;
  try {
    history = await fitAsync(model, train, { epochs: opts.epochs, batchSize: opts.batchSize, optimizer, seed: opts.seed, verbose, signal: controller.signal, augment: recipeAugment(recipe, train) });
  } finally {
    release();
  }
  const samples = history.epochs.length * train.count;
  const results: Record<string, unknown> = {
    model: opts.model,
    float: opts.float,
    ...(opts.float ? { float_activation: opts.floatActivation } : {}),
    dataset,
    seed: opts.seed,
    epochs: history.epochs.length,
    epochs_requested: opts.epochs,
    batch_size: opts.batchSize,
    threads: opts.threads,
    xnor_kernels: opts.xnor,
    optimizer: optimizer.getConfig(),
    recipe,
    learning_rate: recipe.learningRate,
    lr_schedule: recipe.schedule,
    train_samples: train.count,
    test_samples: test.count,
    train_seconds: history.train_seconds,
    samples_per_second: history.train_seconds > 0 ? samples / history.train_seconds : 0,
    interrupted: history.interrupted,
    history: history.epochs,
    summary: summary(model).totals,
    machine: machineInfo(),
    date: new Date().toISOString(),
  };
  if (history.epochs.length > 0) {
    const ev = evaluate(model, test, { batchSize: 256, verbose });
    results.test_accuracy = ev.accuracy;
    results.test_loss = ev.loss;
    log(`test accuracy ${(100 * ev.accuracy).toFixed(2)} % on ${test.count} samples; ` +
      `${(results.samples_per_second as number).toFixed(0)} training samples/s`);
  }
  writeJsonAtomic(join(out, 'results.json'), results);
  log(`wrote ${join(out, 'results.json')}`);
  if (opts.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
  model.dispose();
  optimizer.dispose();
  return results;
}

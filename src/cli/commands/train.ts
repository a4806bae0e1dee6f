// `xnorkit train`: train one model on one dataset, evaluate it on the test
// split. The run folder (locked while the run lasts; an earlier run's files
// are moved to previous/) gets config.json (repeat the run with --config),
// and after every epoch model.xnks (training state), model.xnk (packed
// inference model) and results.json, so a run stopped at any point keeps its
// completed epochs.
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { setThreads } from '../../wasm/threads.js';
import { setXnorKernels } from '../../nn/layers/xnorPath.js';
import { SCHEDULE_NAMES } from '../../optim/schedules.js';
import { numBatches } from '../../data/batches.js';
import { checkFloatActivation } from '../../nn/models/floatActivation.js';
import { loadDataset, datasetName } from '../../data/loadDataset.js';
import { createModelByName } from '../../nn/models/index.js';
import { RECIPE_NAMES, autoRecipe, resolveRecipe, recipeOptimizer, recipeModelOptions, recipeAugment, describeRecipe } from '../../train/recipe.js';
import { summary } from '../../nn/summary.js';
import { quantScheme } from '../../nn/models/index.js';
import { fitAsync, evaluate, type History } from '../../train/fit.js';
import { machineInfo } from '../../util/machine.js';
import { writeFileAtomic, writeJsonAtomic } from '../../util/files.js';
import { acquireRunFolder } from '../../util/runFolder.js';
import { saveTrainingState } from '../../nn/checkpoint.js';
import { exportModel } from '../../deploy/index.js';
import { ConfigError, isXnorkitError } from '../../errors.js';
import type { Model } from '../../nn/model.js';
import type { Optimizer } from '../../optim/optimizer.js';
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
  skipBadBatches?: boolean;
  config?: string;
}

/** Settings that are not part of a run's identity: never taken from a config file. */
const NOT_FROM_CONFIG = new Set(['command', 'config', 'json', 'quiet', 'resolved_recipe']);

/**
 * A run's config.json as options: every setting it holds, except those given
 * on this command line (`given(name)`), which still apply.
 */
export function mergeTrainConfig(opts: TrainOptions, file: string, given: (name: string) => boolean): TrainOptions {
  let cfg: Record<string, unknown>;
  try {
    cfg = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new ConfigError(`cannot read the config ${file}: ${(e as Error).message}`);
  }
  if (cfg === null || typeof cfg !== 'object' || Array.isArray(cfg)) throw new ConfigError(`${file}: expected a JSON object`);
  if (cfg.command !== undefined && cfg.command !== 'train') {
    throw new ConfigError(`${file} is the config of \`xnorkit ${String(cfg.command)}\`, not of train`);
  }
  const known = new Set([...Object.keys(opts), 'dataset', 'model', 'quantizer', 'bits', 'limit', 'testLimit', 'dataDir', 'out', 'skipBadBatches',
    'lr', 'lrSchedule', 'optimizer', 'warmupEpochs', 'bnMomentum', 'kernelInitializer', 'augmentShift', 'augmentFlip', 'bopThreshold', 'bopGamma']);
  const merged: Record<string, unknown> = { ...opts };
  for (const [k, v] of Object.entries(cfg)) {
    if (NOT_FROM_CONFIG.has(k)) continue;
    if (!known.has(k)) throw new ConfigError(`${file}: unknown setting "${k}"`);
    if (!given(k)) merged[k] = v;
  }
  return merged as unknown as TrainOptions;
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
    .option('--recipe <name>', 'training recipe: auto (bnn for binary models, with shifts of ±1 px on MNIST, bnn-warmup on Fashion-MNIST; ' +
      'float for float twins on Fashion-MNIST; standard otherwise) | bnn (Adam, peak lr 1e-2, cosine decay, BN momentum 0.9) | ' +
      'bnn-warmup (bnn with peak lr 2e-2 after 2 warm-up epochs from 2e-3) | float (Adam, peak lr 3e-3, cosine decay) | ' +
      'larq (the Larq tutorial exactly: ' +
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
    .option('--threads <n>', 'threads for the kernels (this machine\'s cores unless given)', positiveInt, availableParallelism())
    .option('--no-xnor', 'binarized layers: float-emulated forward instead of the XNOR-popcount kernels')
    .option('--skip-bad-batches', 'skip batches with NaN/Inf pixels or a non-finite loss (counted in results.json) instead of stopping', false)
    .option('--config <file>', 'settings from a run\'s config.json: repeats that run bit for bit (options given here still apply)')
    .option('--json', 'print results.json to stdout', false)
    .option('--quiet', 'no progress output', false)
    .action(async (cliOpts: TrainOptions, cmd: Command) => {
      const opts = cliOpts.config ? mergeTrainConfig(cliOpts, cliOpts.config, (k) => cmd.getOptionValueSource(k) === 'cli') : cliOpts;
      const results = await runTrain(opts);
      // 130 = interrupted by SIGINT, after the partial results were written.
      if (results.interrupted) process.exitCode = 130;
    });
}

export async function runTrain(opts: TrainOptions): Promise<Record<string, unknown>> {
  const dataset = datasetName(opts.dataset);
  const recipe = resolveRecipe(opts.recipe ?? 'auto', { ...opts, dataset }, {
    learningRate: opts.lr, schedule: opts.lrSchedule as 'constant' | 'cosine' | undefined, warmupEpochs: opts.warmupEpochs,
    optimizer: opts.optimizer as 'adam' | 'sgd' | 'bop' | undefined, bop: { threshold: opts.bopThreshold, gamma: opts.bopGamma },
    batchNormMomentum: opts.bnMomentum, kernelInitializer: opts.kernelInitializer,
    augment: { shift: opts.augmentShift, flip: opts.augmentFlip },
  });
  const kind = (opts.float ? 'float' : quantScheme(opts).tag) + (recipe.optimizer === 'bop' ? '-bop' : '');
  const out = opts.out ?? join('runs', `${opts.model}-${kind}-seed${opts.seed}`);
  const verbose: Verbosity = opts.quiet ? 'quiet' : 'auto';
  const log = (s: string) => { if (!opts.quiet) process.stderr.write(s + '\n'); };
  const folder = acquireRunFolder(out, 'train');
  let model: Model | undefined;
  let optimizer: Optimizer | undefined;
  try {
    if (folder.previous) log(`an earlier run's files in ${out} were moved to ${folder.previous}`);
    setThreads(opts.threads);
    setXnorKernels(opts.xnor);
    const { config: _c, ...settings } = opts;
    const config = { command: 'train', ...settings, dataset, out, resolved_recipe: recipe };
    const picked = (opts.recipe ?? 'auto') === 'auto' ? ` (auto: ${autoRecipe({ ...opts, dataset }).reason})` : '';
    log(`recipe ${describeRecipe(recipe)}${picked}`);
    writeJsonAtomic(join(out, 'config.json'), config);
    const train = loadDataset(dataset, { split: 'train', limit: opts.limit, dataDir: opts.dataDir });
    const test = loadDataset(dataset, { split: 'test', limit: opts.testLimit, dataDir: opts.dataDir });
    log(`${dataset}: ${train.count} training and ${test.count} test samples`);

    model = createModelByName(opts.model, {
      ...recipeModelOptions(recipe),
      float: opts.float, floatActivation: checkFloatActivation(opts.floatActivation), quantizer: opts.quantizer, bits: opts.bits, ternary: opts.ternary || undefined, seed: opts.seed, inputShape: [train.height, train.width, train.channels], numClasses: train.numClasses,
    });
    optimizer = recipeOptimizer(recipe, opts.epochs, numBatches(train.count, opts.batchSize));
    const m = model, o = optimizer;

    const results: Record<string, unknown> = {
      status: 'running',
      model: opts.model,
      float: opts.float,
      ...(opts.float ? { float_activation: opts.floatActivation } : {}),
      dataset,
      seed: opts.seed,
      epochs: 0,
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
      state_file: null as string | null,
      model_file: null as string | null,
      history: [] as unknown[],
      summary: summary(model).totals,
      machine: machineInfo(),
      date: new Date().toISOString(),
    };
    let exportRefused: string | null = null;
    // After every epoch: the model of the completed epochs and the results so far.
    const saveEpoch = (history: unknown[], epoch: number) => {
      writeFileAtomic(join(out, 'model.xnks'), saveTrainingState(m, o, {
        epoch, seed: opts.seed, batchSize: opts.batchSize, dataset, config, ...(train.classNames ? { classNames: [...train.classNames] } : {}),
      }));
      results.state_file = 'model.xnks';
      if (exportRefused === null) {
        try {
          writeFileAtomic(join(out, 'model.xnk'), exportModel(m, { meta: { dataset, seed: opts.seed, epoch, ...(train.classNames ? { classNames: [...train.classNames] } : {}) } }));
          results.model_file = 'model.xnk';
        } catch (e) {
          if (!isXnorkitError(e)) throw e;
          exportRefused = e.message;
          results.model_file_error = e.message;
          log(`no packed model (model.xnk): ${e.message}`);
        }
      }
      results.epochs = epoch;
      results.history = history;
      writeJsonAtomic(join(out, 'results.json'), results);
    };

    const controller = new AbortController();
    const release = onInterrupt((signal) => {
      log(`${signal}: finishing the current step, then writing what finished (send it again to quit at once; completed epochs are saved)`);
      controller.abort();
    });
    let history: History;
    const done: unknown[] = [];
    try {
      history = await fitAsync(model, train, {
        epochs: opts.epochs, batchSize: opts.batchSize, optimizer, seed: opts.seed, verbose, signal: controller.signal,
        skipNonFinite: opts.skipBadBatches ?? false, augment: recipeAugment(recipe, train),
        onEpochEnd: (l) => { done.push(l); saveEpoch(done, l.epoch); },
      });
    } finally {
      release();
    }
    const samples = history.epochs.length * train.count;
    Object.assign(results, {
      status: history.interrupted ? 'interrupted' : 'complete',
      epochs: history.epochs.length,
      train_seconds: history.train_seconds,
      samples_per_second: history.train_seconds > 0 ? samples / history.train_seconds : 0,
      interrupted: history.interrupted,
      skipped_batches: history.skipped_batches,
      warnings: history.warnings,
      history: history.epochs,
      date: new Date().toISOString(),
    });
    for (const w of history.warnings) log(`warning: ${w}`);
    if (history.epochs.length > 0) {
      const ev = evaluate(model, test, { batchSize: 256, verbose });
      results.test_accuracy = ev.accuracy;
      results.test_loss = ev.loss;
      log(`test accuracy ${(100 * ev.accuracy).toFixed(2)} % on ${test.count} samples; ` +
        `${(results.samples_per_second as number).toFixed(0)} training samples/s`);
    }
    writeJsonAtomic(join(out, 'results.json'), results);
    log(`wrote ${join(out, 'results.json')}${results.state_file ? `, model.xnks${results.model_file ? ' and model.xnk' : ''}` : ''}`);
    if (opts.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
    return results;
  } finally {
    model?.dispose();
    optimizer?.dispose();
    folder.release();
  }
}

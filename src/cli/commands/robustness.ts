// `xnorkit robustness`: accuracy of a model over a population of simulated
// chips as one hardware non-ideality grows (noise, process variation,
// accumulator saturation, weight bit flips), for models trained without and
// with that non-ideality. Writes results.json (sweep, points[] with level,
// mean, std, p5, yield, ci95, clean_accuracy) after every point, so Ctrl-C
// keeps what finished.
import { Command } from 'commander';
import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { setThreads } from '../../wasm/threads.js';
import { loadDataset, datasetName } from '../../data/loadDataset.js';
import type { Dataset } from '../../data/dataset.js';
import { createModelByName } from '../../nn/models/index.js';
import type { Model } from '../../nn/model.js';
import { Adam } from '../../optim/adam.js';
import { fitAsync, evaluate } from '../../train/fit.js';
import { scheduleByName, SCHEDULE_NAMES, type ScheduleName } from '../../optim/schedules.js';
import { numBatches } from '../../data/batches.js';
import { machineInfo } from '../../util/machine.js';
import { writeJsonAtomic } from '../../util/files.js';
import { positiveInt, positiveFloat, nonNegativeInt, choice } from '../options.js';
import { onInterrupt } from '../interrupt.js';
import { UsageError } from '../errors.js';
import type { Verbosity } from '../../train/progress.js';
import { withPerturbationsAsync } from '../../hardware/perturbation.js';
import { saveTrainingState, loadTrainingState } from '../../nn/checkpoint.js';
import { isPackedModel } from '../../deploy/modelFile.js';
import { writeFileAtomic } from '../../util/files.js';
import { acquireRunFolder } from '../../util/runFolder.js';
import { addClusterOptions, runRobustnessDistributed, type ClusterCliOptions } from './cluster.js';
import type { SaturatingMultiplier } from '../../hardware/multiplier.js';
import {
  runSweepAsync, trainingPerturbations, inferencePerturbations, DEFAULT_LEVELS, SWEEP_KINDS, type SweepKind, type SweepPoint, type SweepPerturbationOptions,
} from '../../hardware/sweeps.js';

export interface RobustnessOptions extends ClusterCliOptions {
  model: string;
  float: boolean;
  weights?: string;
  sweep: SweepKind;
  levels?: number[];
  trainLevels: number[];
  epochs: number;
  batchSize: number;
  lr: number;
  lrSchedule: ScheduleName;
  seed: number;
  limit?: number;
  chips: number;
  chipSeed: number;
  engine: 'float' | 'xnor' | 'deploy';
  layers: string;
  absolute: boolean;
  variationModel: 'additive' | 'multiplicative' | 'lognormal';
  variationBinary: 'analog' | 'digital';
  overflow: 'saturate' | 'wrap';
  /** DoReFa k-bit weights and activations instead of binary (the 4-bit model). */
  bits?: number;
  /** Multiplier sweep: signed product register instead of the user's unsigned 0..2^b-1. */
  signed?: boolean;
  /** Shorthand for overflow 'wrap'. */
  wrap?: boolean;
  /** Multiplier sweep: how binary layers' ±1 products are represented. */
  binaryEncoding?: 'value' | 'xnor';
  /** Layers the perturbation applies to during training (default: --layers). */
  trainLayers?: string;
  yieldThreshold: number;
  testLimit?: number;
  dataset: string;
  dataDir?: string;
  out?: string;
  modelsDir: string;
  retrain: boolean;
  threads: number;
  json: boolean;
  quiet: boolean;
}

function numberList(value: string): number[] {
  const xs = value.split(',').map((s) => Number(s.trim()));
  if (xs.length === 0 || xs.some((x) => !Number.isFinite(x) || x < 0)) throw new UsageError(`expected a comma-separated list of non-negative numbers, got "${value}"`);
  return xs;
}

function probability(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new UsageError(`expected a number in [0, 1], got "${value}"`);
  return n;
}

export function robustnessCommand(): Command {
  return addClusterOptions(new Command('robustness'))
    .description('Monte-Carlo accuracy over simulated chips vs noise / process variation / accumulator bits / bit-error rate')
    .requiredOption('--sweep <kind>', SWEEP_KINDS.join(' | '), choice(...SWEEP_KINDS))
    .option('--model <name>', 'model preset (see `xnorkit models`)', 'larq-mnist')
    .option('--float', 'the float twin of the preset', false)
    .option('--weights <file.xnks>', 'evaluate this trained model (a training state: runs/NAME/model.xnks from train, binary.xnks from experiment) instead of training')
    .option('--levels <list>', 'inference levels: noise sigma (relative to each output std), variation sigma, accumulator bits, bit-error rate, or multiplier bits')
    .option('--train-levels <list>', 'train one model per level under the same perturbation (0 = standard training)', numberList, [0])
    .option('--epochs <n>', 'training epochs per model', positiveInt, 6)
    .option('--batch-size <n>', 'training mini-batch size', positiveInt, 64)
    .option('--lr <x>', 'Adam learning rate', positiveFloat, 1e-3)
    .option('--lr-schedule <name>', 'cosine (decay to 0 over the run; default, as in train) | constant (the Larq tutorial\'s)', choice(...SCHEDULE_NAMES), 'cosine')
    .option('--seed <n>', 'training seed', nonNegativeInt, 1)
    .option('--limit <n>', 'train on the first N samples only', positiveInt)
    .option('--chips <n>', 'simulated chips per point', positiveInt, 20)
    .option('--chip-seed <n>', 'seed of the chip population (the same chips for every model and level)', nonNegativeInt, 1)
    .option('--engine <name>', 'float | xnor (binary layers on the packed kernels) | deploy (fused packed inference model; bit flips only); identical results', choice('float', 'xnor', 'deploy'), 'xnor')
    .option('--layers <sel>', 'all | dense | conv | binary | comma-separated layer names', 'all')
    .option('--absolute', 'noise sigma is absolute, not relative to each output std', false)
    .option('--variation-model <m>', 'additive | multiplicative | lognormal', choice('additive', 'multiplicative', 'lognormal'), 'multiplicative')
    .option('--variation-binary <m>', 'binary weights: analog (value varies) | digital (sign flips)', choice('analog', 'digital'), 'analog')
    .option('--overflow <m>', 'accumulator: saturate | wrap', choice('saturate', 'wrap'), 'saturate')
    .option('--bits <k>', 'DoReFa k-bit weights and activations instead of binary (e.g. the 4-bit model)', positiveInt)
    .option('--signed', 'multiplier: signed product register [-2^(b-1), 2^(b-1)-1] instead of unsigned 0..2^b-1', false)
    .option('--wrap', 'multiplier / accumulator overflow wraps (same as --overflow wrap)', false)
    .option('--binary-encoding <e>', 'multiplier, binary layers: value (±1 products as values in the register) | xnor (XNOR bits counted in an unsigned counter, 2·count − K)', choice('value', 'xnor'), 'value')
    .option('--train-layers <sel>', 'layers the perturbation applies to while training (default: --layers)')
    .option('--yield-threshold <x>', 'accuracy a chip needs to count towards the yield', probability, 0.9)
    .option('--test-limit <n>', 'evaluate on the first N test samples', positiveInt)
    .option('--dataset <name>', 'mnist | fashion-mnist | cifar10', 'mnist')
    .option('--data-dir <dir>', 'directory holding the dataset files')
    .option('--out <dir>', 'run folder (default runs/robustness-<model>-<sweep>-seed<S>)')
    .option('--models-dir <dir>', 'where trained models are cached and reused', join('runs', 'models'))
    .option('--retrain', 'train again even when a cached model matches', false)
    .option('--threads <n>', 'threads for the kernels', positiveInt, availableParallelism())
    .option('--json', 'print results.json to stdout', false)
    .option('--quiet', 'no progress output', false)
    .action(async (opts: RobustnessOptions & { levels?: string }) => {
      const r = await runRobustness({ ...opts, levels: opts.levels === undefined ? undefined : numberList(opts.levels) });
      // 130 = interrupted by SIGINT, after the finished points were written (as train does).
      if (r.interrupted) process.exitCode = 130;
    });
}

function layerSelector(s: string): SweepPerturbationOptions['layers'] {
  return ['all', 'dense', 'conv', 'binary'].includes(s) ? (s as 'all') : s.split(',').map((x) => x.trim());
}

/** A short hash of the training perturbations' options (layers, model, register...), so differently perturbed models get different cache files. */
function optionsTag(perturbations: { toJSON(): Record<string, unknown> }[]): string {
  return createHash('sha256').update(JSON.stringify(perturbations.map((p) => p.toJSON()))).digest('hex').slice(0, 8);
}

interface TrainedModel { trainLevel: number | null; model: Model; weights: string; trained: boolean; train_seconds?: number }

/** A model trained under `trainLevel` of the sweep's perturbation, from the cache when an identical run exists. */
export async function trainedModel(o: RobustnessOptions, train: () => Dataset, trainLevel: number, perturbation: SweepPerturbationOptions,
  signal: AbortSignal, verbose: Verbosity, log: (s: string) => void): Promise<TrainedModel | null> {
  const perturbations = trainingPerturbations(o.sweep, trainLevel, perturbation);
  const tag = `${o.model}-${o.float ? 'float' : o.bits ? `${o.bits}bit` : 'quant'}-${trainLevel === 0 ? 'standard' : `${o.sweep}${trainLevel}-${optionsTag(perturbations)}`}` +
    `-e${o.epochs}-b${o.batchSize}-lr${o.lr}-${o.lrSchedule}-s${o.seed}${o.limit ? `-n${o.limit}` : ''}`;
  const file = join(o.modelsDir, `${tag}.xnks`);
  const recipe = { model: o.model, float: o.float, ...(o.bits ? { bits: o.bits } : {}), epochs: o.epochs, batch_size: o.batchSize, lr: o.lr, lr_schedule: o.lrSchedule, seed: o.seed, limit: o.limit ?? null,
    perturbations: perturbations.map((p) => p.toJSON()) };
  if (!o.retrain && existsSync(file)) {
    const st = loadTrainingState(readFileSync(file));
    if (JSON.stringify(st.extra.recipe) === JSON.stringify(recipe)) {
      log(`using cached model ${file}`);
      return { trainLevel, model: st.model, weights: file, trained: false };
    }
    st.model.dispose();
    st.optimizer?.dispose();
  }
  const model = createModelByName(o.model, { float: o.float, seed: o.seed, bits: o.bits });
  const data = train();
  log(`training ${tag}${perturbations.length ? ` under ${JSON.stringify(perturbations.map((p) => p.toJSON()))}` : ''}`);
  const optimizer = new Adam({ learningRate: scheduleByName(o.lrSchedule, o.lr, o.epochs * numBatches(data.count, o.batchSize)) });
  const h = await withPerturbationsAsync(model, perturbations, () =>
    fitAsync(model, data, { epochs: o.epochs, batchSize: o.batchSize, optimizer, seed: o.seed, verbose, signal }));
  optimizer.dispose();
  if (h.interrupted) {
    model.dispose();
    return null;
  }
  writeFileAtomic(file, saveTrainingState(model, null, { epoch: h.epochs.length, recipe, train_seconds: h.train_seconds, history: h.epochs }));
  return { trainLevel, model, weights: file, trained: true, train_seconds: h.train_seconds };
}

/** A trained model from a training-state file (--weights); the training level is known only for models this command cached. */
function modelFromFile(path: string): TrainedModel {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as Error).message}`);
  }
  if (isPackedModel(bytes)) {
    throw new UsageError(`${path} is a packed inference model (.xnk): its BatchNorm layers are folded and its weights packed, so the ` +
      'perturbations cannot be applied layer by layer; pass the training state saved beside it (model.xnks / binary.xnks)');
  }
  const st = loadTrainingState(bytes);
  st.optimizer?.dispose();
  const recipe = st.extra.recipe as { perturbations?: { kind: string; sigma?: number; bits?: number; rate?: number }[] } | undefined;
  const p = recipe?.perturbations?.[0];
  return { trainLevel: p ? (p.sigma ?? p.bits ?? p.rate ?? null) : recipe ? 0 : null, model: st.model, weights: path, trained: false };
}

/** --layers with names: every name must be a layer of the model. */
function checkLayerNames(model: Model, layers: SweepPerturbationOptions['layers']): void {
  if (!Array.isArray(layers)) return;
  const names = model.layers.map((l) => l.name);
  const unknown = layers.filter((n) => !names.includes(n));
  if (unknown.length > 0) {
    throw new UsageError(`--layers: ${unknown.map((n) => `"${n}"`).join(', ')} ${unknown.length === 1 ? 'is not a layer' : 'are not layers'} of ${model.name}; ` +
      `its layers: ${names.join(', ')} (or all, dense, conv, binary)`);
  }
}

export async function runRobustness(o: RobustnessOptions): Promise<Record<string, unknown>> {
  const dataset = datasetName(o.dataset);
  setThreads(o.threads);
  const verbose: Verbosity = o.quiet ? 'quiet' : 'auto';
  const log = (s: string) => { if (!o.quiet) process.stderr.write(s + '\n'); };
  const levels = o.levels ?? DEFAULT_LEVELS[o.sweep];
  if (o.sweep === 'saturation' && levels.some((b) => !Number.isInteger(b) || b < 1 || b > 31)) throw new UsageError('saturation levels are accumulator bits: integers in 1..31');
  if (o.sweep === 'multiplier' && [...levels, ...o.trainLevels.filter((b) => b !== 0)].some((b) => !Number.isInteger(b) || b < 1 || b > 31)) {
    throw new UsageError('multiplier levels are bits of the product register: integers in 1..31');
  }
  if (o.sweep === 'multiplier' && o.signed && o.binaryEncoding === 'xnor') {
    throw new UsageError('--binary-encoding xnor counts XNOR bits in an unsigned counter; drop --signed (or use --binary-encoding value)');
  }
  if (o.sweep === 'bitflips' && levels.some((r) => r > 1)) throw new UsageError('bitflips levels are bit-error rates in [0, 1]');
  const perturbation: SweepPerturbationOptions = {
    layers: o.sweep === 'bitflips' && o.layers === 'all' ? 'binary' : layerSelector(o.layers), relative: !o.absolute,
    variationModel: o.variationModel, variationBinary: o.variationBinary, overflow: o.wrap ? 'wrap' : o.overflow,
    multiplierSigned: o.signed ?? false, binaryEncoding: o.binaryEncoding ?? 'value',
  };
  const trainPerturbation: SweepPerturbationOptions = o.trainLayers === undefined ? perturbation : { ...perturbation, layers: layerSelector(o.trainLayers) };
  // The datapath the levels stand for, in words (the multiplier's register and binary encoding).
  const assumption = o.sweep === 'multiplier'
    ? `at b = ${levels[0]} (each level sets b): ${(inferencePerturbations(o.sweep, levels[0], perturbation)[0] as SaturatingMultiplier).describe()}` : null;
  if (assumption) log(`assumption: ${assumption}`);
  if (o.queue || o.shard || o.trainOnly) {
    if (o.trainLayers !== undefined) throw new UsageError('--train-layers does not combine with --queue/--shard/--train-only (the distributed study trains on the sweep layers)');
    return runRobustnessDistributed(o, { levels, perturbation, dataset });
  }
  const test = loadDataset(dataset, { split: 'test', limit: o.testLimit, dataDir: o.dataDir });
  let trainData: Dataset | null = null;
  const train = () => (trainData ??= loadDataset(dataset, { split: 'train', limit: o.limit, dataDir: o.dataDir }));
  const out = o.out ?? join('runs', `robustness-${o.model}-${o.sweep}-seed${o.chipSeed}`);
  const folder = acquireRunFolder(out, 'robustness');
  if (folder.previous) log(`an earlier run's files in ${out} were moved to ${folder.previous}`);
  writeJsonAtomic(join(out, 'config.json'), { command: 'robustness', ...o, levels, dataset, out });

  // Training (fitAsync) and the sweep return to the event loop after every
  // step / batch, so Ctrl-C stops either at the next one: models trained so
  // far stay cached, a half-trained model is dropped, finished points are written.
  const controller = new AbortController();
  const release = onInterrupt(() => {
    log('interrupt: stopping after the current step, then writing what finished (Ctrl-C again to abort at once)');
    controller.abort();
  });
  const results: Record<string, unknown> = {
    sweep: o.sweep, model: o.model, float: o.float, dataset, test_samples: test.count, levels, chips: o.chips, chip_seed: o.chipSeed,
    engine: o.engine, yield_threshold: o.yieldThreshold, perturbation, ...(o.bits ? { bits: o.bits } : {}), ...(assumption ? { assumption } : {}),
    ...(o.trainLayers !== undefined ? { train_perturbation: trainPerturbation } : {}),
    training: o.weights ? null : { epochs: o.epochs, batch_size: o.batchSize, lr: o.lr, lr_schedule: o.lrSchedule, seed: o.seed, limit: o.limit ?? null }, models: [] as unknown[], points: [] as SweepPoint[],
    machine: machineInfo(), date: new Date().toISOString(), interrupted: false,
  };
  const write = () => writeJsonAtomic(join(out, 'results.json'), results);
  const t0 = performance.now();
  try {
    const models: TrainedModel[] = [];
    if (o.weights) {
      models.push(modelFromFile(o.weights));
    } else {
      for (const tl of o.trainLevels) {
        const m = await trainedModel(o, train, tl, trainPerturbation, controller.signal, verbose, log);
        if (!m) break;
        models.push(m);
      }
    }
    if (o.weights && models[0]) results.model = models[0].model.name;
    for (const m of models) checkLayerNames(m.model, perturbation.layers);
    if (o.trainLayers !== undefined) for (const m of models) checkLayerNames(m.model, trainPerturbation.layers);
    for (const m of models) {
      const clean = evaluate(m.model, test, { batchSize: 500 }).accuracy;
      (results.models as unknown[]).push({ train_level: m.trainLevel, weights: m.weights, trained_now: m.trained, train_seconds: m.train_seconds, clean_accuracy: clean });
      // A model from --weights was trained elsewhere: say so, not "trained at level 0".
      log(`${m.trainLevel === null ? `model ${m.weights}` : `model trained at ${o.sweep} level ${m.trainLevel}`}: clean test accuracy ${(100 * clean).toFixed(2)} %`);
    }
    write();
    const r = await runSweepAsync(models.map((m) => ({ trainLevel: m.trainLevel, model: m.model })), test, {
      ...perturbation, kind: o.sweep, levels, chips: o.chips, seed: o.chipSeed, engine: o.engine, yieldThreshold: o.yieldThreshold,
      verbose, signal: controller.signal,
      onPoint: (p, all) => {
        results.points = all;
        write();
        log(`train ${p.train_level} · level ${p.level}: mean ${(100 * p.mean).toFixed(2)} % ± ${(100 * p.std).toFixed(2)} ` +
          `(ci95 ${(100 * p.ci95[0]).toFixed(2)}–${(100 * p.ci95[1]).toFixed(2)}, p5 ${(100 * p.p5).toFixed(2)}, yield ${p.yield.toFixed(2)}) · ${p.seconds.toFixed(1)} s`);
      },
    });
    results.points = r.points;
    results.interrupted = r.interrupted || controller.signal.aborted || models.length < (o.weights ? 1 : o.trainLevels.length);
    for (const m of models) m.model.dispose();
  } finally {
    release();
    results.seconds = (performance.now() - t0) / 1000;
    write();
    folder.release();
  }
  log(`wrote ${join(out, 'results.json')}`);
  if (o.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
  return results;
}

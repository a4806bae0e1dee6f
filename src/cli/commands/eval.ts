// `xnorkit eval`: test accuracy of a saved model — a training state (.xnks,
// from `xnorkit experiment` or saveTrainingState) evaluated layer by layer,
// or a packed inference model (.xnk, from exportModel) run on the fused
// engine — on the dataset it was trained for unless another is named.
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { setThreads } from '../../wasm/threads.js';
import { setXnorKernels } from '../../nn/layers/xnorPath.js';
import { loadDataset, datasetName, DATASET_NAMES } from '../../data/loadDataset.js';
import { loadTrainingState } from '../../nn/checkpoint.js';
import { summary } from '../../nn/summary.js';
import { evaluate } from '../../train/fit.js';
import { loadInferenceModel, bitExactnessOf } from '../../deploy/index.js';
import { isPackedModel } from '../../deploy/modelFile.js';
import type { Dataset } from '../../data/dataset.js';
import { positiveInt } from '../options.js';
import { UsageError } from '../errors.js';
import { ShapeError } from '../../errors.js';
import { resolveModelFile } from '../modelRef.js';

interface EvalOptions {
  modelFile?: string;
  model?: string;
  dataset?: string;
  dataDir?: string;
  testLimit?: number;
  batchSize: number;
  threads: number;
  xnor: boolean;
  json: boolean;
  quiet: boolean;
}

export function evalCommand(): Command {
  return new Command('eval')
    .description('evaluate a saved model on a test set: a training state (.xnks) or a packed inference model (.xnk)')
    .option('--model <name>', 'a pretrained model by name (data/models, e.g. mnist-binary): its training state when shipped, else its packed model')
    .option('--model-file <file>', 'runs/NAME/binary.xnks (training state) or runs/NAME/binary.xnk (packed model), as `xnorkit experiment` writes them')
    .option('--dataset <name>', `${DATASET_NAMES.join(' | ')} (default: the one the state was trained on)`)
    .option('--data-dir <dir>', 'directory holding the dataset files')
    .option('--test-limit <n>', 'evaluate on the first N test samples', positiveInt)
    .option('--batch-size <n>', 'evaluation batch size', positiveInt, 256)
    .option('--threads <n>', 'threads for the kernels (this machine\'s cores unless given)', positiveInt, availableParallelism())
    .option('--no-xnor', 'binarized layers: float-emulated forward instead of the XNOR-popcount kernels (same results)')
    .option('--json', 'print the result as JSON to stdout', false)
    .option('--quiet', 'no progress output', false)
    .addHelpText('after', '\nExamples:\n  xnorkit eval --model-file runs/quick-larq-mnist-mnist-seed1/binary.xnks\n  xnorkit eval --model-file runs/quick-larq-mnist-mnist-seed1/binary.xnk --json')
    .action((opts: EvalOptions) => {
      runEval(opts);
    });
}


function testSet(o: EvalOptions, name: string | undefined): Dataset {
  if (!name) throw new UsageError(`${o.modelFile} does not say which dataset it was trained on; pass --dataset`);
  return loadDataset(datasetName(name), { split: 'test', limit: o.testLimit, dataDir: o.dataDir });
}

function report(o: EvalOptions, result: Record<string, unknown>, line: string): Record<string, unknown> {
  if (!o.quiet) process.stderr.write(line + '\n');
  if (o.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  return result;
}

function evalPacked(o: EvalOptions, bytes: Uint8Array): Record<string, unknown> {
  const engine = loadInferenceModel(bytes);
  try {
    const test = testSet(o, o.dataset ?? datasetOf(engine.meta, engine.inputShape));
    const [H, W, C] = engine.inputShape;
    if (test.height !== H || test.width !== W || test.channels !== C) {
      throw new ShapeError(`${o.modelFile} takes ${H}x${W}x${C} images, ${test.name} has ${test.height}x${test.width}x${test.channels}`);
    }
    const t0 = performance.now();
    const pred = engine.run(test.images.subarray(0, test.count * test.height * test.width * test.channels)).predictions;
    let correct = 0;
    for (let i = 0; i < test.count; i++) if (pred[i] === test.labels[i]) correct++;
    const seconds = (performance.now() - t0) / 1000;
    const exactness = bitExactnessOf(engine.meta);
    const result = {
      model_file: o.modelFile, format: 'packed inference model', model: engine.meta.model ?? null, dataset: test.name, test_samples: test.count,
      test_accuracy: correct / test.count, file_bytes: bytes.length, seconds, bit_exact: exactness.bitExact,
    };
    const inexact = exactness.bitExact ? ''
      : `; not bit-exact with predict (binarizeScaledKernels: ${exactness.binarizedScaledKernels.join(', ')})`;
    return report(o, result, `${String(engine.meta.model ?? 'packed model')} (packed, ${bytes.length} bytes) on ${test.name}: ` +
      `test accuracy ${(100 * result.test_accuracy).toFixed(2)} % on ${test.count} samples in ${seconds.toFixed(2)} s${inexact}`);
  } finally {
    engine.dispose();
  }
}

/** The dataset a state was trained on: from the run config saved in it, else guessed from the input shape. */
function datasetOf(extra: Record<string, unknown>, inputShape: readonly number[] | null): string | undefined {
  const cfg = extra.config as { dataset?: unknown } | undefined;
  if (typeof cfg?.dataset === 'string') return cfg.dataset;
  if (typeof extra.dataset === 'string') return extra.dataset;
  const s = inputShape?.join('x');
  return s === '28x28x1' ? 'mnist' : s === '32x32x3' ? 'cifar10' : undefined;
}

export function runEval(opts: EvalOptions): Record<string, unknown> {
  if (!opts.modelFile && !opts.model) throw new UsageError('eval needs --model-file FILE or --model NAME (a pretrained model)');
  const o = { ...opts, modelFile: opts.modelFile ?? resolveModelFile(opts.model!, 'any') };
  setThreads(o.threads);
  setXnorKernels(o.xnor);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(o.modelFile);
  } catch (e) {
    throw new UsageError(`cannot read ${o.modelFile}: ${(e as Error).message}`);
  }
  if (isPackedModel(bytes)) return evalPacked(o, bytes);
  const st = loadTrainingState(bytes);
  let ev: ReturnType<typeof evaluate>;
  let test: Dataset;
  try {
    test = testSet(o, o.dataset ?? datasetOf(st.extra, st.model.inputShape));
    ev = evaluate(st.model, test, { batchSize: o.batchSize, verbose: o.quiet ? 'quiet' : 'auto' });
  } catch (e) {
    st.model.dispose();
    st.optimizer?.dispose();
    throw e;
  }
  const dataset = test.name;
  const s = summary(st.model).totals;
  const result = {
    model_file: o.modelFile, format: 'training state', model: st.model.name, dataset, test_samples: ev.count, test_accuracy: ev.accuracy, test_loss: ev.loss,
    epoch: st.epoch, params: s.total_params, summary_memory_kib: s.memory_kib, seconds: ev.seconds, xnor_kernels: o.xnor,
  };
  st.model.dispose();
  st.optimizer?.dispose();
  return report(o, result, `${st.model.name} (epoch ${st.epoch}) on ${dataset}: test accuracy ${(100 * ev.accuracy).toFixed(2)} % ` +
    `(loss ${ev.loss.toFixed(4)}) on ${ev.count} samples in ${ev.seconds.toFixed(1)} s`);
}

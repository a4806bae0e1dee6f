// Rebuilds the model zoo in data/models/: trains every model below, writes
// NAME.xnk (packed inference model) and NAME.xnks (training state), measures
// both on the whole test split, and records everything in manifest.json
// (accuracy, dataset, the command, seed, commit, sha256). Resumable: a model
// already in the manifest with the same settings and intact files is kept.
//
//   npx tsx scripts/build-zoo.ts [--only name,...] [--scale quick|full] [--threads N] [--force]
//
// `--scale quick` (what the committed zoo was built with on a shared 2-core
// machine, see data/models/README.md) trains each model on a subset for a
// couple of epochs; `--scale full` uses the whole training split and the
// issue's 6 epochs.
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset } from '../src/data/loadDataset.js';
import { createModelByName } from '../src/nn/models/index.js';
import { resolveRecipe, recipeOptimizer, recipeModelOptions, recipeAugment, describeRecipe } from '../src/train/recipe.js';
import { numBatches } from '../src/data/batches.js';
import { fit, evaluate } from '../src/train/fit.js';
import { withPerturbations } from '../src/hardware/perturbation.js';
import { trainingPerturbations } from '../src/hardware/sweeps.js';
import { saveTrainingState, loadTrainingState } from '../src/nn/checkpoint.js';
import { exportModel, loadInferenceModel } from '../src/deploy/index.js';
import { setThreads } from '../src/wasm/threads.js';
import { writeFileAtomic, writeJsonAtomic } from '../src/util/files.js';
import { ZOO_DIR, sha256, type ZooEntry, type ZooManifest } from '../src/zoo/pretrained.js';

interface Spec {
  name: string;
  description: string;
  dataset: 'mnist' | 'fashion-mnist';
  model: string;
  float?: boolean;
  bits?: number;
  /** Hardware-aware training: the perturbation active in every training step. */
  aware?: { kind: 'noise' | 'variation' | 'saturation'; level: number };
  /** Ship the training state too (binary models whose hardware sweeps or fine-tuning need the latent weights). */
  state?: boolean;
  /**
   * Quick scale only: take the model from a state that `xnorkit experiment`
   * saved (the experiment's command rebuilds it) instead of training it
   * again here; vgg8 is too slow on the shared machine to train twice.
   */
  fromRun?: { state: string; command: string };
  /** Training images, epochs and batch size per scale. */
  quick: Scale;
  full: Scale;
}

interface Scale { limit: number | null; epochs: number; batchSize: number }

// Quick runs use batch 32, as the experiment's quick preset does: with fewer
// than ~700 steps, BatchNorm's moving statistics (momentum 0.99) still lag
// the weights and the test accuracy reads several points low.
const MNIST_QUICK: Scale = { limit: 12000, epochs: 2, batchSize: 32 };
const FULL: Scale = { limit: null, epochs: 6, batchSize: 64 };
const VGG_QUICK: Scale = { limit: 3000, epochs: 2, batchSize: 16 };
const VGG8_STUDY = 'node dist/cli/main.js experiment --config bench/vgg8-fashion-study.json --out runs/vgg8-fashion-s1';

const SPECS: Spec[] = [
  { name: 'mnist-float', description: 'larq-mnist float twin (ReLU) on MNIST', dataset: 'mnist', model: 'larq-mnist', float: true, quick: MNIST_QUICK, full: FULL },
  { name: 'mnist-binary', state: true, description: 'larq-mnist binarized (ste_sign inputs and kernels) on MNIST', dataset: 'mnist', model: 'larq-mnist', quick: MNIST_QUICK, full: FULL },
  { name: 'mnist-4bit', state: true, description: 'larq-mnist with DoReFa 4-bit weights and activations on MNIST', dataset: 'mnist', model: 'larq-mnist', bits: 4, quick: MNIST_QUICK, full: FULL },
  {
    name: 'mnist-binary-noise-aware', state: true, description: 'larq-mnist binarized, trained under output noise σ 0.5 (relative) on every conv/dense layer',
    dataset: 'mnist', model: 'larq-mnist', aware: { kind: 'noise', level: 0.5 }, quick: MNIST_QUICK, full: FULL,
  },
  {
    name: 'mnist-binary-variation-aware', state: true, description: 'larq-mnist binarized, trained under multiplicative weight variation σ 0.5 (fresh draw every step)',
    dataset: 'mnist', model: 'larq-mnist', aware: { kind: 'variation', level: 0.5 }, quick: MNIST_QUICK, full: FULL,
  },
  { name: 'fashion-float', description: 'larq-mnist float twin (ReLU) on Fashion-MNIST', dataset: 'fashion-mnist', model: 'larq-mnist', float: true, quick: MNIST_QUICK, full: FULL },
  { name: 'fashion-binary', state: true, description: 'larq-mnist binarized on Fashion-MNIST', dataset: 'fashion-mnist', model: 'larq-mnist', quick: MNIST_QUICK, full: FULL },
  {
    name: 'fashion-vgg8', description: 'vgg8 binarized, standard training, on Fashion-MNIST (the standard model of the VGG8 study)', dataset: 'fashion-mnist', model: 'vgg8',
    fromRun: { state: 'runs/vgg8-fashion-s1/binary.xnks', command: VGG8_STUDY }, quick: VGG_QUICK, full: FULL,
  },
  {
    name: 'fashion-vgg8-noise-aware', description: 'vgg8 binarized, trained under output noise σ 0.5 (relative), on Fashion-MNIST (VGG8 study)',
    dataset: 'fashion-mnist', model: 'vgg8', aware: { kind: 'noise', level: 0.5 },
    fromRun: { state: 'runs/vgg8-fashion-s1/hw-noise-0.5.xnks', command: VGG8_STUDY }, quick: VGG_QUICK, full: FULL,
  },
];

const SEED = 1;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function readManifest(): ZooManifest {
  const p = join(ZOO_DIR, 'manifest.json');
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as ZooManifest) : { format: 'xnorkit-model-zoo', version: 1, models: [] };
}

function intact(e: ZooEntry): boolean {
  return [e.packed, e.state].every((f) => !f || (existsSync(join(ZOO_DIR, f.file)) && sha256(readFileSync(join(ZOO_DIR, f.file))) === f.sha256));
}

// Taken once at start: the code this process loaded, not HEAD when a model finishes.
let startCommit: string | null = null;
function commit(): string {
  startCommit ??= headCommit();
  return startCommit;
}

function headCommit(): string {
  try {
    const head = execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
    const dirty = execSync('git status --porcelain -- src', { encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head}+uncommitted-src` : head;
  } catch {
    return 'unknown';
  }
}

function build(spec: Spec, scale: 'quick' | 'full'): ZooEntry {
  if (spec.fromRun && scale === 'quick') return fromRun(spec, spec.fromRun);
  const { limit, epochs, batchSize: BATCH } = spec[scale];
  const train = loadDataset(spec.dataset, { split: 'train', limit: limit ?? undefined });
  const test = loadDataset(spec.dataset, { split: 'test' });
  const recipe = resolveRecipe('auto', { float: spec.float, bits: spec.bits, dataset: spec.dataset });
  const model = createModelByName(spec.model, {
    ...recipeModelOptions(recipe), float: spec.float, bits: spec.bits, seed: SEED,
    inputShape: [train.height, train.width, train.channels], numClasses: train.numClasses,
  });
  const optimizer = recipeOptimizer(recipe, epochs, numBatches(train.count, BATCH));
  const perturbations = spec.aware ? trainingPerturbations(spec.aware.kind, spec.aware.level) : [];
  const t0 = performance.now();
  process.stderr.write(`${spec.name}: ${spec.model} on ${train.count} ${spec.dataset} images, ${epochs} epoch(s); recipe ${describeRecipe(recipe)}\n`);
  withPerturbations(model, perturbations, () => fit(model, train, {
    epochs, batchSize: BATCH, optimizer, seed: SEED, verbose: 'quiet', augment: recipeAugment(recipe, train),
  }));
  const stateAcc = spec.state ? evaluate(model, test).accuracy : null;
  const extra = { dataset: spec.dataset, classNames: train.classNames, zoo: spec.name, epoch: epochs, seed: SEED, batchSize: BATCH };
  const state = saveTrainingState(model, null, extra);
  // The packed format has no k-bit DoReFa activations beyond 2 bits: such models ship their training state only.
  const packed = spec.bits && spec.bits > 2 ? null
    : exportModel(model, { meta: { zoo: spec.name, dataset: spec.dataset, seed: SEED, ...(train.classNames ? { classNames: train.classNames } : {}) } });
  let correct = 0;
  if (packed) {
    const engine = loadInferenceModel(packed);
    const pred = engine.run(test.images).predictions;
    engine.dispose();
    for (let i = 0; i < test.count; i++) if (pred[i] === test.labels[i]) correct++;
  }
  model.dispose();
  optimizer.dispose();
  if (packed) writeFileAtomic(join(ZOO_DIR, `${spec.name}.xnk`), packed);
  if (spec.state) writeFileAtomic(join(ZOO_DIR, `${spec.name}.xnks`), state);
  else rmSync(join(ZOO_DIR, `${spec.name}.xnks`), { force: true });
  const precision = spec.float ? 'float' : spec.bits ? `dorefa${spec.bits}` : 'binary';
  process.stderr.write(`${spec.name}: packed ${packed ? `${(100 * correct / test.count).toFixed(2)} %` : 'not supported'}, state ${stateAcc === null ? 'not shipped' : `${(100 * stateAcc).toFixed(2)} %`}, ` +
    `${packed?.length ?? 0} + ${state.length} bytes, ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
  return {
    name: spec.name, description: spec.description, dataset: spec.dataset, model: spec.model, precision,
    trained_under: spec.aware ? `${spec.aware.kind} ${spec.aware.level}` : null,
    test_accuracy: packed ? correct / test.count : (stateAcc as number), test_samples: test.count, state_test_accuracy: stateAcc,
    packed: packed ? { file: `${spec.name}.xnk`, bytes: packed.length, sha256: sha256(packed) } : null,
    state: spec.state ? { file: `${spec.name}.xnks`, bytes: state.length, sha256: sha256(state) } : null,
    seed: SEED, epochs, batch_size: BATCH, train_samples: train.count, recipe: describeRecipe(recipe),
    command: `npx tsx scripts/build-zoo.ts --only ${spec.name} --scale ${scale} --force`,
    commit: commit(), date: new Date().toISOString(),
  };
}

/** A zoo entry from an experiment's saved state: export, measure, record the experiment's command. */
function fromRun(spec: Spec, run: { state: string; command: string }): ZooEntry {
  if (!existsSync(run.state)) throw new Error(`${spec.name}: ${run.state} is missing; run \`${run.command}\` first`);
  const st = loadTrainingState(readFileSync(run.state));
  const cfg = st.extra.config as { seed: number; train: { epochs: number; batchSize: number; limit: number | null; learningRate: number; schedule: string } };
  const test = loadDataset(spec.dataset, { split: 'test' });
  const stateAcc = spec.state ? evaluate(st.model, test).accuracy : null;
  const packed = exportModel(st.model, { meta: { zoo: spec.name, dataset: spec.dataset, seed: cfg.seed, classNames: test.classNames } });
  const engine = loadInferenceModel(packed);
  const pred = engine.run(test.images).predictions;
  engine.dispose();
  let correct = 0;
  for (let i = 0; i < test.count; i++) if (pred[i] === test.labels[i]) correct++;
  const state = spec.state ? saveTrainingState(st.model, null, { ...st.extra, epoch: st.epoch }) : null;
  st.model.dispose();
  writeFileAtomic(join(ZOO_DIR, `${spec.name}.xnk`), packed);
  if (state) writeFileAtomic(join(ZOO_DIR, `${spec.name}.xnks`), state);
  process.stderr.write(`${spec.name}: from ${run.state}: packed ${(100 * correct / test.count).toFixed(2)} %, ${packed.length} bytes\n`);
  return {
    name: spec.name, description: spec.description, dataset: spec.dataset, model: spec.model, precision: 'binary',
    trained_under: spec.aware ? `${spec.aware.kind} ${spec.aware.level}` : null,
    test_accuracy: correct / test.count, test_samples: test.count, state_test_accuracy: stateAcc,
    packed: { file: `${spec.name}.xnk`, bytes: packed.length, sha256: sha256(packed) },
    state: state ? { file: `${spec.name}.xnks`, bytes: state.length, sha256: sha256(state) } : null,
    seed: cfg.seed, epochs: st.epoch, batch_size: cfg.train.batchSize, train_samples: cfg.train.limit ?? 60000,
    recipe: `experiment: Adam, ${cfg.train.schedule} from ${cfg.train.learningRate}, model BatchNorm momentum, no augmentation`,
    command: `${run.command} && npx tsx scripts/build-zoo.ts --only ${spec.name} --force`,
    commit: commit(), date: new Date().toISOString(),
  };
}

function main(): void {
  commit();
  const only = arg('only')?.split(',');
  const scale = (arg('scale') ?? 'quick') as 'quick' | 'full';
  if (scale !== 'quick' && scale !== 'full') throw new Error('--scale must be quick or full');
  const force = process.argv.includes('--force');
  setThreads(Number(arg('threads') ?? 1));
  mkdirSync(ZOO_DIR, { recursive: true });
  const unknown = (only ?? []).filter((n) => !SPECS.some((s) => s.name === n));
  if (unknown.length > 0) throw new Error(`unknown zoo model(s) ${unknown.join(', ')}; known: ${SPECS.map((s) => s.name).join(', ')}`);
  const todo = only ? only.map((n) => SPECS.find((s) => s.name === n)!) : SPECS;
  for (const spec of todo) {
    const m = readManifest();
    const old = m.models.find((e) => e.name === spec.name);
    if (old && !force && intact(old)) {
      process.stderr.write(`${spec.name}: in the manifest, files intact (use --force to rebuild)\n`);
      continue;
    }
    const entry = build(spec, scale);
    const now = readManifest();
    now.models = [...now.models.filter((e) => e.name !== spec.name), entry]
      .sort((a, b) => SPECS.findIndex((s) => s.name === a.name) - SPECS.findIndex((s) => s.name === b.name));
    writeJsonAtomic(join(ZOO_DIR, 'manifest.json'), now);
  }
}

main();

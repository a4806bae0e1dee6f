// The user's three hardware scenarios (issue 18; shared/seed, in their order
// of the plan), as studies with 3 training seeds each:
//   a  process variation on the dense layers only ("no toco la CNN"):
//      standard vs variation-aware training on the dense layers (σ_train
//      grid), evaluated under dense-only and all-layer variation;
//   b  the 8-bit multiplier (0..255): accuracy vs multiplier bits for
//      standard and multiplier-aware models, binary and 4-bit;
//   c  Gaussian noise on the output of one layer / all layers: which single
//      layer costs most, and train-noise vs clean accuracy across seeds
//      ("el ruido no ayuda a generalizar", tested in scenario-report.ts).
// Resumable: each (model, seed, evaluation) result is appended to
// bench/results/scenario-<study>.json as soon as it is measured and skipped
// on the next run (levels added to a grid later are measured alone, as a
// further record); trained models are cached in runs/scenario-models.
//
//   nice -n 19 npx tsx bench/scenario-studies.ts a [b] [b4] [c] [--seeds 1,2,3] [--chips 20] [--threads 1] [--smoke]
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setThreads } from '../src/wasm/threads.js';
import { loadDataset } from '../src/data/loadDataset.js';
import { take, type Dataset } from '../src/data/dataset.js';
import { createModelByName } from '../src/nn/models/index.js';
import type { Model } from '../src/nn/model.js';
import { ProductLayer } from '../src/nn/productLayer.js';
import { Adam } from '../src/optim/adam.js';
import { scheduleByName } from '../src/optim/schedules.js';
import { numBatches } from '../src/data/batches.js';
import { fitAsync, evaluate } from '../src/train/fit.js';
import { withPerturbationsAsync } from '../src/hardware/perturbation.js';
import { saveTrainingState, loadTrainingState } from '../src/nn/checkpoint.js';
import { writeFileAtomic } from '../src/util/files.js';
import {
  runSweep, trainingPerturbations, inferencePerturbations, type SweepKind, type SweepPerturbationOptions, type SweepPoint,
} from '../src/hardware/sweeps.js';
import type { SaturatingMultiplier } from '../src/hardware/multiplier.js';
import { writeJsonAtomic } from '../src/util/files.js';
import { machineInfo } from '../src/util/machine.js';

/**
 * The training recipe of every model: the quick preset's (12000 training
 * images, 2 epochs, batch 32, Adam 1e-3 with cosine decay). Chosen for CPU
 * time, not accuracy: every model of the three studies had to train three
 * times on a shared 2-core machine within one session; the full recipe
 * (60000 images, 6 epochs) sees 15x more images.
 */
export const RECIPE = { model: 'larq-mnist' as const, dataset: 'mnist', limit: 12000, epochs: 2, batchSize: 32, lr: 1e-3, schedule: 'cosine' as const };
/** Chip evaluations use the first TEST_LIMIT test images; clean accuracies use all 10000. */
export const TEST_LIMIT = 1000;

/** --smoke: a tiny run (256 images, 1 epoch, 100 test images) into runs/scenario-smoke, to check the script end to end. */
const SMOKE = process.argv.includes('--smoke');
const recipe = SMOKE ? { ...RECIPE, limit: 256, epochs: 1 } : RECIPE;
const testLimit = SMOKE ? 100 : TEST_LIMIT;
const modelsDir = SMOKE ? join('runs', 'scenario-smoke', 'models') : join('runs', 'scenario-models');

export interface ModelSpec {
  key: string;
  /** Null: binary; k: DoReFa k-bit weights and activations. */
  bits: number | null;
  /** Perturbation active during training (fresh draws every step), or none. */
  train: { kind: SweepKind; level: number; options: SweepPerturbationOptions } | null;
  label: string;
}

export interface EvalSpec {
  key: string;
  kind: SweepKind;
  levels: number[];
  options: SweepPerturbationOptions;
  /** 1 for deterministic perturbations (the multiplier: every chip computes the same numbers). */
  chips: number;
  /** Test images of the chips (default TEST_LIMIT): fewer where one evaluation is slow (noise, the 4-bit multiplier). */
  testLimit?: number;
  label: string;
}

const UNSIGNED8_XNOR: SweepPerturbationOptions = { multiplierSigned: false, binaryEncoding: 'xnor', overflow: 'saturate', layers: 'all' };
const UNSIGNED8_VALUE: SweepPerturbationOptions = { multiplierSigned: false, binaryEncoding: 'value', overflow: 'saturate', layers: 'all' };
const SIGNED_VALUE: SweepPerturbationOptions = { multiplierSigned: true, binaryEncoding: 'value', overflow: 'saturate', layers: 'all' };
/** Layers 2-5 of larq-mnist: the binary-input layers (the first layer's input is the float image). */
const HIDDEN = ['quant_conv2d_1', 'quant_conv2d_2', 'quant_dense', 'quant_dense_1'];
const DENSE_VAR: SweepPerturbationOptions = { layers: 'dense', variationModel: 'multiplicative', variationBinary: 'analog' };
const ALL_VAR: SweepPerturbationOptions = { layers: 'all', variationModel: 'multiplicative', variationBinary: 'analog' };

export const MODELS: Record<string, ModelSpec> = {
  standard: { key: 'standard', bits: null, train: null, label: 'binary, standard training' },
  'var-dense-0.5': { key: 'var-dense-0.5', bits: null, train: { kind: 'variation', level: 0.5, options: DENSE_VAR }, label: 'binary, variation-aware on dense layers, σ_train 0.5' },
  'var-dense-1': { key: 'var-dense-1', bits: null, train: { kind: 'variation', level: 1, options: DENSE_VAR }, label: 'binary, variation-aware on dense layers, σ_train 1' },
  'noise-0.25': { key: 'noise-0.25', bits: null, train: { kind: 'noise', level: 0.25, options: { layers: 'all', relative: true } }, label: 'binary, noise-trained (all layers), σ_train 0.25' },
  'noise-0.5': { key: 'noise-0.5', bits: null, train: { kind: 'noise', level: 0.5, options: { layers: 'all', relative: true } }, label: 'binary, noise-trained (all layers), σ_train 0.5' },
  'noise-1': { key: 'noise-1', bits: null, train: { kind: 'noise', level: 1, options: { layers: 'all', relative: true } }, label: 'binary, noise-trained (all layers), σ_train 1' },
  'mult-xnor-u8': { key: 'mult-xnor-u8', bits: null, train: { kind: 'multiplier', level: 8, options: UNSIGNED8_XNOR }, label: 'binary, multiplier-aware (unsigned 8-bit, XNOR counter)' },
  '4bit-standard': { key: '4bit-standard', bits: 4, train: null, label: '4-bit, standard training' },
  '4bit-mult-u8': { key: '4bit-mult-u8', bits: 4, train: { kind: 'multiplier', level: 8, options: UNSIGNED8_VALUE }, label: '4-bit, multiplier-aware (unsigned 8-bit register)' },
  '4bit-mult-s8': { key: '4bit-mult-s8', bits: 4, train: { kind: 'multiplier', level: 8, options: SIGNED_VALUE }, label: '4-bit, multiplier-aware (signed 8-bit register)' },
  'mult-xnor-u8-hidden': { key: 'mult-xnor-u8-hidden', bits: null, train: { kind: 'multiplier', level: 8, options: { ...UNSIGNED8_XNOR, layers: HIDDEN } }, label: 'binary, multiplier-aware (unsigned 8-bit XNOR counter on layers 2-5)' },
};

/** Layer names of the product layers (conv/dense) of larq-mnist, in order. */
export const PRODUCT_LAYERS = ['quant_conv2d', 'quant_conv2d_1', 'quant_conv2d_2', 'quant_dense', 'quant_dense_1'];

export interface Study {
  name: string;
  title: string;
  units: { model: string; evals: EvalSpec[] }[];
}

export function studies(chips: number): Record<string, Study> {
  const denseVar: EvalSpec = { key: 'variation-dense', kind: 'variation', levels: [0.25, 0.5, 1, 1.5, 2], options: DENSE_VAR, chips, label: 'variation on the dense layers only' };
  const allVar: EvalSpec = { key: 'variation-all', kind: 'variation', levels: [0.25, 0.5], options: ALL_VAR, chips, label: 'variation on every conv/dense layer' };
  const multBinary: EvalSpec[] = [
    { key: 'mult-unsigned-xnor', kind: 'multiplier', levels: [6, 7, 8, 9, 10, 12], options: UNSIGNED8_XNOR, chips: 1, label: 'unsigned b-bit multiplier, binary layers as XNOR bits in a b-bit counter' },
    { key: 'mult-unsigned-xnor-hidden', kind: 'multiplier', levels: [6, 7, 8, 9, 10, 12], options: { ...UNSIGNED8_XNOR, layers: HIDDEN }, chips: 1, label: 'unsigned b-bit XNOR counter on layers 2-5 only (first layer exact)' },
    { key: 'mult-unsigned-value', kind: 'multiplier', levels: [8, 16], options: UNSIGNED8_VALUE, chips: 1, label: 'unsigned b-bit multiplier, ±1 products as values (−1 → 0)' },
    { key: 'mult-signed-value', kind: 'multiplier', levels: [2, 4, 6, 8, 10, 12], options: SIGNED_VALUE, chips: 1, label: 'signed b-bit multiplier, ±1 products as values' },
  ];
  const multBinaryShort: EvalSpec[] = [
    { ...multBinary[0], levels: [8, 12] }, { ...multBinary[1], levels: [8, 9, 10] }, { ...multBinary[3], levels: [6, 8, 9] },
  ];
  // A 4-bit product layer decomposes into 16 products, so every level is a slow evaluation: a short grid.
  // Seed 1 of 4bit-standard ran the first grid (unsigned 4-16, signed 4-13) on 1000 images.
  const mult4: EvalSpec[] = [
    { key: 'mult-unsigned-value', kind: 'multiplier', levels: [8, 16], options: UNSIGNED8_VALUE, chips: 1, label: 'unsigned b-bit multiplier (negative products → 0)' },
    { key: 'mult-signed-value', kind: 'multiplier', levels: [8, 10, 12, 13], options: SIGNED_VALUE, chips: 1, label: 'signed b-bit multiplier' },
  ];
  // Output noise is the slowest chip evaluation (relative σ: a std per layer output and forward), so the
  // per-layer comparison runs at one σ on 500 images; the noise-trained models at σ 0.5 on 1000.
  const noiseOne: EvalSpec[] = [
    ...PRODUCT_LAYERS.map((l) => ({ key: `noise1-${l}`, kind: 'noise' as const, levels: [1], options: { layers: [l], relative: true }, chips, testLimit: 500, label: `noise on the output of ${l} only` })),
    { key: 'noise1-all', kind: 'noise', levels: [1], options: { layers: 'all', relative: true }, chips, testLimit: 500, label: 'noise on the output of every conv/dense layer' },
  ];
  const cleanOnly: EvalSpec = { key: 'clean', kind: 'noise', levels: [], options: {}, chips: 1, label: 'clean accuracy only (all 10,000 test images)' };
  const noiseAll: EvalSpec = { key: 'noise-all', kind: 'noise', levels: [0.5], options: { layers: 'all', relative: true }, chips, label: 'noise on the output of every conv/dense layer' };
  return {
    a: {
      name: 'a', title: 'Process variation on the dense layers only',
      units: ['standard', 'var-dense-0.5', 'var-dense-1'].map((model) => ({ model, evals: [denseVar, allVar] })),
    },
    b: {
      name: 'b', title: 'The 8-bit multiplier',
      // Seed 1 of mult-xnor-u8 ran the full grid and showed that an 8-bit counter cannot train (see EXPERIMENTS.md);
      // its seeds 2-3 run the standard models' short grids, which are the columns the tables compare.
      units: [
        { model: 'standard', evals: multBinaryShort },
        { model: '4bit-standard', evals: mult4 },
        { model: 'mult-xnor-u8', evals: multBinaryShort },
        // A signed register holds the 4-bit model's negative products (an unsigned one zeroes them): can
        // training adapt the 4-bit model to a signed 8-bit multiplier's clipping?
        { model: '4bit-mult-s8', evals: mult4 },
        // The counters of layers 2-5 only (first layer exact): the part of the datapath that stops training.
        { model: 'mult-xnor-u8-hidden', evals: multBinaryShort },
      ],
    },
    // The 4-bit model trained under the unsigned 8-bit multiplier (16 products per layer: the slowest training), in its
    // own results file so that it can run as a separate process.
    b4: { name: 'b4', title: 'The 8-bit multiplier: the 4-bit multiplier-aware model', units: [{ model: '4bit-mult-u8', evals: mult4 }] },
    c: {
      name: 'c', title: 'Gaussian noise on the output of some or all layers',
      // Every noise-trained model records its clean accuracy (the "does noise help generalize" test) and its
      // accuracy under noise on every layer (what noise training buys); seed 1 of noise-0.25 and noise-0.5 ran
      // noiseAll at more levels (0.25, 0.5, 1), the tables use 0.5.
      units: [
        ...['noise-0.25', 'noise-0.5', 'noise-1'].map((model) => ({ model, evals: [cleanOnly, noiseAll] })),
        { model: 'standard', evals: [...noiseOne, noiseAll] },
      ],
    },
  };
}

export interface RunRecord {
  model: string;
  model_label: string;
  seed: number;
  eval: string;
  eval_label: string;
  kind: SweepKind;
  options: SweepPerturbationOptions;
  /** Test images the chips were evaluated on. */
  test_limit?: number;
  assumption: string | null;
  clean_accuracy: number;
  train_seconds: number | null;
  points: Omit<SweepPoint, 'accuracies'>[] & { accuracies?: number[] }[];
  seconds: number;
}

export interface StudyFile {
  study: string;
  title: string;
  recipe: typeof RECIPE;
  test_limit: number;
  machine: Record<string, unknown>;
  runs: RunRecord[];
}

export const resultsPath = (study: string) => join('bench', 'results', `scenario-${study}.json`);
const outPath = (study: string) => (SMOKE ? join('runs', 'scenario-smoke', `scenario-${study}.json`) : resultsPath(study));

function trainRecipe(spec: ModelSpec, seed: number): Record<string, unknown> {
  const perturbations = spec.train ? trainingPerturbations(spec.train.kind, spec.train.level, spec.train.options) : [];
  return { ...recipe, bits: spec.bits, seed, perturbations: perturbations.map((p) => p.toJSON()) };
}

/** The model of (spec, seed): from the cache in runs/scenario-models when its recipe matches, else trained and cached. */
export async function trainedModel(spec: ModelSpec, seed: number, train: () => Dataset): Promise<{ model: Model; train_seconds: number | null }> {
  const full = trainRecipe(spec, seed);
  const hash = createHash('sha256').update(JSON.stringify(full)).digest('hex').slice(0, 10);
  const file = join(modelsDir, `${spec.key}-s${seed}-${hash}.xnks`);
  if (existsSync(file)) {
    const st = loadTrainingState(readFileSync(file));
    st.optimizer?.dispose();
    if (JSON.stringify(st.extra.recipe) === JSON.stringify(full)) return { model: st.model, train_seconds: (st.extra.train_seconds as number | undefined) ?? null };
    st.model.dispose();
  }
  const model = createModelByName(RECIPE.model, { seed, ...(spec.bits ? { bits: spec.bits } : {}) });
  const data = train();
  const perturbations = spec.train ? trainingPerturbations(spec.train.kind, spec.train.level, spec.train.options) : [];
  process.stderr.write(`training ${spec.key} seed ${seed}\n`);
  const optimizer = new Adam({ learningRate: scheduleByName(recipe.schedule, recipe.lr, recipe.epochs * numBatches(data.count, recipe.batchSize)) });
  const h = await withPerturbationsAsync(model, perturbations, () =>
    fitAsync(model, data, { epochs: recipe.epochs, batchSize: recipe.batchSize, optimizer, seed, verbose: 'quiet' }));
  optimizer.dispose();
  writeFileAtomic(file, saveTrainingState(model, null, { epoch: h.epochs.length, recipe: full, train_seconds: h.train_seconds, history: h.epochs }));
  process.stderr.write(`  ${h.train_seconds.toFixed(0)} s\n`);
  return { model, train_seconds: h.train_seconds };
}

/**
 * The levels of an evaluation still to measure for (model, seed): all of them
 * when it has no record, those no record has when a grid grew (a record holds
 * the levels of one run), null when nothing is missing.
 */
export function missingLevels(runs: readonly RunRecord[], model: string, seed: number, e: EvalSpec): number[] | null {
  const records = runs.filter((r) => r.model === model && r.seed === seed && r.eval === e.key);
  if (records.length === 0) return e.levels;
  const done = new Set(records.flatMap((r) => r.points.map((p) => p.level)));
  const missing = e.levels.filter((l) => !done.has(l));
  return missing.length ? missing : null;
}

function readStudy(s: Study): StudyFile {
  const p = outPath(s.name);
  if (existsSync(p)) return JSON.parse(readFileSync(p, 'utf8')) as StudyFile;
  return { study: s.name, title: s.title, recipe, test_limit: testLimit, machine: machineInfo() as unknown as Record<string, unknown>, runs: [] };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => a !== '--smoke');
  const opt = (name: string, dflt: string) => {
    const i = args.indexOf(name);
    if (i < 0) return dflt;
    const v = args[i + 1];
    args.splice(i, 2);
    return v;
  };
  const seeds = opt('--seeds', '1,2,3').split(',').map(Number);
  const chips = Number(opt('--chips', '20'));
  setThreads(Number(opt('--threads', '1')));
  const all = studies(chips);
  const names = args.length ? args : Object.keys(all);
  const test = loadDataset('mnist', { split: 'test', ...(SMOKE ? { limit: testLimit } : {}) });
  const chipTest = loadDataset('mnist', { split: 'test', limit: testLimit });
  let trainData: Dataset | null = null;
  const train = () => (trainData ??= loadDataset('mnist', { split: 'train', limit: recipe.limit }));
  for (const name of names) {
    const s = all[name];
    if (!s) throw new Error(`unknown study "${name}" (known: ${Object.keys(all).join(', ')})`);
    const file = readStudy(s);
    // Units outermost (every seed of a model before the next model): a run cut short by the
    // deadline has whole rows; units are ordered by priority.
    for (const unit of s.units) {
      for (const seed of seeds) {
        const spec = MODELS[unit.model];
        const todo = unit.evals.map((e) => ({ ...e, levels: missingLevels(file.runs, spec.key, seed, e) })).filter((e) => e.levels !== null) as EvalSpec[];
        if (todo.length === 0) continue;
        const { model, train_seconds } = await trainedModel(spec, seed, train);
        const clean = evaluate(model, test, { batchSize: 500 }).accuracy;
        for (const e of todo) {
          const t0 = performance.now();
          const limit = Math.min(e.testLimit ?? testLimit, testLimit);
          const r = runSweep([{ trainLevel: spec.train?.level ?? null, model }], limit < chipTest.count ? take(chipTest, limit) : chipTest, {
            ...e.options, kind: e.kind, levels: e.levels, chips: e.chips, seed: 1, engine: 'xnor', verbose: 'quiet',
          });
          const assumption = e.kind === 'multiplier' ? (inferencePerturbations(e.kind, e.levels[0], e.options)[0] as SaturatingMultiplier).describe() : null;
          file.runs.push({
            model: spec.key, model_label: spec.label, seed, eval: e.key, eval_label: e.label, kind: e.kind, options: e.options, test_limit: limit, assumption,
            clean_accuracy: clean, train_seconds, points: r.points, seconds: (performance.now() - t0) / 1000,
          });
          writeJsonAtomic(outPath(s.name), file);
          process.stderr.write(`${s.name} ${spec.key} s${seed} ${e.key}: clean ${(100 * clean).toFixed(2)} · ` +
            r.points.map((p) => `${p.level}: ${(100 * p.mean).toFixed(2)}`).join(', ') + ` · ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
        }
        model.dispose();
      }
    }
  }
}

// Layer names are checked against the model before anything runs.
function checkLayerNames(): void {
  const m = createModelByName(RECIPE.model, { seed: 1 });
  m.build([28, 28, 1]);
  const names = m.layers.map((l) => l.unwrap()).filter((l) => l instanceof ProductLayer).map((l) => l.name);
  if (names.join(',') !== PRODUCT_LAYERS.join(',')) throw new Error(`larq-mnist product layers are ${names.join(', ')}, not ${PRODUCT_LAYERS.join(', ')}`);
  m.dispose();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  checkLayerNames();
  main().catch((e) => {
    process.stderr.write(`${(e as Error).stack}\n`);
    process.exit(1);
  });
}

// "Your plan, step by step" (issue 18): the user's three hardware scenarios,
// in their order, on this run's standard quantized model and on models
// trained for each scenario (same data, schedule and seed):
//   1. Gaussian noise on the output of one layer at a time, and of all layers
//      ("alguna/todas capa"); the clean accuracy of the noise-trained model of
//      the noise sweep next to the standard one ("el ruido no ayuda a
//      generalizar");
//   2. process variation of the dense (linear) layers only ("no me meto en la
//      CNN"), standard vs variation-aware training on the dense layers;
//   3. an 8-bit multiplier saturating outside 0..255 (SaturatingMultiplier),
//      standard vs multiplier-aware training.
// One seed here; EXPERIMENTS.md repeats the three with 3 seeds (scenario studies).
import type { Model } from '../nn/model.js';
import { ProductLayer } from '../nn/productLayer.js';
import { evaluate } from '../train/fit.js';
import {
  runSweep, trainingPerturbations, inferencePerturbations, type SweepKind, type SweepModel, type SweepPerturbationOptions,
} from '../hardware/sweeps.js';
import type { SaturatingMultiplier } from '../hardware/multiplier.js';
import type { HardwareResults, PlanResults, PlanSweep } from '../report/schema.js';
import type { HardwareJob } from './hardware.js';
import { trainModel } from './trainModel.js';

export const PLAN_STUDIES = 'EXPERIMENTS.md, "The user\'s three scenarios": the same questions with 3 training seeds, 20 chips and 95 % confidence intervals.';

export function emptyPlan(hw: HardwareResults, chips: number): PlanResults {
  return { chips, test_samples: hw.test_samples, noise: null, dense_variation: null, multiplier: null, studies: PLAN_STUDIES };
}

/** Names of the model's product (conv/dense) layers, in order. */
export function productLayerNames(model: Model): string[] {
  return model.layers.map((l) => l.unwrap()).filter((l) => l instanceof ProductLayer).map((l) => l.name);
}

export function multiplierOptions(job: HardwareJob): SweepPerturbationOptions {
  const m = job.config.hardware.plan.multiplier;
  return { layers: 'all', multiplierSigned: m.signed, binaryEncoding: m.binaryEncoding, overflow: 'saturate' };
}

/** Taps of one output of a single-kernel product layer: the kernel's size over its output channels. */
function taps(l: ProductLayer): number {
  const shape = l.kernelSlots()[0].variable.shape;
  return shape.slice(0, -1).reduce((a, b) => a * b, 1);
}

/** The multiplier's datapath in words, with b standing for the level. */
export function multiplierAssumption(o: SweepPerturbationOptions, model?: Model): string {
  const d = (inferencePerturbations('multiplier', 8, o)[0] as SaturatingMultiplier).describe();
  const layers = model ? model.layers.map((l) => l.unwrap()).filter((l) => l instanceof ProductLayer && l.kernelSlots().length === 1) as ProductLayer[] : [];
  return `${d.replace(/8-bit/g, 'b-bit').replace(/\[0, 255\]/g, '[0, 2^b − 1]').replace(/\[-128, 127\]/g, '[−2^(b−1), 2^(b−1) − 1]')}. ` +
    'Products are counted in integer codes: inputs and weights on their quantizer grids; the float first layer\'s input on the 8-bit pixel grid ' +
    '(code 2·pixel − 255, step 1/255, since pixels are scaled to [−1, 1])' +
    `${o.multiplierSigned ? '. ' : ', so an unsigned register drops its negative products. '}` +
    (o.binaryEncoding === 'xnor' && layers.length
      ? `Taps K per output: ${layers.map((l) => `${l.name} ${taps(l)}`).join(', ')}; an XNOR count sits near K/2, so a counter needs about log2(K) bits. `
      : '') +
    'Training: straight-through gradient, as if the products were not limited.';
}

/** Trains one model per level under `kind` (same recipe as the standard one); null when interrupted. */
function awareModels(job: HardwareJob, kind: SweepKind, trainLevels: number[], o: SweepPerturbationOptions, tag: string,
  section: PlanSweep, owned: Model[]): SweepModel[] | null {
  const c = job.config;
  const models: SweepModel[] = [{ trainLevel: null, model: job.standard }];
  for (const tl of trainLevels) {
    if (job.signal?.aborted) return null;
    const model = job.newModel();
    owned.push(model);
    const stateFile = `plan-${tag}-${tl}.xnks`;
    job.log(`plan: training under ${tag} at ${tl}`);
    const t0 = performance.now();
    const { history, optimizer } = trainModel({
      model, data: job.train, epochs: c.train.epochs, batchSize: c.train.batchSize, learningRate: c.train.learningRate, schedule: c.train.schedule, seed: c.seed,
      dir: job.dir, stateFile, perturbations: trainingPerturbations(kind, tl, o), signal: job.signal,
      verbose: job.verbose, extra: { role: `plan (${tag} ${tl})`, config: c },
    });
    optimizer.dispose();
    if (history.interrupted) return null;
    job.step(`plan: training under ${tag} ${tl}`, (performance.now() - t0) / 1000);
    section.models.push({ train_level: tl, clean_accuracy: null, train_seconds: history.train_seconds, state_file: stateFile });
    models.push({ trainLevel: tl, model });
  }
  return models;
}

function sweep(job: HardwareJob, hw: HardwareResults, section: PlanSweep, models: SweepModel[], kind: SweepKind, o: SweepPerturbationOptions, chips: number): boolean {
  for (let i = 0; i < models.length; i++) section.models[i].clean_accuracy = evaluate(models[i].model, job.test, { batchSize: 500 }).accuracy;
  const r = runSweep(models, job.test, {
    ...o, kind, levels: section.levels, chips, seed: job.config.hardware.chipSeed, engine: job.config.hardware.engine, verbose: job.verbose, signal: job.signal,
    onPoint: (p, all) => {
      section.points = [...all];
      job.log(`plan ${kind} · ${p.train_level === null ? 'standard' : `trained at ${p.train_level}`} · level ${p.level}: ${(100 * p.mean).toFixed(2)} %`);
      job.onUpdate(hw);
    },
  });
  section.points = r.points;
  section.complete = !r.interrupted;
  return !r.interrupted;
}

/** Runs the three steps into plan (results written through job.onUpdate); resolves to false when interrupted. */
export async function runPlan(job: HardwareJob, hw: HardwareResults, plan: PlanResults): Promise<boolean> {
  const c = job.config;
  const pc = c.hardware.plan;
  const chips = c.hardware.chips;

  // 1. Output noise on one layer at a time, then on all of them.
  const sigma = pc.layerNoiseSigma;
  const noiseModels = hw.noise?.models ?? [];
  const noise: NonNullable<PlanResults['noise']> = {
    sigma, rows: [], complete: false,
    assumption: `Gaussian noise added to a layer's output at inference, σ = ${sigma} × the standard deviation of that output (fresh draws every forward pass, ` +
      `own stream per chip); "all": every conv/dense layer at once. Training with noise: the noise sweep's model, noise on every layer during training only.`,
    clean_standard: noiseModels[0]?.clean_accuracy ?? null,
    clean_noise_trained: noiseModels[1]?.clean_accuracy ?? null,
    noise_train_sigma: noiseModels[1]?.train_level ?? null,
  };
  plan.noise = noise;
  let t0 = performance.now();
  for (const sel of [...productLayerNames(job.standard), 'all']) {
    if (job.signal?.aborted) return false;
    const r = runSweep([{ trainLevel: null, model: job.standard }], job.test, {
      kind: 'noise', levels: [sigma], layers: sel === 'all' ? 'all' : [sel], relative: true, chips, seed: c.hardware.chipSeed,
      engine: c.hardware.engine, verbose: job.verbose, signal: job.signal,
    });
    if (r.interrupted) return false;
    noise.rows.push({ layers: sel, point: r.points[0] });
    job.log(`plan noise on ${sel}: ${(100 * r.points[0].mean).toFixed(2)} %`);
    job.onUpdate(hw);
  }
  noise.complete = true;
  job.step('plan: noise per layer', (performance.now() - t0) / 1000);
  await job.onSweepDone?.();

  // 2. Process variation of the dense layers only.
  const varOpts: SweepPerturbationOptions = { layers: 'dense', variationModel: 'multiplicative', variationBinary: 'analog' };
  const dv: PlanSweep = {
    level_label: 'σ of the multiplicative per-chip deviation of the dense layers\' weights (conv layers untouched)',
    assumption: 'Each weight w of the dense layers becomes w·(1 + σ·z), z ~ N(0, 1) drawn once per chip (binary weights vary in value, ±1 → ±(1 + σz)); ' +
      'the conv layers are exact. Variation-aware models: the same deviation on the dense layers, drawn afresh at every training step.',
    perturbation: { ...varOpts }, levels: pc.denseVariation.levels, complete: false,
    models: [{ train_level: null, clean_accuracy: null, train_seconds: null, state_file: 'binary.xnks' }], points: [],
  };
  plan.dense_variation = dv;
  const owned: Model[] = [];
  try {
    t0 = performance.now();
    const vm = awareModels(job, 'variation', pc.denseVariation.trainLevels, varOpts, 'dense-variation', dv, owned);
    if (!vm || !sweep(job, hw, dv, vm, 'variation', varOpts, chips)) return false;
    job.step('plan: dense-only variation', (performance.now() - t0) / 1000);
    job.onUpdate(hw);
    await job.onSweepDone?.();
  } finally {
    for (const m of owned.splice(0)) m.dispose();
  }

  // 3. The saturating multiplier.
  const mo = multiplierOptions(job);
  const mp: PlanSweep = {
    level_label: `bits b of each product's register (${pc.multiplier.signed ? 'signed' : 'unsigned 0..2^b − 1'}, saturating)`,
    assumption: multiplierAssumption(mo, job.standard), perturbation: { ...mo }, levels: pc.multiplier.levels, complete: false,
    models: [{ train_level: null, clean_accuracy: null, train_seconds: null, state_file: 'binary.xnks' }], points: [],
  };
  plan.multiplier = mp;
  try {
    t0 = performance.now();
    const mm = awareModels(job, 'multiplier', pc.multiplier.trainLevels, mo, 'multiplier', mp, owned);
    // Deterministic: every chip computes the same numbers, so one chip is the population.
    if (!mm || !sweep(job, hw, mp, mm, 'multiplier', mo, 1)) return false;
    job.step('plan: multiplier', (performance.now() - t0) / 1000);
    job.onUpdate(hw);
    await job.onSweepDone?.();
  } finally {
    for (const m of owned.splice(0)) m.dispose();
  }
  return true;
}

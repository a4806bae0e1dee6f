// Monte-Carlo evaluation on simulated chips: attach the perturbations, then
// for each chip of a seeded population evaluate the whole data set with that
// chip in the call context (per-chip draws fixed, temporal noise from the
// chip's streams), and summarise the per-chip accuracies. Chip i of seed S
// is the same chip for every model evaluated (common random numbers).
//
// How a chip computes is a ChipEngine: 'float' runs the model's own forward
// with the hooks; 'xnor' (xnorRunner.ts) runs binary layers on the packed
// kernels; any other engine (a packed inference model) can be passed.
import { Tensor } from '../tensor/tensor.js';
import { tidy, keep } from '../tensor/scope.js';
import { Rng } from '../tensor/random.js';
import { noGrad } from '../autograd/graph.js';
import type { CallContext } from '../nn/layer.js';
import type { Sequential } from '../nn/sequential.js';
import type { Dataset } from '../data/dataset.js';
import { batches } from '../data/batches.js';
import { countCorrect } from '../train/metrics.js';
import { createProgress, type Verbosity } from '../train/progress.js';
import { Chip, type ChipJSON } from './chip.js';
import { chipStats, type ChipStats } from './stats.js';
import { attachAll, type Perturbation } from './perturbation.js';
import { GaussianNoise } from './noise.js';
import { xnorEngine } from './xnorRunner.js';

export interface ChipRunner {
  /** Logits of a batch on this chip (no gradient). */
  run(x: Tensor, ctx: CallContext): Tensor;
  dispose(): void;
  /** Layers that run on packed kernels, for reports. */
  packedLayers?: string[];
}

/** Builds the per-chip forward pass of a model (ctx carries the chip; perturbations are attached). */
export type ChipEngine = (model: Sequential, ctx: CallContext) => ChipRunner;

export const floatEngine: ChipEngine = (model) => ({
  run: (x, ctx) => noGrad(() => model.call(x, ctx)),
  dispose: () => {},
});

export interface EvaluateOnChipsOptions {
  chips: number;
  /** Population seed: chip i is Chip.nth(seed, i). */
  seed: number;
  perturbations: readonly Perturbation[];
  /** 'float' (default), 'xnor', or an engine. */
  engine?: 'float' | 'xnor' | ChipEngine;
  batchSize?: number;
  /** Accuracy a chip needs to count towards the yield (default 0.9). */
  yieldThreshold?: number;
  /** Skip the clean evaluation by passing its result. */
  cleanAccuracy?: number;
  verbose?: Verbosity;
  label?: string;
  /** Stop after the current chip; the result holds the chips that finished. */
  signal?: AbortSignal;
  onChip?: (index: number, accuracy: number) => void;
}

export interface ChipEvaluation extends ChipStats {
  clean_accuracy: number;
  accuracies: number[];
  chip_records: ChipJSON[];
  perturbations: Record<string, unknown>[];
  engine: string;
  packed_layers?: string[];
  samples: number;
  seconds: number;
  interrupted: boolean;
}

function engineOf(e: EvaluateOnChipsOptions['engine']): [ChipEngine, string] {
  if (e === undefined || e === 'float') return [floatEngine, 'float'];
  if (e === 'xnor') return [xnorEngine, 'xnor'];
  return [e, 'custom'];
}

/** Accuracy of one chip (or of the clean model with chip undefined) over prepared batches. */
function accuracyOn(model: Sequential, engine: ChipEngine, data: { x: Tensor; y: Uint8Array }[], chip: Chip | undefined): { acc: number; packed?: string[] } {
  const ctx: CallContext = { training: false, rng: chip ? chip.stream('forward') : new Rng(0), chip };
  const runner = engine(model, ctx);
  let correct = 0;
  let n = 0;
  try {
    for (const b of data) {
      correct += tidy(() => countCorrect(runner.run(b.x, ctx), b.y));
      n += b.y.length;
    }
  } finally {
    runner.dispose();
  }
  return { acc: correct / n, packed: runner.packedLayers };
}

export function evaluateOnChips(model: Sequential, data: Dataset, opts: EvaluateOnChipsOptions): ChipEvaluation {
  if (!Number.isInteger(opts.chips) || opts.chips < 1) throw new Error(`evaluateOnChips: chips must be a positive integer, got ${opts.chips}`);
  for (const p of opts.perturbations) {
    if (p instanceof GaussianNoise && !p.options.evaluation) {
      throw new Error('evaluateOnChips: a GaussianNoise with evaluation: false would add nothing here; create it with evaluation: true');
    }
  }
  const [engine, engineName] = engineOf(opts.engine);
  const batchSize = opts.batchSize ?? 500;
  const t0 = performance.now();
  // The batches are copied into WASM memory once and reused by every chip.
  const prepared: { x: Tensor; y: Uint8Array }[] = [];
  for (const b of batches(data, { batchSize })) prepared.push({ x: keep(b.x), y: b.y });
  const progress = createProgress(opts.verbose ?? 'quiet');
  try {
    const clean = opts.cleanAccuracy ?? accuracyOn(model, engine, prepared, undefined).acc;
    const accuracies: number[] = [];
    const records: ChipJSON[] = [];
    let packed: string[] | undefined;
    const detach = attachAll(model, opts.perturbations);
    progress.start(opts.chips, opts.label ?? 'chips');
    try {
      for (let i = 0; i < opts.chips && !opts.signal?.aborted; i++) {
        const chip = Chip.nth(opts.seed, i);
        const r = accuracyOn(model, engine, prepared, chip);
        packed = r.packed;
        accuracies.push(r.acc);
        records.push(chip.toJSON());
        opts.onChip?.(i, r.acc);
        progress.update(i + 1, { accuracy: r.acc });
      }
    } finally {
      detach();
      progress.stop();
    }
    if (accuracies.length === 0) throw new Error('evaluateOnChips: interrupted before the first chip finished');
    return {
      clean_accuracy: clean,
      ...chipStats(accuracies, opts.yieldThreshold ?? 0.9),
      accuracies,
      chip_records: records,
      perturbations: opts.perturbations.map((p) => p.toJSON()),
      engine: engineName,
      ...(packed ? { packed_layers: packed } : {}),
      samples: data.count,
      seconds: (performance.now() - t0) / 1000,
      interrupted: accuracies.length < opts.chips,
    };
  } finally {
    for (const b of prepared) b.x.dispose();
  }
}

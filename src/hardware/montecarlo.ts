// Monte-Carlo evaluation on simulated chips: attach the perturbations, then
// for each chip of a seeded population evaluate the whole data set with that
// chip in the call context (per-chip draws fixed, temporal noise from the
// chip's streams), and summarise the per-chip accuracies. Chip i of seed S
// is the same chip for every model evaluated (common random numbers).
//
// How a chip computes is a chip engine (src/engines/): 'float' runs the
// model's own forward with the hooks; 'xnor' runs binary layers on the
// packed kernels; 'deploy' compiles the model per chip; any other engine
// can be passed.
import { platform } from '#platform';
import type { Tensor } from '../tensor/tensor.js';
import { tidy, keep } from '../tensor/scope.js';
import { Rng } from '../tensor/random.js';
import type { CallContext } from '../nn/hooks.js';
import type { Model } from '../nn/model.js';
import type { Dataset } from '../data/dataset.js';
import { batches } from '../data/batches.js';
import { countCorrect } from '../train/metrics.js';
import { createProgress, type Verbosity } from '../train/progress.js';
import { Chip, type ChipJSON } from './chip.js';
import { chipStats, type ChipStats } from './stats.js';
import { attachAll, type Perturbation } from './perturbation.js';
import { GaussianNoise } from './noise.js';
import { ENGINES, SharedBatch, type ChipEngine, type ChipRunner } from '../engines/index.js';
import { ConfigError } from '../errors.js';

export type { ChipEngine, ChipRunner };

/** The model's own forward pass with every hook (src/engines/autograd.ts). */
export const floatEngine: ChipEngine = ENGINES.float.create;

export interface EvaluateOnChipsOptions {
  chips: number;
  /** Population seed: chip i is Chip.nth(seed, i). */
  seed: number;
  /** Index of the first chip (default 0): evaluates chips firstChip .. firstChip + chips - 1, a slice of the population (job queues, shards). */
  firstChip?: number;
  perturbations: readonly Perturbation[];
  /** 'float' (default), 'xnor', 'deploy' (the fused packed inference engine; bit errors only), or an engine. */
  engine?: 'float' | 'xnor' | 'deploy' | ChipEngine;
  batchSize?: number;
  /** Accuracy a chip needs to count towards the yield (default 0.9). */
  yieldThreshold?: number;
  /** Skip the clean evaluation by passing its result. */
  cleanAccuracy?: number;
  verbose?: Verbosity;
  label?: string;
  /** Chips evaluated together, sharing each batch's clean prefix (default 20). */
  group?: number;
  /** Stop after the current batch; the result holds the chips of the groups that finished. */
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
  if (typeof e === 'function') return [e, 'custom'];
  const entry = ENGINES[e ?? 'float'];
  if (!entry) throw new ConfigError(`evaluateOnChips: unknown engine "${String(e)}" (known: ${Object.keys(ENGINES).join(', ')})`);
  return [entry.create, entry.name];
}

interface PreparedBatch { x: Tensor; y: Uint8Array }

interface LiveChip { chip: Chip | undefined; ctx: CallContext; runner: ChipRunner; correct: number }

/**
 * Accuracies of a group of chips (or of the clean model: chip undefined).
 * Batches outside, chips inside: each batch's clean prefix (the activations
 * entering the first layer a chip perturbs) is computed once and shared;
 * every chip still sees its batches in order, so its noise streams and its
 * results are those of a chip-by-chip evaluation.
 */
function* accuracies(model: Model, engine: ChipEngine, data: PreparedBatch[], chips: (Chip | undefined)[],
  tick: () => void, signal?: AbortSignal): Generator<void, { acc: number[]; packed?: string[] } | null> {
  const live: LiveChip[] = chips.map((chip) => {
    chip?.reset();
    const ctx: CallContext = { training: false, rng: chip ? chip.stream('forward') : new Rng(0), chip };
    return { chip, ctx, runner: engine(model, ctx), correct: 0 };
  });
  const L = model.layers.length;
  try {
    for (const b of data) {
      // prefix[i]: the clean activation entering layer i for this batch
      const prefix = new Map<number, Tensor>([[0, b.x]]);
      const shared = new SharedBatch();
      shared.share(b.x);
      try {
        for (const c of live) {
          const r = c.runner;
          c.correct += tidy(() => {
            if (!r.runLayers) return countCorrect(r.run(b.x, c.ctx), b.y);
            const start = r.firstPerturbed ?? 0;
            let from = 0;
            for (const i of prefix.keys()) if (i <= start && i > from) from = i;
            let h = prefix.get(from)!;
            if (from < start) {
              h = keep(r.runLayers(h, c.ctx, from, start, shared));
              shared.share(h);
              prefix.set(start, h);
            }
            return countCorrect(start === L ? h : r.runLayers(h, c.ctx, start, L, shared), b.y);
          });
        }
      } finally {
        for (const [i, t] of prefix) if (i !== 0) t.dispose();
        shared.release();
      }
      tick();
      yield; // lets a pending Ctrl-C handler run (see evaluateOnChipsAsync)
      if (signal?.aborted) return null; // the group's chips are unfinished: drop them
    }
  } finally {
    for (const c of live) c.runner.dispose();
  }
  const n = data.reduce((s, b) => s + b.y.length, 0);
  return { acc: live.map((c) => c.correct / n), packed: live[0]?.runner.packedLayers };
}

function* evaluateSteps(model: Model, data: Dataset, opts: EvaluateOnChipsOptions): Generator<void, ChipEvaluation | null> {
  if (!Number.isInteger(opts.chips) || opts.chips < 1) throw new ConfigError(`evaluateOnChips: chips must be a positive integer, got ${opts.chips}`);
  for (const p of opts.perturbations) {
    if (p instanceof GaussianNoise && !p.options.evaluation) {
      throw new ConfigError('evaluateOnChips: a GaussianNoise with evaluation: false would add nothing here; create it with evaluation: true');
    }
  }
  const first = opts.firstChip ?? 0;
  if (!Number.isInteger(first) || first < 0) throw new ConfigError(`evaluateOnChips: firstChip must be a non-negative integer, got ${first}`);
  const [engine, engineName] = engineOf(opts.engine);
  const batchSize = opts.batchSize ?? 500;
  const t0 = performance.now();
  // The batches are copied into WASM memory once and reused by every chip.
  const prepared: { x: Tensor; y: Uint8Array }[] = [];
  for (const b of batches(data, { batchSize })) prepared.push({ x: keep(b.x), y: b.y });
  const progress = createProgress(opts.verbose ?? 'quiet');
  try {
    const quiet = () => {};
    const clean = opts.cleanAccuracy ?? (yield* accuracies(model, engine, prepared, [undefined], quiet, opts.signal))?.acc[0];
    if (clean === undefined) return null;
    const accs: number[] = [];
    const records: ChipJSON[] = [];
    let packed: string[] | undefined;
    const group = opts.group ?? 20;
    const detach = attachAll(model, opts.perturbations);
    progress.start(opts.chips * prepared.length, opts.label ?? 'chips');
    let done = 0;
    try {
      for (let g = 0; g < opts.chips && !opts.signal?.aborted; g += group) {
        const chips = Array.from({ length: Math.min(opts.chips, g + group) - g }, (_, j) => Chip.nth(opts.seed, first + g + j));
        const r = yield* accuracies(model, engine, prepared, chips, () => progress.update(done += chips.length), opts.signal);
        if (!r) break;
        packed = r.packed;
        r.acc.forEach((a, j) => {
          accs.push(a);
          records.push(chips[j].toJSON());
          opts.onChip?.(first + g + j, a);
        });
      }
    } finally {
      detach();
      progress.stop();
    }
    if (accs.length === 0) return null;
    return {
      clean_accuracy: clean,
      ...chipStats(accs, opts.yieldThreshold ?? 0.9),
      accuracies: accs,
      chip_records: records,
      perturbations: opts.perturbations.map((p) => p.toJSON()),
      engine: engineName,
      ...(packed ? { packed_layers: packed } : {}),
      samples: data.count,
      seconds: (performance.now() - t0) / 1000,
      interrupted: accs.length < opts.chips,
    };
  } finally {
    for (const b of prepared) b.x.dispose();
  }
}

/** Runs a step generator to its end without yielding to the event loop. */
export function runSteps<T>(g: Generator<void, T>): T {
  let r = g.next();
  while (!r.done) r = g.next();
  return r.value;
}

/**
 * Runs a step generator, returning to the event loop after every step: a
 * synchronous loop would never let a SIGINT handler run (Node delivers
 * signals through the event loop).
 */
export async function runStepsAsync<T>(g: Generator<void, T>): Promise<T> {
  let r = g.next();
  while (!r.done) {
    await platform.yieldTask();
    r = g.next();
  }
  return r.value;
}

export function evaluateOnChips(model: Model, data: Dataset, opts: EvaluateOnChipsOptions): ChipEvaluation {
  const r = runSteps(evaluateSteps(model, data, opts));
  if (!r) throw new Error('evaluateOnChips: interrupted before the first chip finished');
  return r;
}

/** evaluateOnChips for long runs: yields to the event loop between batches (Ctrl-C); null when stopped before any chip finished. */
export function evaluateOnChipsAsync(model: Model, data: Dataset, opts: EvaluateOnChipsOptions): Promise<ChipEvaluation | null> {
  return runStepsAsync(evaluateSteps(model, data, opts));
}

export { evaluateSteps };

// Bit errors in the stored binary weights of a chip: each 1-bit cell is
// inverted with probability `rate`, or stuck at 0 (+1) / 1 (-1). Drawn once
// per chip (or, as a training-time regulariser, redrawn every forward pass);
// on the XNOR path the errors are applied to the packed words.
import type { CallContext, HookSite } from '../nn/hooks.js';
import { Chip, drawKey } from './chip.js';
import { ConfigError } from '../errors.js';
import type { DrawMode } from './variation.js';
import { type LayerContainer, type LayerSelector, type Perturbation, selectLayers, hookLayers, checkRate, kernelPrecision } from './perturbation.js';
import { bitErrorHook, drawBitErrors, kernelKey, PerChipCache, type BitErrorRates, type BitErrorHook } from './bitErrors.js';

export interface BitFlipsOptions {
  /** Probability that a stored weight bit reads inverted. */
  rate: number;
  /** Probability that a cell is stuck at 0 (reads +1). Default 0. */
  stuckAt0?: number;
  /** Probability that a cell is stuck at 1 (reads -1). Default 0. */
  stuckAt1?: number;
  /** Default 'binary': every layer with a binary kernel. */
  layers?: LayerSelector;
  /** 'per-chip' (default) or 'per-forward' (fresh errors every forward pass, for training). */
  mode?: DrawMode;
  /** The chip used when the call context has none. Default seed 0. */
  chipSeed?: number;
}

export class BitFlips implements Perturbation {
  readonly kind = 'bitflips';
  readonly rates: BitErrorRates;
  readonly layers: LayerSelector;
  readonly chipSeed: number;
  readonly mode: DrawMode;

  constructor(opts: BitFlipsOptions) {
    this.rates = {
      flip: checkRate('BitFlips rate', opts.rate),
      stuck0: checkRate('BitFlips stuckAt0', opts.stuckAt0 ?? 0),
      stuck1: checkRate('BitFlips stuckAt1', opts.stuckAt1 ?? 0),
    };
    if (this.rates.flip + this.rates.stuck0 + this.rates.stuck1 > 1) throw new ConfigError('BitFlips: rate + stuckAt0 + stuckAt1 must not exceed 1');
    this.layers = opts.layers ?? 'binary';
    this.chipSeed = opts.chipSeed ?? 0;
    this.mode = opts.mode ?? 'per-chip';
    if (this.mode !== 'per-chip' && this.mode !== 'per-forward') throw new ConfigError(`BitFlips: mode must be per-chip or per-forward, got "${this.mode}"`);
  }

  attach(model: LayerContainer): () => void {
    const layers = selectLayers(model, this.layers, 'BitFlips', true);
    const bad = layers.find((l) => kernelPrecision(l) !== 1);
    if (bad) throw new ConfigError(`BitFlips: layer "${bad.name}" has a ${kernelPrecision(bad)}-bit kernel; bit flips model 1-bit weight cells (select layers: 'binary')`);
    // Zero rates change nothing: no hooks, so the layers keep their fast (XNOR) forward.
    if (this.rates.flip + this.rates.stuck0 + this.rates.stuck1 === 0) return () => {};
    return hookLayers(layers, 'kernel', () => this.hook());
  }

  private hook(): BitErrorHook {
    const cache = new PerChipCache<Uint8Array>();
    const none = this.rates.flip + this.rates.stuck0 + this.rates.stuck1 === 0;
    return bitErrorHook('bit-flips', (ctx: CallContext, site: HookSite, size: number): Uint8Array => {
      if (this.mode === 'per-forward') return drawBitErrors(ctx.rng, size, this.rates);
      const chip = ctx.chip ?? new Chip(this.chipSeed);
      const key = kernelKey(site);
      return cache.get(chip.seed, key, () => drawBitErrors(chip.rng(drawKey('bitflips', site.layer.name, key)), size, this.rates));
    }, none);
  }

  toJSON(): Record<string, unknown> {
    return { kind: this.kind, rate: this.rates.flip, stuck_at_0: this.rates.stuck0, stuck_at_1: this.rates.stuck1, layers: this.layers, mode: this.mode, chip_seed: this.chipSeed };
  }
}

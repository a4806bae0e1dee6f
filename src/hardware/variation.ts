// CMOS process variation as a deviation of the weights the forward pass
// uses (after the kernel quantizer: for a binary layer, the ±1 the cell
// stores). Drawn once per chip (a fabricated chip keeps its deviations), or
// redrawn every forward pass (a training-time regulariser).
//   additive:        w + sigma · max|w| · eps  (scaled by the layer's largest
//                    weight so one sigma means the same on ±1 and float kernels)
//   multiplicative:  w · (1 + sigma · eps)
//   lognormal:       w · exp(sigma · eps)       (never changes a sign)
// For binary kernels the "digital" form replaces the analog deviation by its
// consequence on a 1-bit cell: the sign flips with the probability that
// 1 + sigma·eps < 0, i.e. Phi(-1/sigma), and then runs on packed bits.
import { Tensor } from '../tensor/tensor.js';
import { record, accumulateGrad } from '../autograd/graph.js';
import type { Rng } from '../tensor/random.js';
import type { CallContext, HookSite, KernelHook } from '../nn/hooks.js';
import { Chip, drawKey } from './chip.js';
import { normalCdf } from './stats.js';
import { fillGaussian } from './gaussian.js';
import { type LayerContainer, type LayerSelector, type Perturbation, selectLayers, hookLayers, checkNonNegative, kernelPrecision } from './perturbation.js';
import { bitErrorHook, drawBitErrors, kernelKey, PerChipCache, type BitErrorHook } from './bitErrors.js';
import { ConfigError } from '../errors.js';

export type VariationModel = 'additive' | 'multiplicative' | 'lognormal';
export type DrawMode = 'per-chip' | 'per-forward';

export interface ProcessVariationOptions {
  model: VariationModel;
  sigma: number;
  /** 'per-chip' (default): fixed for a chip; 'per-forward': fresh every forward pass. */
  mode?: DrawMode;
  /** Default 'dense' (the user's first step); 'all' for every kernel layer. */
  layers?: LayerSelector;
  /** Binary kernels: 'analog' (default) varies the ±1 value; 'digital' flips signs with probability Phi(-1/sigma). */
  binary?: 'analog' | 'digital';
  /** The chip used when the call context has none (training on one fixed chip). Default seed 0. */
  chipSeed?: number;
}

/** Probability that a ±1 cell changes sign under additive or multiplicative variation sigma. */
export function signFlipProbability(model: VariationModel, sigma: number): number {
  if (model === 'lognormal') return 0;
  return sigma === 0 ? 0 : normalCdf(-1 / sigma);
}

/** w' = w·f + a·eps with f, a from eps; gradient dy·f (eps constant). */
function varied(w: Tensor, eps: Float32Array, model: VariationModel, sigma: number): Tensor {
  const out = new Tensor(w.shape);
  const src = w.data;
  const dst = out.data;
  const factor = new Float32Array(src.length);
  if (model === 'additive') {
    let m = 0;
    for (let i = 0; i < src.length; i++) m = Math.max(m, Math.abs(src[i]));
    for (let i = 0; i < src.length; i++) {
      dst[i] = src[i] + sigma * m * eps[i];
      factor[i] = 1;
    }
  } else {
    for (let i = 0; i < src.length; i++) {
      factor[i] = model === 'multiplicative' ? 1 + sigma * eps[i] : Math.exp(sigma * eps[i]);
      dst[i] = src[i] * factor[i];
    }
  }
  return record(out, 'processVariation', [w], (g) => {
    const dx = new Tensor(w.shape);
    const gd = g.data;
    const d = dx.data;
    for (let i = 0; i < d.length; i++) d[i] = gd[i] * factor[i];
    accumulateGrad(w, dx);
  });
}

export class ProcessVariation implements Perturbation {
  readonly kind = 'variation';
  readonly model: VariationModel;
  readonly sigma: number;
  readonly mode: DrawMode;
  readonly layers: LayerSelector;
  readonly binary: 'analog' | 'digital';
  readonly chipSeed: number;

  constructor(opts: ProcessVariationOptions) {
    if (!['additive', 'multiplicative', 'lognormal'].includes(opts.model)) {
      throw new ConfigError(`ProcessVariation: model must be additive, multiplicative or lognormal, got "${opts.model}"`);
    }
    this.model = opts.model;
    this.sigma = checkNonNegative('ProcessVariation sigma', opts.sigma);
    this.mode = opts.mode ?? 'per-chip';
    if (this.mode !== 'per-chip' && this.mode !== 'per-forward') throw new ConfigError(`ProcessVariation: mode must be per-chip or per-forward, got "${this.mode}"`);
    this.layers = opts.layers ?? 'dense';
    this.binary = opts.binary ?? 'analog';
    if (this.binary !== 'analog' && this.binary !== 'digital') throw new ConfigError(`ProcessVariation: binary must be analog or digital, got "${this.binary}"`);
    if (this.binary === 'digital' && this.model === 'lognormal') {
      throw new ConfigError('ProcessVariation: lognormal variation never changes a sign, so it has no digital (sign-flip) form');
    }
    this.chipSeed = opts.chipSeed ?? 0;
  }

  /** The sign-flip probability of the digital form. */
  get flipProbability(): number {
    return signFlipProbability(this.model, this.sigma);
  }

  attach(model: LayerContainer): () => void {
    const layers = selectLayers(model, this.layers, 'ProcessVariation', true);
    if (this.binary === 'digital') {
      const bad = layers.find((l) => kernelPrecision(l) !== 1);
      if (bad) throw new ConfigError(`ProcessVariation: the digital form needs binary kernels; layer "${bad.name}" is ${kernelPrecision(bad)}-bit (select layers: 'binary')`);
    }
    // Zero strength changes nothing: no hooks, so the layers keep their fast (XNOR) forward.
    if (this.sigma === 0) return () => {};
    if (this.binary === 'digital') return hookLayers(layers, 'kernel', () => this.digitalHook());
    return hookLayers(layers, 'kernel', () => this.analogHook());
  }

  private fixedChip(ctx: CallContext) {
    return ctx.chip ?? new Chip(this.chipSeed);
  }

  private analogHook(): KernelHook {
    const cache = new PerChipCache<Float32Array>();
    const draw = (rng: Rng, n: number) => fillGaussian(new Float32Array(n), rng);
    return {
      name: 'process-variation',
      apply: (w: Tensor, ctx: CallContext, site: HookSite): Tensor => {
        if (this.sigma === 0) return w;
        let eps: Float32Array;
        if (this.mode === 'per-forward') eps = draw(ctx.rng, w.size);
        else {
          const chip = this.fixedChip(ctx);
          const key = kernelKey(site);
          eps = cache.get(chip.seed, key, () => draw(chip.rng(drawKey('variation', site.layer.name, key)), w.size));
        }
        return varied(w, eps, this.model, this.sigma);
      },
    };
  }

  private digitalHook(): BitErrorHook {
    const cache = new PerChipCache<Uint8Array>();
    const rates = { flip: this.flipProbability, stuck0: 0, stuck1: 0 };
    return bitErrorHook('process-variation-digital', (ctx: CallContext, site: HookSite, size: number): Uint8Array => {
      if (this.mode === 'per-forward') return drawBitErrors(ctx.rng, size, rates);
      const chip = this.fixedChip(ctx);
      const key = kernelKey(site);
      return cache.get(chip.seed, key, () => drawBitErrors(chip.rng(drawKey('variation-digital', site.layer.name, key)), size, rates));
    }, rates.flip === 0);
  }

  toJSON(): Record<string, unknown> {
    return { kind: this.kind, model: this.model, sigma: this.sigma, mode: this.mode, layers: this.layers, binary: this.binary, chip_seed: this.chipSeed };
  }
}

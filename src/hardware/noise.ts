// Additive Gaussian noise on layer outputs (thermal and read noise of analog
// or mixed-signal hardware). The noise is temporal: fresh draws on every
// forward pass, from the training rng, or from the chip's own per-layer
// stream in a Monte-Carlo evaluation. Its gradient is the identity (the
// noise is a constant added to the signal).
import { Tensor } from '../tensor/tensor.js';
import { record, accumulateGrad } from '../autograd/graph.js';
import type { Rng } from '../tensor/random.js';
import type { CallContext, HookSite, TensorHook } from '../nn/hooks.js';
import { drawKey } from './chip.js';
import { addGaussian } from './gaussian.js';
import { wasm } from '../wasm/module.js';
import { type LayerContainer, type LayerSelector, type Perturbation, selectLayers, hookLayers, checkNonNegative } from './perturbation.js';

export interface NoiseOptions {
  /** Standard deviation: absolute, or a multiple of the output's std when `relative`. */
  sigma: number;
  /** Scale sigma by the standard deviation of the tensor the noise is added to (per forward pass, no gradient). Default false. */
  relative?: boolean;
  /** On in training (default true). */
  training?: boolean;
  /** On in evaluation (default false; a Monte-Carlo evaluation of noise turns it on). */
  evaluation?: boolean;
}

export interface GaussianNoiseOptions extends NoiseOptions {
  /** Layers whose outputs get noise (default 'all': every Dense/Conv2D, quantized or not). */
  layers?: LayerSelector;
}

/** Standard deviation of all elements (float64 sums). */
export function tensorStd(x: Tensor): number {
  return wasm().stdF64(x.ptr, x.size);
}

/** y = x + std·ε with ε ~ N(0, 1) from rng; dy/dx = 1. */
export function addGaussianNoise(x: Tensor, std: number, rng: Rng): Tensor {
  const out = new Tensor(x.shape);
  addGaussian(x.ptr, out.ptr, x.size, std, rng);
  return record(out, 'gaussianNoise', [x], (g) => accumulateGrad(x, g.clone()));
}

function noiseRng(ctx: CallContext, site: HookSite): Rng {
  return ctx.chip ? ctx.chip.stream(drawKey('noise', site.layer.name, 'output')) : ctx.rng;
}

/** The noise as a hook; sigma 0 or a phase where it is off returns x itself. */
export function noiseTransform(opts: NoiseOptions): TensorHook & { options: Required<NoiseOptions> } {
  const o: Required<NoiseOptions> = {
    sigma: checkNonNegative('GaussianNoise sigma', opts.sigma),
    relative: opts.relative ?? false,
    training: opts.training ?? true,
    evaluation: opts.evaluation ?? false,
  };
  return {
    name: 'gaussian-noise',
    options: o,
    apply(x: Tensor, ctx: CallContext, site: HookSite): Tensor {
      if (o.sigma === 0 || !(ctx.training ? o.training : o.evaluation)) return x;
      const std = o.relative ? o.sigma * tensorStd(x) : o.sigma;
      return addGaussianNoise(x, std, noiseRng(ctx, site));
    },
  };
}

/** Gaussian noise on the outputs of the selected layers of a model. */
export class GaussianNoise implements Perturbation {
  readonly kind = 'noise';
  readonly options: Required<NoiseOptions>;
  readonly layers: LayerSelector;

  constructor(opts: GaussianNoiseOptions) {
    this.options = noiseTransform(opts).options;
    this.layers = opts.layers ?? 'all';
  }

  attach(model: LayerContainer): () => void {
    const layers = selectLayers(model, this.layers, 'GaussianNoise', false);
    // Zero strength changes nothing: no hooks, so the layers keep their fast (XNOR) forward.
    if (this.options.sigma === 0) return () => {};
    return hookLayers(layers, 'output', () => noiseTransform(this.options));
  }

  toJSON(): Record<string, unknown> {
    return { kind: this.kind, ...this.options, layers: this.layers };
  }
}

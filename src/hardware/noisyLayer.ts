// The user's NoisyLayer: any layer (QuantConv2D, QuantDense, ...) wrapped so
// that its output gets Gaussian noise. The wrapper owns no weights of its
// own: it builds the inner layer under its own name and shares its
// variables, so optimizers, summaries and per-chip draws see the inner layer.
import type { Tensor } from '../tensor/tensor.js';
import type { Shape } from '../tensor/shape.js';
import type { Rng } from '../tensor/random.js';
import { Layer, type CallContext } from '../nn/layer.js';
import { noiseTransform, type NoiseOptions } from './noise.js';

export class NoisyLayer extends Layer {
  readonly inner: Layer;
  private readonly noise: ReturnType<typeof noiseTransform>;

  constructor(inner: Layer, opts: NoiseOptions & { name?: string }) {
    super(opts.name ?? inner.name);
    if (inner.built) throw new Error(`NoisyLayer: wrap layer "${inner.name}" before the model is built`);
    this.inner = inner;
    this.noise = noiseTransform(opts);
  }

  get className(): string {
    return this.inner.className;
  }

  /** The wrapped layer: model-wide perturbations (kernel, accumulator hooks) reach it through here. */
  override unwrap(): Layer {
    return this.inner.unwrap();
  }

  get options(): Required<NoiseOptions> {
    return this.noise.options;
  }

  computeOutputShape(inputShape: Shape): Shape {
    return this.inner.computeOutputShape(inputShape);
  }

  protected override createVariables(inputShape: Shape, rng: Rng): void {
    // Sequential names the wrapper; the inner layer takes that name so its
    // variables are "<name>/kernel" as in the unwrapped model.
    if (!this.inner.name) this.inner.name = this.name;
    this.inner.build(inputShape, rng);
    this.variables.push(...this.inner.variables);
  }

  call(x: Tensor, ctx: CallContext): Tensor {
    return this.noise.apply(this.inner.apply(x, ctx), ctx, { layer: this });
  }

  override getConfig(): Record<string, unknown> {
    return { ...this.inner.getConfig(), noise: { ...this.noise.options } };
  }

  override dispose(): void {
    this.inner.dispose();
    this.variables.length = 0;
  }
}

/** Wraps `layer` so that its output gets Gaussian noise (on in training by default). */
export function noisy(layer: Layer, opts: NoiseOptions): NoisyLayer {
  return new NoisyLayer(layer, opts);
}

import type { Tensor } from '../../tensor/tensor.js';
import type { Shape } from '../../tensor/shape.js';
import type { Rng } from '../../tensor/random.js';
import { Layer, type CallContext } from '../layer.js';
import type { Variable } from '../variable.js';
import { prelu } from '../../ops/pointwise.js';

export interface PReLUOptions {
  /** Initial slope (Keras' alpha_initializer 'zeros' by default). */
  alphaInitializer?: 'zeros' | 'ones' | number;
  /** Axes sharing one slope, Keras' shared_axes (e.g. [1, 2]: one slope per channel). */
  sharedAxes?: number[];
  name?: string;
}

/** x for x > 0, alpha·x elsewhere with learned slopes (Keras' PReLU; ReActNet's RPReLU core). */
export class PReLU extends Layer {
  readonly sharedAxes: number[];
  readonly alphaInitializer: 'zeros' | 'ones' | number;
  alpha: Variable | null = null;

  constructor(opts: PReLUOptions = {}) {
    super(opts.name);
    this.sharedAxes = [...(opts.sharedAxes ?? [])];
    this.alphaInitializer = opts.alphaInitializer ?? 'zeros';
  }

  get className(): string {
    return 'p_re_lu';
  }

  computeOutputShape(inputShape: Shape): Shape {
    const shared = new Set(this.sharedAxes);
    // Only trailing non-shared axes are supported (slopes tile the sample's tail).
    const firstKept = inputShape.findIndex((_, i) => !shared.has(i + 1));
    if (firstKept >= 0 && inputShape.some((_, i) => i > firstKept && shared.has(i + 1))) {
      throw new Error(`PReLU "${this.name}": sharedAxes must be leading axes (e.g. [1, 2] for per-channel slopes)`);
    }
    return inputShape;
  }

  private alphaShape(inputShape: Shape): number[] {
    const shared = new Set(this.sharedAxes);
    const s = inputShape.filter((_, i) => !shared.has(i + 1));
    return s.length ? s : [1];
  }

  protected override createVariables(inputShape: Shape, rng: Rng): void {
    const init = this.alphaInitializer;
    this.alpha = this.addWeight('alpha', this.alphaShape(inputShape),
      typeof init === 'number' ? (out) => out.fill(init) : init, rng);
  }

  call(x: Tensor, _ctx: CallContext): Tensor {
    return prelu(x, this.alpha!.value);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), sharedAxes: this.sharedAxes, alphaInitializer: this.alphaInitializer };
  }
}

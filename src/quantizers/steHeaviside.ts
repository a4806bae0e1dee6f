// ste_heaviside: binarize to {0, 1} (1 only for x > 0, so q(0) = 0), with the
// symmetric clipped STE gradient (it passes on [−clip, 0] too, as in Larq).
import type { Tensor } from '../tensor/tensor.js';
import { type Quantizer, type QuantizerDescription, quantizeOp, viaViews, clippedGradient, clipWindow } from './quantizer.js';

export interface SteHeavisideOptions {
  /** Gradient window; null passes the gradient everywhere. Default 1. */
  clipValue?: number | null;
}

function heavisideForward(x: Float32Array, y: Float32Array): void {
  for (let i = 0; i < x.length; i++) y[i] = x[i] > 0 ? 1 : 0;
}

export class SteHeaviside implements Quantizer {
  readonly className = 'SteHeaviside';
  readonly precision = 1;
  readonly clipValue: number | null;
  private readonly clip: number | null;

  constructor(opts: SteHeavisideOptions = {}) {
    this.clip = clipWindow(opts.clipValue, 1);
    this.clipValue = opts.clipValue === undefined ? 1 : opts.clipValue;
  }

  call(x: Tensor): Tensor {
    return quantizeOp('steHeaviside', x, viaViews(heavisideForward), clippedGradient(this.clip));
  }

  getConfig(): Record<string, unknown> {
    return { clipValue: this.clipValue };
  }

  describe(): QuantizerDescription {
    return { levels: [0, 1], step: 1 };
  }
}

export function steHeaviside(opts: SteHeavisideOptions = {}): SteHeaviside {
  return new SteHeaviside(opts);
}

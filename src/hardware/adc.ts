// ADC quantisation: an analog accumulator (or output) is read by a b-bit
// converter with a fixed input range: values are clamped to [lo, hi] and
// rounded to one of 2^b evenly spaced levels. Straight-through gradient
// inside the range, 0 outside (the clamp's derivative; the rounding is
// treated as the identity).
import { Tensor } from '../tensor/tensor.js';
import { record, accumulateGrad } from '../autograd/graph.js';
import type { Layer } from '../nn/layer.js';
import type { TensorHook } from '../nn/hooks.js';
import { ProductLayer } from '../nn/productLayer.js';
import { type LayerContainer, type LayerSelector, type Perturbation, selectLayers, hookLayers } from './perturbation.js';
import { ConfigError } from '../errors.js';

/** [lo, hi]; or 'fan-in': [-K, K] with K the layer's fan-in, the full range of a dot of values in [-1, 1]. */
export type AdcRange = readonly [number, number] | 'fan-in';

export interface AdcOptions {
  bits: number;
  range: AdcRange;
  /** 'accumulator' (default) or 'output'. */
  target?: 'accumulator' | 'output';
  /** Default 'all'. */
  layers?: LayerSelector;
}

/** Levels lo + i·step, i = 0 .. 2^bits - 1, step = (hi - lo) / (2^bits - 1); ties round up. */
export function adcQuantize(x: Tensor, bits: number, lo: number, hi: number): Tensor {
  const levels = 2 ** bits - 1;
  const step = (hi - lo) / levels;
  const out = new Tensor(x.shape);
  const src = x.data;
  const dst = out.data;
  for (let i = 0; i < dst.length; i++) {
    const v = src[i] < lo ? lo : src[i] > hi ? hi : src[i];
    dst[i] = lo + Math.floor((v - lo) / step + 0.5) * step;
  }
  return record(out, 'adc', [x], (g) => {
    const dx = new Tensor(x.shape);
    const xs = x.data;
    const gd = g.data;
    const d = dx.data;
    for (let i = 0; i < d.length; i++) d[i] = xs[i] >= lo && xs[i] <= hi ? gd[i] : 0;
    accumulateGrad(x, dx);
  });
}

function fanIn(layer: Layer): number {
  if (!(layer instanceof ProductLayer)) throw new ConfigError(`ADC: range 'fan-in' needs a product layer, "${layer.name}" is a ${layer.className}`);
  return layer.fanIn();
}

export class ADC implements Perturbation {
  readonly kind = 'adc';
  readonly bits: number;
  readonly range: AdcRange;
  readonly target: 'accumulator' | 'output';
  readonly layers: LayerSelector;

  constructor(opts: AdcOptions) {
    if (!Number.isInteger(opts.bits) || opts.bits < 1 || opts.bits > 24) throw new ConfigError(`ADC: bits must be an integer in 1..24, got ${opts.bits}`);
    if (opts.range !== 'fan-in' && !(Array.isArray(opts.range) && opts.range.length === 2 && opts.range[0] < opts.range[1])) {
      throw new ConfigError(`ADC: range must be [lo, hi] with lo < hi, or 'fan-in'; got ${JSON.stringify(opts.range)}`);
    }
    this.bits = opts.bits;
    this.range = opts.range;
    this.target = opts.target ?? 'accumulator';
    this.layers = opts.layers ?? 'all';
  }

  attach(model: LayerContainer): () => void {
    const acc = this.target === 'accumulator';
    const layers = selectLayers(model, this.layers, 'ADC', acc);
    return hookLayers(layers, acc ? 'accumulator' : 'output', (l): TensorHook => {
      const [lo, hi] = this.range === 'fan-in' ? [-fanIn(l), fanIn(l)] : this.range;
      return { name: `adc-${this.bits}`, apply: (x: Tensor) => adcQuantize(x, this.bits, lo, hi) };
    });
  }

  toJSON(): Record<string, unknown> {
    return { kind: this.kind, bits: this.bits, range: this.range, target: this.target, layers: this.layers };
  }
}

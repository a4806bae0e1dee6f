// Packed layer -> [max-pool] -> BatchNorm -> packed layer, on bits: when a
// binary conv's output only feeds the next binary layer's sign, the kernel
// can write that sign directly (BatchNorm folded into integer thresholds,
// exactly as ops/batchNorm.ts rounds: deploy/fold.ts), the max-pool runs on
// bits (AND of -1 bits: max of ±1 values, valid because an increasing
// BatchNorm commutes with max), and the next layer reads the packed bits.
// No float activation of the pair is ever written: on larq-mnist this skips
// conv2's 7.7M-float output, its max-pool and BatchNorm for every chip.
import type { Layer } from '../../nn/layer.js';
import type { CallContext } from '../../nn/hooks.js';
import type { Model } from '../../nn/model.js';
import { ProductLayer } from '../../nn/productLayer.js';
import { MaxPool2D } from '../../nn/layers/maxPool2D.js';
import { BatchNormalization } from '../../nn/layers/batchNormalization.js';
import { windowGeometry } from '../../ops/convGeometry.js';
import { alloc, free, i32View } from '../../wasm/memory.js';
import {
  allocPacked, binaryConv2d, binaryMaxPool2d, samePad, NO_PAD, thresholdsFromAffine, type PackedActivations, type PackedWeights, type AccumulatorLimit,
} from '../../ops/binary/index.js';
import { batchNormAffine } from '../../deploy/fold.js';
import { layerIsClean } from '../prefix.js';

type ConvSpec = ProductLayer['spec'] & { kind: 'conv2d' };

/** The layer's conv2d spec, or null when it is not a conv2d product. */
function convSpec(l: Layer | undefined): ConvSpec | null {
  return l instanceof ProductLayer && l.spec.kind === 'conv2d' ? (l.spec as ConvSpec) : null;
}

export interface FusedChain {
  /** Index of the packed conv whose output is fused, and of the packed layer that reads the bits. */
  from: number;
  next: number;
  pool: MaxPool2D | null;
  thresholds: number;
  flip: number;
  dispose(): void;
}

/** The chain starting at packed layer `i`, or null when the layers between do not allow it. */
export function findChain(model: Model, i: number, isPacked: (l: Layer) => boolean, ctx: CallContext): FusedChain | null {
  const L = model.layers[i];
  const spec = convSpec(L);
  if (!spec || !(L instanceof ProductLayer) || L.bias || L.activation !== 'linear') return null;
  const acc = L.hooks.list('accumulator');
  if (acc.some((h) => !h.accumulatorLimit) || acc.length > 1 || L.hooks.count('output') > 0) return null;
  let j = i + 1;
  let pool: MaxPool2D | null = null;
  const at = (k: number) => model.layers[k];
  if (at(j) instanceof MaxPool2D && layerIsClean(at(j), ctx)) pool = at(j++) as MaxPool2D;
  const bn = at(j);
  if (!(bn instanceof BatchNormalization) || !layerIsClean(bn, ctx)) return null;
  j++;
  const next = at(j);
  if (!convSpec(next) || !isPacked(next)) return null;
  const { scale, shift } = batchNormAffine({
    gamma: bn.gamma ? bn.gamma.value.toArray() : null, beta: bn.beta ? bn.beta.value.toArray() : null,
    movingMean: bn.movingMean!.value.toArray(), movingVariance: bn.movingVariance!.value.toArray(), epsilon: bn.epsilon,
  });
  // max then a decreasing map is min: the AND-pool would be wrong for such a channel
  if (pool && scale.some((s) => !(s >= 0))) return null;
  const OC = spec.filters;
  const K = L.fanIn();
  const t = thresholdsFromAffine(scale, shift, K);
  const thresholds = alloc(OC * 4);
  const flip = alloc(OC * 4);
  i32View(thresholds, OC).set(t.thresholds);
  i32View(flip, OC).set(t.flip);
  return { from: i, next: j, pool, thresholds, flip, dispose: () => { free(thresholds); free(flip); } };
}

/** Packed input of a conv2d product for a float activation x (its 'same' border included). */
export function paddedShape(layer: ProductLayer, H: number, W: number) {
  const s = convSpec(layer)!;
  const [KH, KW] = s.kernelSize;
  return s.padding === 'same' ? samePad(H, W, KH, KW, s.strides) : NO_PAD;
}

/**
 * Runs the fused layers: xp (the packed input of layer `from`) -> the packed
 * input of layer `next`, with the accumulator limit of `from` in its kernel.
 */
export function runChain(model: Model, c: FusedChain, xp: PackedActivations, weights: PackedWeights,
  limit: AccumulatorLimit | undefined): PackedActivations {
  const L = model.layers[c.from] as ProductLayer;
  const spec = convSpec(L)!;
  const next = model.layers[c.next] as ProductLayer;
  const [OH, OW] = [L.outputShape![0], L.outputShape![1]];
  const padValue = spec.padValue as 0 | 1;
  const bits = { kind: 'bits' as const, thresholds: c.thresholds, flip: c.flip };
  if (!c.pool) {
    const out = allocPacked(xp.N, OH, OW, spec.filters, paddedShape(next, OH, OW));
    binaryConv2d(xp, weights, { strides: spec.strides, padValue, output: bits, accumulator: limit, into: out });
    return out;
  }
  const conv = allocPacked(xp.N, OH, OW, spec.filters);
  binaryConv2d(xp, weights, { strides: spec.strides, padValue, output: bits, accumulator: limit, into: conv });
  const g = windowGeometry('fused max-pool', [xp.N, OH, OW, spec.filters], c.pool.poolSize, c.pool.strides, c.pool.padding);
  const out = allocPacked(xp.N, g.OH, g.OW, spec.filters, paddedShape(next, g.OH, g.OW));
  binaryMaxPool2d(conv, c.pool.poolSize, { strides: c.pool.strides, padding: c.pool.padding, into: out });
  conv.dispose();
  return out;
}


// Bit errors in a float-input layer with a binary kernel (larq-mnist's first
// conv: the image is not binarized) change only the output channels whose
// weights changed, and the per-channel layers after it (max-pool,
// BatchNorm, activation) keep that locality. When many chips share the
// layer's input, the segment's clean output is computed once per batch and
// each chip recomputes only its changed channels, with the layer's own steps
// (a product with the kernel's columns for those channels gives the same
// numbers as the full one: tests check it end to end).
import { Tensor } from '../../tensor/tensor.js';
import { keep } from '../../tensor/scope.js';
import { noGrad } from '../../autograd/graph.js';
import type { CallContext } from '../../nn/hooks.js';
import type { Model } from '../../nn/model.js';
import { type ProductLayer, type PaddedInput, pickChannels } from '../../nn/productLayer.js';
import { conv2d } from '../../ops/conv2d.js';
import { gemm } from '../../ops/gemm.js';
import type { WindowGeometry } from '../../ops/convGeometry.js';
import { wasm } from '../../wasm/module.js';
import { MaxPool2D } from '../../nn/layers/maxPool2D.js';
import { BatchNormalization } from '../../nn/layers/batchNormalization.js';
import { Activation } from '../../nn/layers/activation.js';
import { Dropout } from '../../nn/layers/dropout.js';
import { batchNorm } from '../../ops/batchNorm.js';
import { layerIsClean } from '../prefix.js';
import type { SharedBatch } from '../engine.js';

/** End (exclusive) of the per-channel layers after layer s, or s + 1 when none follows. */
export function channelSegmentEnd(model: Model, s: number, ctx: CallContext): number {
  let e = s + 1;
  while (e < model.layers.length) {
    const l = model.layers[e];
    const perChannel = l instanceof MaxPool2D || l instanceof BatchNormalization || l instanceof Activation || l instanceof Dropout;
    if (!perChannel || !layerIsClean(l, ctx)) break;
    e++;
  }
  return e;
}

/** Columns `channels` of a kernel whose last axis is the output channel. */
export function kernelColumns(kernel: Tensor, channels: readonly number[]): Tensor {
  const OC = kernel.shape[kernel.rank - 1];
  const rows = kernel.size / OC;
  const out = new Tensor([...kernel.shape.slice(0, -1), channels.length]);
  const src = kernel.data;
  const dst = out.data;
  for (let r = 0; r < rows; r++) for (let j = 0; j < channels.length; j++) dst[r * channels.length + j] = src[r * OC + channels[j]];
  return out;
}

const slice = (t: Tensor | null | undefined, channels: readonly number[] | null): Tensor | null =>
  !t ? null : channels ? pickChannels(t, channels) : t;

/**
 * Output of layers [s, e) for the given output channels (all when null),
 * layer s using `kernel` (its effective kernel, already restricted to those
 * channels): the layer's own steps, then the per-channel layers with their
 * parameters sliced. With `shared`, a conv2d's patches of a shared input are
 * computed once per batch for every chip and channel subset.
 */
export function segmentForward(model: Model, s: number, e: number, x: Tensor, kernel: Tensor,
  channels: readonly number[] | null, ctx: CallContext, shared?: SharedBatch): Tensor {
  return noGrad(() => {
    const layer = model.layers[s] as ProductLayer;
    const xp = layer.padInput(layer.quantizeInput(x));
    const conv = layer.spec.kind === 'conv2d';
    let y = conv && shared?.isShared(x) ? convolveShared(layer, x, xp, kernel, shared) : layer.multiplyPadded(xp, [kernel]);
    y = layer.epilogue(y, channels ?? undefined);
    for (let i = s + 1; i < e; i++) {
      const l = model.layers[i];
      if (l instanceof BatchNormalization) {
        y = batchNorm(y, {
          gamma: slice(l.gamma?.value, channels), beta: slice(l.beta?.value, channels),
          movingMean: slice(l.movingMean!.value, channels)!, movingVariance: slice(l.movingVariance!.value, channels)!,
        }, { training: false, momentum: l.momentum, epsilon: l.epsilon });
      } else y = l.call(y, ctx); // max-pool, activation, dropout: channel-agnostic
    }
    return y;
  });
}

/** A conv2d product as multiplyPadded computes it (im2col + GEMM), with the patches of the shared input x made once per batch. */
function convolveShared(layer: ProductLayer, x: Tensor, xp: PaddedInput, kernel: Tensor, shared: SharedBatch): Tensor {
  const spec = layer.spec as ProductLayer['spec'] & { kind: 'conv2d' };
  const forward = (xx: Tensor, w: Tensor, g: WindowGeometry): Tensor => {
    const M = g.N * g.OH * g.OW;
    const K = g.KH * g.KW * g.C;
    const pointwise = g.KH === 1 && g.KW === 1 && g.SH === 1 && g.SW === 1 && g.PT + g.PL + g.PB + g.PR === 0;
    const cols = pointwise ? xx : shared.memo(x, `${layer.name}/patches`, () => {
      const c = keep(new Tensor([M, K]));
      wasm().im2col(xx.ptr, g.N, g.H, g.W, g.C, g.KH, g.KW, g.SH, g.SW, g.PT, g.PL, g.OH, g.OW, c.ptr);
      return c;
    }, (c) => c.dispose());
    const out = new Tensor([g.N, g.OH, g.OW, w.shape[3]]);
    gemm(false, false, M, w.shape[3], K, cols.ptr, w.ptr, out.ptr);
    return out;
  };
  return conv2d(xp.x, kernel, { strides: spec.strides, padding: xp.padding, forward });
}

/** The clean output of the segment starting at `layer` for a shared input, computed once per batch. */
export function cleanSegment(shared: SharedBatch, x: Tensor, layer: ProductLayer, make: () => Tensor): Tensor {
  return shared.memo(x, `${layer.name}/segment`, () => keep(make()), (t) => t.dispose());
}

/** out = clean with the channels of `part` written over (both NHWC / [N, C]). */
export function mergeChannels(clean: Tensor, part: Tensor, channels: readonly number[]): Tensor {
  const out = clean.clone();
  const C = clean.shape[clean.rank - 1];
  const k = channels.length;
  const rows = clean.size / C;
  const d = out.data;
  const p = part.data;
  for (let r = 0; r < rows; r++) for (let j = 0; j < k; j++) d[r * C + channels[j]] = p[r * k + j];
  return out;
}

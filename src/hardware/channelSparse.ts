// Bit errors in a float-input layer with a binary kernel (larq-mnist's first
// conv: the image is not binarized) change only the output channels whose
// weights changed, and the per-channel layers after it (max-pool,
// BatchNorm, activation) keep that locality. When many chips share the
// layer's input, the segment's clean output is computed once per batch and
// each chip recomputes only its changed channels, with the same ops (a
// convolution with the kernel's columns for those channels gives the same
// numbers as the full one: tests check it end to end).
import { Tensor } from '../tensor/tensor.js';
import { keep } from '../tensor/scope.js';
import { noGrad } from '../autograd/graph.js';
import type { CallContext, Layer } from '../nn/layer.js';
import type { Sequential } from '../nn/sequential.js';
import { Dense } from '../nn/layers/dense.js';
import { Conv2D } from '../nn/layers/conv2d.js';
import { QuantConv2D } from '../nn/layers/quantConv2D.js';
import { padForSame } from '../nn/layers/quantCommon.js';
import { conv2d } from '../ops/conv2d.js';
import { gemm } from '../ops/gemm.js';
import type { WindowGeometry } from '../ops/convGeometry.js';
import { wasm } from '../wasm/module.js';
import { MaxPool2D } from '../nn/layers/maxPool2D.js';
import { BatchNormalization } from '../nn/layers/batchNormalization.js';
import { Activation } from '../nn/layers/activation.js';
import { Dropout } from '../nn/layers/dropout.js';
import type { Quantizer } from '../quantizers/quantizer.js';
import { batchNorm } from '../ops/batchNorm.js';
import { biasAdd } from '../ops/biasAdd.js';
import { activationByName } from '../ops/activations.js';
import type { KernelLayer } from './perturbation.js';
import { layerIsClean } from './prefix.js';

/** End (exclusive) of the per-channel layers after layer s, or s + 1 when none follows. */
export function channelSegmentEnd(model: Sequential, s: number, ctx: CallContext): number {
  let e = s + 1;
  while (e < model.layers.length) {
    const l = model.layers[e];
    const perChannel = l instanceof MaxPool2D || l instanceof BatchNormalization || l instanceof Activation || l instanceof Dropout;
    if (!perChannel || !layerIsClean(l, ctx)) break;
    e++;
  }
  return e;
}

function slice(t: Tensor | null | undefined, channels: readonly number[] | null): Tensor | null {
  if (!t) return null;
  if (!channels) return t;
  const s = t.data;
  return Tensor.from(channels.map((c) => s[c]), [channels.length]);
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

/**
 * Output of layers [s, e) for the given output channels (all when null),
 * layer s using `kernel` (its effective kernel, already restricted to those
 * channels). Mirrors each layer's own call, with per-channel parameters sliced.
 */
export function segmentForward(model: Sequential, s: number, e: number, x: Tensor, kernel: Tensor,
  channels: readonly number[] | null, ctx: CallContext): Tensor {
  return noGrad(() => {
    const layer = model.layers[s] as KernelLayer;
    // effectiveInput / product / convolve are the layer's protected steps of call()
    const steps = layer as unknown as { effectiveInput(x: Tensor, c: CallContext): Tensor; convolve(x: Tensor, k: Tensor, c: CallContext): Tensor; product(x: Tensor, k: Tensor, c: CallContext): Tensor };
    const xin = steps.effectiveInput(x, ctx);
    let y = layer instanceof Dense ? steps.product(xin, kernel, ctx)
      : layer instanceof QuantConv2D || layer.constructor === Conv2D ? convolveShared(layer, x, xin, kernel)
        : steps.convolve(xin, kernel, ctx);
    const bias = slice(layer.bias?.value, channels);
    if (bias) y = biasAdd(y, bias);
    y = activationByName(layer.activation)(y);
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

/**
 * A float convolution as Conv2D / QuantConv2D compute it (explicit padding
 * for a non-zero pad value, then im2col + GEMM), with the im2col patches of
 * the shared input computed once per batch for every chip and channel subset.
 */
function convolveShared(layer: Conv2D, x: Tensor, xin: Tensor, kernel: Tensor): Tensor {
  const pv = (layer as { padValues?: number }).padValues ?? 0;
  const p = padForSame(xin, layer.padding, pv, layer.kernelSize, layer.strides);
  const forward = (xx: Tensor, w: Tensor, g: WindowGeometry): Tensor => {
    const M = g.N * g.OH * g.OW;
    const K = g.KH * g.KW * g.C;
    const pointwise = g.KH === 1 && g.KW === 1 && g.SH === 1 && g.SW === 1 && g.PT + g.PL + g.PB + g.PR === 0;
    const cols = pointwise ? xx : cleanSegment(x, patchesKey(layer), () => {
      const c = new Tensor([M, K]);
      wasm().im2col(xx.ptr, g.N, g.H, g.W, g.C, g.KH, g.KW, g.SH, g.SW, g.PT, g.PL, g.OH, g.OW, c.ptr);
      return c;
    });
    const out = new Tensor([g.N, g.OH, g.OW, w.shape[3]]);
    gemm(false, false, M, w.shape[3], K, cols.ptr, w.ptr, out.ptr);
    return out;
  };
  return conv2d(p.x, kernel, { strides: layer.strides, padding: p.padding, forward });
}

const patchKeys = new WeakMap<Layer, object>();
/** The key of a layer's patches, cached beside its clean segment (keyed by the layer itself). */
function patchesKey(layer: Layer): object {
  let k = patchKeys.get(layer);
  if (!k) patchKeys.set(layer, (k = {}));
  return k;
}

/** The layer's kernel as its forward pass uses it before hooks (the quantized ±1 kernel). */
export function quantizedKernel(layer: KernelLayer): Tensor {
  const q = (layer as { kernelQuantizer?: Quantizer | null }).kernelQuantizer;
  return noGrad(() => (q ? q.call(layer.kernel!.value) : layer.kernel!.value.clone()));
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

/** Per batch: what many chips share for an input (a layer's clean segment output, its patches). */
const cleanSegments = new WeakMap<Tensor, Map<object, Tensor>>();
const owned: [Tensor, Tensor][] = [];

export function cleanSegment(x: Tensor, key: object, make: () => Tensor): Tensor {
  let m = cleanSegments.get(x);
  if (!m) cleanSegments.set(x, (m = new Map()));
  let t = m.get(key);
  if (!t) {
    t = keep(make());
    owned.push([x, t]);
    m.set(key, t);
  }
  return t;
}

/** Frees the clean segments of the batch that just finished (called by the Monte-Carlo loop). */
export function releaseCleanSegments(): void {
  for (const [x, t] of owned) {
    t.dispose();
    cleanSegments.delete(x);
  }
  owned.length = 0;
}

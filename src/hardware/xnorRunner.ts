// Per-chip forward pass on the XNOR-popcount kernels. Layers that binarize
// both input and kernel with a sign quantizer run as packed binary conv /
// dense; the chip's weight bit errors (BitFlips, digital ProcessVariation)
// are applied to the packed words, and a signed accumulator limit runs
// inside the kernel. Every other layer, and a binary layer carrying a
// perturbation the packed path cannot express, runs its ordinary float
// forward with its hooks. The result equals the float path exactly: a
// binary dot is an integer either way (tests prove it). When many chips
// feed a packed layer the same (clean-prefix) input, each chip adds its
// weight changes to shared clean dots instead (weightDeltas.ts).
//
// This is one ChipEngine; a packed inference engine can be plugged into
// evaluateOnChips in its place (see montecarlo.ts).
import { Tensor } from '../tensor/tensor.js';
import { noGrad } from '../autograd/graph.js';
import { keep } from '../tensor/scope.js';
import { isSignQuantizer } from '../nn/layers/xnorPath.js';
import type { CallContext, Layer, LayerTransform } from '../nn/layer.js';
import type { Sequential } from '../nn/sequential.js';
import { Dense } from '../nn/layers/dense.js';
import { Conv2D } from '../nn/layers/conv2d.js';
import type { Quantizer } from '../quantizers/quantizer.js';
import { biasAdd } from '../ops/biasAdd.js';
import { activationByName } from '../ops/activations.js';
import { alloc, free, f32View, u8View } from '../wasm/memory.js';
import {
  packActivations, packRows, packWeights, binaryConv2d, binaryDense, type PackedWeights, type PackedActivations, type AccumulatorLimit,
} from '../ops/binary/index.js';
import { isKernelLayer, kernelPrecision, type KernelLayer } from './perturbation.js';
import { channelSegmentEnd, segmentForward, kernelColumns, mergeChannels, quantizedKernel, cleanSegment } from './channelSparse.js';
import { isBitErrorTransform, applyBitErrors, BIT_FLIP, BIT_STUCK0, BIT_STUCK1, type BitErrorTransform } from './bitErrors.js';
import { isAccumulatorLimitTransform, intRange, limitValue } from './saturation.js';
import { sharedActivations, weightChanges, deltaPays, dotsWithChanges, type WeightChange } from './weightDeltas.js';
import type { ChipEngine, ChipRunner } from './chipEngine.js';
import { firstPerturbedLayer } from './prefix.js';
import { findChain, runChain, paddedShape, type FusedChain } from './fusedChain.js';

/** Why `layer` cannot run on the packed kernels, or null when it can. */
export function packedPathBlocker(layer: Layer): string | null {
  if (!isKernelLayer(layer)) return 'not a Dense/Conv2D layer';
  const q = layer as { inputQuantizer?: Quantizer | null; kernelQuantizer?: Quantizer | null; padValues?: number };
  if (!isSignQuantizer(q.inputQuantizer) || !isSignQuantizer(q.kernelQuantizer)) return 'input and kernel are not both sign-binarized';
  if (Object.hasOwn(layer, 'call')) return 'its call is wrapped (saturating multipliers)';
  if (!layer.kernelTransforms.every(isBitErrorTransform)) return 'a kernel perturbation other than bit errors';
  if (layer instanceof Conv2D && layer.padding === 'same' && q.padValues !== 0 && q.padValues !== 1) return 'padValues other than 0 or 1';
  return null;
}

/** XOR / AND-NOT / OR the packed image of each error kind into w (the packing puts bit i where weight i goes). */
export function applyCodesPacked(w: PackedWeights, shape: readonly number[], codes: Uint8Array): void {
  for (const kind of [BIT_FLIP, BIT_STUCK0, BIT_STUCK1]) {
    let any = false;
    for (let i = 0; i < codes.length && !any; i++) any = codes[i] === kind;
    if (!any) continue;
    const m = alloc(codes.length * 4);
    const mv = f32View(m, codes.length);
    for (let i = 0; i < codes.length; i++) mv[i] = codes[i] === kind ? -1 : 1;
    const mask = packWeights(m, shape);
    free(m);
    const a = u8View(w.ptr, w.bytes);
    const b = u8View(mask.ptr, mask.bytes);
    for (let i = 0; i < a.length; i++) a[i] = kind === BIT_FLIP ? a[i] ^ b[i] : kind === BIT_STUCK0 ? a[i] & ~b[i] : a[i] | b[i];
    mask.dispose();
  }
}

interface PackedLayer {
  layer: KernelLayer;
  weights: PackedWeights;
  /** The error-free weights and what this chip's errors change, for inputs shared between chips. */
  cleanWeights: PackedWeights;
  changes: WeightChange[];
  ones: number;
  limit: AccumulatorLimit | undefined;
  /** Accumulator transforms left for the float output (after the in-kernel limit, if any). */
  rest: LayerTransform[];
}

function prepare(layer: KernelLayer, ctx: CallContext): PackedLayer {
  const kq = (layer as { kernelQuantizer?: Quantizer | null }).kernelQuantizer!;
  const signs = noGrad(() => kq.call(layer.kernel!.value));
  const shape = layer.kernel!.shape;
  const weights = packWeights(signs.ptr, shape);
  const cleanWeights = packWeights(signs.ptr, shape);
  let perturbed = signs;
  for (const t of layer.kernelTransforms) {
    if (!isBitErrorTransform(t)) continue;
    const codes = t.codes(ctx, layer, layer.kernel!.size);
    applyCodesPacked(weights, shape, codes);
    perturbed = noGrad(() => applyBitErrors(perturbed, codes));
  }
  const changes = weightChanges(signs.toArray(), perturbed.toArray());
  if (perturbed !== signs) perturbed.dispose();
  signs.dispose();
  const oc = shape[shape.length - 1];
  const ones = alloc(oc * 4);
  f32View(ones, oc).fill(1);
  const first = layer.accumulatorTransforms[0];
  const limit = first && isAccumulatorLimitTransform(first) && first.accumulatorLimit ? first.accumulatorLimit : undefined;
  return { layer, weights, cleanWeights, changes, ones, limit, rest: layer.accumulatorTransforms.slice(limit ? 1 : 0) };
}

/** The packed input of a packed layer (with its 'same' border). */
function packInput(p: PackedLayer, x: Tensor): PackedActivations {
  const { layer } = p;
  if (layer instanceof Dense) return packRows(x.ptr, x.shape[0], x.shape[1]);
  const [N, H, W, C] = x.shape;
  return packActivations(x.ptr, [N, H, W, C], { pad: paddedShape(layer as Conv2D, H, W) });
}

/** The layer's product on packed input, then what follows it in its call (rest of the accumulator hooks, bias, activation, output hooks). */
function fromPacked(p: PackedLayer, xp: PackedActivations, ctx: CallContext): Tensor {
  const { layer } = p;
  const output = { kind: 'float' as const, scale: p.ones };
  let y: Tensor;
  if (layer instanceof Dense) {
    y = new Tensor([xp.N * xp.H * xp.W, layer.units]);
    binaryDense(xp, p.weights, { output, accumulator: p.limit, into: y.ptr });
  } else {
    y = new Tensor([xp.N, ...layer.outputShape!]);
    const padValue = ((layer as { padValues?: number }).padValues ?? 0) as 0 | 1;
    binaryConv2d(xp, p.weights, { strides: layer.strides, padValue, output, accumulator: p.limit, into: y.ptr });
  }
  return finish(p, y, ctx);
}

function finish(p: PackedLayer, product: Tensor, ctx: CallContext): Tensor {
  const { layer } = p;
  let y = product;
  for (const t of p.rest) y = t.apply(y, ctx, layer);
  if (layer.bias) y = biasAdd(y, layer.bias.value);
  y = activationByName(layer.activation)(y);
  for (const t of layer.outputTransforms) y = t.apply(y, ctx, layer);
  return y;
}

/** Whether this call takes the shared-input weight-delta path. */
function usesDelta(p: PackedLayer, x: Tensor): boolean {
  return sharedActivations.has(x) && deltaPays(p.layer, p.changes.length);
}

function forwardPacked(p: PackedLayer, x: Tensor, ctx: CallContext): Tensor {
  const { layer } = p;
  if (usesDelta(p, x)) {
    const y = new Tensor(layer instanceof Dense ? [x.shape[0], layer.units] : [x.shape[0], ...layer.outputShape!]);
    const d = y.data;
    dotsWithChanges(layer, x, p.cleanWeights, p.changes, d);
    if (p.limit) {
      const r = intRange(p.limit.bits, true);
      for (let i = 0; i < d.length; i++) d[i] = limitValue(d[i], r, p.limit.mode);
    }
    return finish(p, y, ctx);
  }
  const xp = packInput(p, x);
  try {
    return fromPacked(p, xp, ctx);
  } finally {
    xp.dispose();
  }
}

/** A float-input layer with a binary kernel whose only perturbation is bit errors (see channelSparse.ts). */
interface SparseLayer { cleanKernel: Tensor; perturbed: Tensor; changed: number[]; end: number }

function prepareSparse(model: Sequential, i: number, ctx: CallContext): SparseLayer | null {
  const l = model.layers[i];
  if (!isKernelLayer(l) || kernelPrecision(l) !== 1 || l.kernelTransforms.length === 0 || !l.kernelTransforms.every(isBitErrorTransform)) return null;
  if (l.accumulatorTransforms.length > 0 || l.outputTransforms.length > 0 || Object.hasOwn(l, 'call')) return null;
  const cleanKernel = quantizedKernel(l);
  let perturbed = cleanKernel;
  for (const t of l.kernelTransforms) {
    const codes = (t as BitErrorTransform).codes(ctx, l, l.kernel!.size);
    const next = noGrad(() => applyBitErrors(perturbed, codes));
    if (perturbed !== cleanKernel) perturbed.dispose();
    perturbed = next;
  }
  const OC = cleanKernel.shape[cleanKernel.rank - 1];
  const changed = new Set<number>();
  for (const c of weightChanges(cleanKernel.toArray(), perturbed.toArray())) changed.add(c.index % OC);
  return { cleanKernel: keep(cleanKernel), perturbed: keep(perturbed), changed: [...changed].sort((a, b) => a - b), end: channelSegmentEnd(model, i, ctx) };
}

/** The XNOR engine: packs each eligible layer's weights once per chip, then runs batches. */
export const xnorEngine: ChipEngine = (model: Sequential, ctx: CallContext): ChipRunner => {
  const packed = new Map<Layer, PackedLayer>();
  const sparse = new Map<number, SparseLayer>();
  model.layers.forEach((l, i) => {
    if (packedPathBlocker(l) === null) packed.set(l, prepare(l as KernelLayer, ctx));
    else {
      const s = prepareSparse(model, i, ctx);
      if (s) sparse.set(i, s);
    }
  });
  const chains = new Map<number, FusedChain>();
  model.layers.forEach((l, i) => {
    const c = packed.has(l) ? findChain(model, i, (x) => packed.has(x), ctx) : null;
    if (c) chains.set(i, c);
  });
  const runLayers = (x: Tensor, c: CallContext, from: number, to: number): Tensor => noGrad(() => {
    let y = x;
    for (let i = from; i < to; i++) {
      const l = model.layers[i];
      const sp = sparse.get(i);
      if (sp && sp.end <= to && sharedActivations.has(y) && sp.changed.length <= sp.cleanKernel.shape[sp.cleanKernel.rank - 1] / 2) {
        const input = y;
        const clean = cleanSegment(input, l, () => segmentForward(model, i, sp.end, input, sp.cleanKernel, null, c));
        const cols = kernelColumns(sp.perturbed, sp.changed);
        y = mergeChannels(clean, segmentForward(model, i, sp.end, input, cols, sp.changed, c), sp.changed);
        i = sp.end - 1;
        continue;
      }
      const p = packed.get(l);
      const chain = chains.get(i);
      if (p && chain && chain.next < to && !usesDelta(p, y)) {
        const xp = packInput(p, y);
        const bits = runChain(model, chain, xp, p.weights, p.limit);
        xp.dispose();
        try {
          y = fromPacked(packed.get(model.layers[chain.next])!, bits, c);
        } finally {
          bits.dispose();
        }
        i = chain.next;
        continue;
      }
      y = p ? forwardPacked(p, y, c) : l.apply(y, c);
    }
    return y;
  });
  return {
    packedLayers: [...packed.keys()].map((l) => l.name),
    firstPerturbed: firstPerturbedLayer(model, ctx),
    runLayers,
    run: (x: Tensor, c: CallContext) => runLayers(x, c, 0, model.layers.length),
    dispose(): void {
      for (const p of packed.values()) {
        p.weights.dispose();
        p.cleanWeights.dispose();
        free(p.ones);
      }
      for (const s of sparse.values()) {
        s.cleanKernel.dispose();
        s.perturbed.dispose();
      }
      for (const ch of chains.values()) ch.dispose();
      chains.clear();
      packed.clear();
      sparse.clear();
    },
  };
};

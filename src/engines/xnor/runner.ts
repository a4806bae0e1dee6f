// Per-chip forward pass on the XNOR-popcount kernels (the 'xnor' engine).
// Product layers whose operands are both sign-binarized run as packed
// binary conv / dense; the chip's weight bit errors (the kernel hooks'
// declared codes) are applied to the packed words, and a signed
// accumulator limit (an accumulator hook's declared limit) runs inside the
// kernel; the rest of the layer is its own epilogue and hooks. Every other
// layer, and a binary layer carrying a hook the packed path cannot express,
// runs its own forward with its hooks. The result equals the autograd
// engine exactly: a binary dot is an integer either way (tests prove it).
// When many chips feed a packed layer the same (clean-prefix) input, each
// chip adds its weight changes to shared clean dots instead (weightDeltas.ts).

import { Tensor } from '../../tensor/tensor.js';
import { noGrad } from '../../autograd/graph.js';
import { keep } from '../../tensor/scope.js';
import type { Layer } from '../../nn/layer.js';
import type { AccumulatorHook, CallContext } from '../../nn/hooks.js';
import type { Model } from '../../nn/model.js';
import { ProductLayer } from '../../nn/productLayer.js';
import { isSignQuantizer } from '../../quantizers/describe.js';
import { alloc, free, f32View, u8View } from '../../wasm/memory.js';
import {
  packActivations, packRows, packWeights, binaryConv2d, binaryDense, type PackedWeights, type PackedActivations, type AccumulatorLimit,
} from '../../ops/binary/index.js';
import { applyBitErrors, BIT_FLIP, BIT_STUCK0, BIT_STUCK1 } from '../../ops/bitErrors.js';
import { intRange, limitValue } from '../../ops/registerLimit.js';
import { channelSegmentEnd, segmentForward, kernelColumns, mergeChannels, cleanSegment } from './channelSparse.js';
import { weightChanges, deltaPays, dotsWithChanges, type WeightChange } from './weightDeltas.js';
import type { ChipEngine, ChipRunner, SharedBatch } from '../engine.js';
import { firstPerturbedLayer } from '../prefix.js';
import { findChain, runChain, paddedShape, type FusedChain } from './fusedChain.js';
import { assertChain } from '../../nn/graph.js';

/** Why `layer` cannot run on the packed kernels, or null when it can. */
export function packedPathBlocker(layer: Layer): string | null {
  if (!(layer instanceof ProductLayer)) return 'not a product layer';
  const spec = layer.spec;
  if (spec.kind !== 'dense' && spec.kind !== 'conv2d') return `a ${spec.kind} product (dense and conv2d run packed)`;
  if (!isSignQuantizer(layer.inputQuantizer) || !isSignQuantizer(layer.kernelSlots()[0].quantizer)) return 'input and kernel are not both sign-binarized';
  if (layer.hooks.count('product') > 0) return 'a product hook (saturating multipliers)';
  if (layer.hooks.count('input') > 0) return 'an input hook';
  if (!layer.hooks.list('kernel').every((h) => h.bitErrors)) return 'a kernel perturbation other than bit errors';
  if (spec.kind === 'conv2d' && spec.padding === 'same' && spec.padValue !== 0 && spec.padValue !== 1) return 'padValues other than 0 or 1';
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
  layer: ProductLayer;
  weights: PackedWeights;
  /** The error-free weights and what this chip's errors change, for inputs shared between chips. */
  cleanWeights: PackedWeights;
  changes: WeightChange[];
  ones: number;
  limit: AccumulatorLimit | undefined;
  /** Accumulator hooks left for the float output (after the in-kernel limit, if any). */
  rest: readonly AccumulatorHook[];
}

function prepare(layer: ProductLayer, ctx: CallContext): PackedLayer {
  const [slot] = layer.kernelSlots();
  const signs = noGrad(() => layer.quantizeKernel(slot));
  const shape = slot.variable.shape;
  const weights = packWeights(signs.ptr, shape);
  const cleanWeights = packWeights(signs.ptr, shape);
  let perturbed = signs;
  for (const h of layer.hooks.list('kernel')) {
    const codes = h.bitErrors!(ctx, { layer, kernel: slot.name }, slot.variable.size);
    applyCodesPacked(weights, shape, codes);
    perturbed = noGrad(() => applyBitErrors(perturbed, codes));
  }
  const changes = weightChanges(signs.toArray(), perturbed.toArray());
  if (perturbed !== signs) perturbed.dispose();
  signs.dispose();
  const oc = shape[shape.length - 1];
  const ones = alloc(oc * 4);
  f32View(ones, oc).fill(1);
  const acc = layer.hooks.list('accumulator');
  const limit = acc[0]?.accumulatorLimit ?? undefined;
  return { layer, weights, cleanWeights, changes, ones, limit, rest: acc.slice(limit ? 1 : 0) };
}

/** The packed input of a packed layer (with its 'same' border). */
function packInput(p: PackedLayer, x: Tensor): PackedActivations {
  const { layer } = p;
  if (layer.spec.kind === 'dense') return packRows(x.ptr, x.shape[0], x.shape[1]);
  const [N, H, W, C] = x.shape;
  return packActivations(x.ptr, [N, H, W, C], { pad: paddedShape(layer, H, W) });
}

/** The layer's product on packed input, then what follows it in its call (rest of the accumulator hooks, bias, activation, output hooks). */
function fromPacked(p: PackedLayer, xp: PackedActivations, ctx: CallContext): Tensor {
  const { layer } = p;
  const spec = layer.spec;
  const output = { kind: 'float' as const, scale: p.ones };
  let y: Tensor;
  if (spec.kind === 'dense') {
    y = new Tensor([xp.N * xp.H * xp.W, spec.units]);
    binaryDense(xp, p.weights, { output, accumulator: p.limit, into: y.ptr });
  } else if (spec.kind === 'conv2d') {
    y = new Tensor([xp.N, ...layer.outputShape!]);
    binaryConv2d(xp, p.weights, { strides: spec.strides, padValue: spec.padValue as 0 | 1, output, accumulator: p.limit, into: y.ptr });
  } else throw new Error(`xnor engine: ${spec.kind} is not packed`);
  return finish(p, y, ctx);
}

/** What follows the product in the layer: the remaining accumulator hooks, its epilogue, its output hooks. */
function finish(p: PackedLayer, product: Tensor, ctx: CallContext): Tensor {
  const { layer } = p;
  const site = { layer };
  let y = product;
  for (const h of p.rest) y = h.apply(y, ctx, site);
  y = layer.epilogue(y);
  return layer.hooks.count('output') === 0 ? y : layer.hooks.run('output', y, ctx, site);
}

/** Whether this call takes the shared-input weight-delta path. */
function usesDelta(p: PackedLayer, x: Tensor, shared: SharedBatch | undefined): shared is SharedBatch {
  return !!shared?.isShared(x) && deltaPays(p.layer, p.changes.length);
}

function forwardPacked(p: PackedLayer, x: Tensor, ctx: CallContext, shared: SharedBatch | undefined): Tensor {
  const { layer } = p;
  if (usesDelta(p, x, shared)) {
    const y = new Tensor([x.shape[0], ...layer.outputShape!]);
    const d = y.data;
    dotsWithChanges(layer, x, p.cleanWeights, p.changes, d, shared);
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

function prepareSparse(model: Model, i: number, ctx: CallContext): SparseLayer | null {
  const l = model.layers[i];
  if (!(l instanceof ProductLayer) || l.unwrap() !== l) return null;
  const spec = l.spec;
  if (spec.kind !== 'dense' && spec.kind !== 'conv2d') return null;
  const [slot] = l.kernelSlots();
  const kernelHooks = l.hooks.list('kernel');
  if (slot.variable.precision !== 1 || kernelHooks.length === 0 || !kernelHooks.every((h) => h.bitErrors)) return null;
  if (l.hooks.count() !== kernelHooks.length) return null;
  const cleanKernel = noGrad(() => l.quantizeKernel(slot).clone());
  let perturbed = cleanKernel;
  for (const h of kernelHooks) {
    const codes = h.bitErrors!(ctx, { layer: l, kernel: slot.name }, slot.variable.size);
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
export const xnorEngine: ChipEngine = (model: Model, ctx: CallContext): ChipRunner => {
  assertChain(model.graph, 'the xnor chip engine');
  const packed = new Map<Layer, PackedLayer>();
  const sparse = new Map<number, SparseLayer>();
  model.layers.forEach((l, i) => {
    if (packedPathBlocker(l) === null) packed.set(l, prepare(l as ProductLayer, ctx));
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
  const runLayers = (x: Tensor, c: CallContext, from: number, to: number, shared?: SharedBatch): Tensor => noGrad(() => {
    let y = x;
    for (let i = from; i < to; i++) {
      const l = model.layers[i];
      const sp = sparse.get(i);
      if (sp && shared && sp.end <= to && shared.isShared(y) && sp.changed.length <= sp.cleanKernel.shape[sp.cleanKernel.rank - 1] / 2) {
        const input = y;
        const layer = l as ProductLayer;
        const clean = cleanSegment(shared, input, layer, () => segmentForward(model, i, sp.end, input, sp.cleanKernel, null, c, shared));
        const cols = kernelColumns(sp.perturbed, sp.changed);
        y = mergeChannels(clean, segmentForward(model, i, sp.end, input, cols, sp.changed, c, shared), sp.changed);
        i = sp.end - 1;
        continue;
      }
      const p = packed.get(l);
      const chain = chains.get(i);
      if (p && chain && chain.next < to && !usesDelta(p, y, shared)) {
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
      y = p ? forwardPacked(p, y, c, shared) : l.apply(y, c);
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

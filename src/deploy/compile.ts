// compile: a trained model (inference mode) -> the layer records
// of a packed model. What gets fused:
// - every conv/dense layer becomes one record; its bias, activation and the
//   BatchNorms / activations / max-pools after it up to the next conv/dense
//   form a per-channel chain (fold.ts);
// - when the next layer binarizes its input with a sign quantizer, the whole
//   chain and that sign collapse into per-channel thresholds: the layer
//   writes packed bits, and the max-pools in between run on bits (AND, or OR
//   for channels whose remaining chain is decreasing);
// - otherwise a BatchNorm right after the layer is folded into its float
//   output (scale, shift) and the rest of the chain runs as float records.
// Weights are stored quantized: 1 bit per sign weight, 2 bits per 2-bit
// DoReFa weight on a 2-bit layer, float32 (already quantized) otherwise.
import type { Model } from '../nn/model.js';
import type { Layer } from '../nn/layer.js';
import { ProductLayer, type KernelSlot } from '../nn/productLayer.js';
import { BatchNormalization } from '../nn/layers/batchNormalization.js';
import { MaxPool2D } from '../nn/layers/maxPool2D.js';
import { Flatten } from '../nn/layers/flatten.js';
import { Dropout } from '../nn/layers/dropout.js';
import { Activation } from '../nn/layers/activation.js';
import type { Quantizer } from '../quantizers/quantizer.js';
import { isSignQuantizer, hasLevels } from '../quantizers/describe.js';
import { windowGeometry } from '../ops/convGeometry.js';
import { tidy } from '../tensor/scope.js';
import { noGrad } from '../autograd/graph.js';
import type { Tensor } from '../tensor/tensor.js';
import { CompileError } from '../errors.js';
import type { LayerRecord, Pad4, TensorKind, WeightKind } from './format.js';
import { type ChannelOp, batchNormAffine, intThresholds, floatThresholds, decreasing } from './fold.js';
import { assertChain } from '../nn/graph.js';


type InputQ = 'none' | 'sign' | 'dorefa2';

interface ProductNode {
  kind: 'product'; names: string[]; input: InputQ; weightKind: WeightKind; weights: Float32Array;
  KH: number; KW: number; C: number; OC: number; strides: [number, number]; pad: Pad4; padValue: number;
  own: ChannelOp[];
}
type Node =
  | ProductNode
  | { kind: 'pool'; names: string[]; KH: number; KW: number; strides: [number, number]; pad: Pad4; C: number }
  | { kind: 'chan'; names: string[]; op: ChannelOp }
  | { kind: 'flatten'; names: string[] };

export interface CompiledLayers {
  inputShape: [number, number, number];
  outputs: number;
  records: LayerRecord[];
  /** Source layer names behind each record. */
  sources: string[][];
}

// The grids of the 2-bit bit-serial kernels (float32 values): activations
// a/3, a = 0..3; weights (2b - 3)/3, b = 0..3 (DoReFa 2-bit, both modes).
const TWO_BIT_ACTIVATIONS = [0, Math.fround(1 / 3), Math.fround(2 / 3), 1];
const TWO_BIT_WEIGHTS = [-1, Math.fround(Math.fround(2 * Math.fround(1 / 3)) - 1), Math.fround(Math.fround(2 * Math.fround(2 / 3)) - 1), 1];
const isTwoBit = (q: Quantizer | null, mode: 'activations' | 'weights') => hasLevels(q, mode === 'activations' ? TWO_BIT_ACTIVATIONS : TWO_BIT_WEIGHTS);

export interface CompileOptions {
  /**
   * The values to pack for a kernel instead of its quantized latent kernel
   * (e.g. one chip's kernel with its bit errors applied). When given, kernel
   * hooks are taken as the caller's business; any other hook is refused.
   */
  kernelValues?: (layer: ProductLayer, slot: KernelSlot) => Float32Array;
}

function quantized(layer: ProductLayer, slot: KernelSlot): Float32Array {
  return tidy(() => noGrad(() => Float32Array.from(layer.quantizeKernel(slot).data)));
}

// The layer's own bias and activation, the start of its output chain.
function channelOps(layer: ProductLayer): ChannelOp[] {
  const ops: ChannelOp[] = [];
  if (layer.bias) ops.push({ kind: 'affine', scale: null, shift: Float32Array.from(layer.bias.value.data) });
  ops.push(...activationOps(layer.activation, layer.name));
  return ops;
}

function activationOps(name: string, layer: string): ChannelOp[] {
  if (name === 'linear' || name === 'softmax') return []; // softmax: the model outputs logits
  if (name === 'relu') return [{ kind: 'relu' }];
  if (name === 'hard_tanh' || name === 'hardTanh') return [{ kind: 'hard_tanh' }];
  throw new CompileError(`export: activation "${name}" of layer "${layer}" is not supported`);
}

function productNode(layer: ProductLayer, opts: CompileOptions): ProductNode {
  const spec = layer.spec;
  if (spec.kind !== 'dense' && spec.kind !== 'conv2d') {
    throw new CompileError(`export: layer "${layer.name}" (${spec.kind}) is not supported by the packed format (dense and conv2d products are)`);
  }
  const [slot] = layer.kernelSlots();
  const inQ = layer.inputQuantizer;
  const kQ = slot.quantizer;
  let input: InputQ;
  if (!inQ) input = 'none';
  else if (isSignQuantizer(inQ)) input = 'sign';
  else if (isTwoBit(inQ, 'activations')) input = 'dorefa2';
  else throw new CompileError(`export: input quantizer ${inQ.className} of layer "${layer.name}" is not supported (sign quantizers and 2-bit DoReFa are)`);
  let weightKind: WeightKind = 'float';
  if (input === 'sign') {
    if (!isSignQuantizer(kQ)) throw new CompileError(`export: layer "${layer.name}" binarizes its input but not its kernel`);
    weightKind = 'sign';
  } else if (input === 'dorefa2') {
    if (!isTwoBit(kQ, 'weights')) throw new CompileError(`export: layer "${layer.name}" has 2-bit DoReFa inputs but not 2-bit DoReFa weights`);
    weightKind = 'codes2';
  } else if (isSignQuantizer(kQ)) weightKind = 'sign';
  const weights = opts.kernelValues ? opts.kernelValues(layer, slot) : quantized(layer, slot);
  const inShape = layer.inputShape!;
  if (spec.kind === 'conv2d') {
    const [H, W, C] = inShape;
    const g = windowGeometry(layer.name, [1, H, W, C], spec.kernelSize, spec.strides, spec.padding);
    const padValue = spec.padding === 'same' ? spec.padValue : 0;
    return {
      kind: 'product', names: [layer.name], input, weightKind, weights, KH: g.KH, KW: g.KW, C, OC: spec.filters,
      strides: [g.SH, g.SW], pad: { top: g.PT, bottom: g.PB, left: g.PL, right: g.PR }, padValue, own: channelOps(layer),
    };
  }
  return {
    kind: 'product', names: [layer.name], input, weightKind, weights, KH: 1, KW: 1, C: inShape[0], OC: spec.units,
    strides: [1, 1], pad: { top: 0, bottom: 0, left: 0, right: 0 }, padValue: 0, own: channelOps(layer),
  };
}

function toNodes(model: Model, opts: CompileOptions): Node[] {
  const nodes: Node[] = [];
  for (const layer of model.layers) {
    const hooks = layer.hooks.count() - (opts.kernelValues ? layer.hooks.count('kernel') : 0);
    if (hooks > 0 || layer.unwrap() !== layer) {
      throw new CompileError(`export: layer "${layer.name}" has hardware perturbation hooks; export the model without them`);
    }
    if (layer instanceof ProductLayer) {
      nodes.push(productNode(layer, opts));
    } else if (layer instanceof BatchNormalization) {
      const v = (t: { value: Tensor } | null) => (t ? Float32Array.from(t.value.data) : null);
      const { scale, shift } = batchNormAffine({
        gamma: v(layer.gamma), beta: v(layer.beta), movingMean: v(layer.movingMean)!, movingVariance: v(layer.movingVariance)!,
        epsilon: layer.epsilon,
      });
      nodes.push({ kind: 'chan', names: [layer.name], op: { kind: 'affine', scale, shift } });
    } else if (layer instanceof MaxPool2D) {
      const [H, W, C] = layer.inputShape!;
      const g = windowGeometry(layer.name, [1, H, W, C], layer.poolSize, layer.strides, layer.padding);
      nodes.push({ kind: 'pool', names: [layer.name], KH: g.KH, KW: g.KW, strides: [g.SH, g.SW], pad: { top: g.PT, bottom: g.PB, left: g.PL, right: g.PR }, C });
    } else if (layer instanceof Flatten) {
      nodes.push({ kind: 'flatten', names: [layer.name] });
    } else if (layer instanceof Activation) {
      for (const op of activationOps(layer.activation, layer.name)) nodes.push({ kind: 'chan', names: [layer.name], op });
    } else if (!(layer instanceof Dropout)) {
      throw new CompileError(`export: layer "${layer.name}" (${(layer as Layer).className}) is not supported by the packed format`);
    }
  }
  return nodes;
}

function packBits(w: Float32Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(w.length / 8));
  for (let i = 0; i < w.length; i++) if (w[i] < 0) out[i >> 3] |= 1 << (i & 7);
  return out;
}

// DoReFa 2-bit weights w = 2*(b/3) - 1 back to their codes b.
function packCodes2(w: Float32Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(w.length / 4));
  for (let i = 0; i < w.length; i++) {
    const b = Math.min(3, Math.max(0, Math.round(((w[i] + 1) * 3) / 2)));
    out[i >> 2] |= b << ((i & 3) * 2);
  }
  return out;
}

const TENSOR_OF: Record<InputQ, TensorKind> = { none: 'float', sign: 'bits', dorefa2: 'codes2' };

function explicit(node: Node, kind: TensorKind): LayerRecord {
  if (node.kind === 'pool') {
    return { op: 'pool', input: 'float', KH: node.KH, KW: node.KW, strides: node.strides, pad: node.pad, C: node.C };
  }
  if (node.kind === 'flatten') return { op: 'flatten' };
  if (node.kind === 'chan') return chanRecord(node.op);
  throw new Error(`compile: unexpected ${node.kind} on ${kind}`);
}

function chanRecord(op: ChannelOp): LayerRecord {
  if (op.kind === 'affine') return { op: 'affine', ...(op.scale ? { scale: op.scale } : {}), ...(op.shift ? { shift: op.shift } : {}) };
  return { op: 'activation', kind: op.kind };
}

/** The layer records of a built model, fused as described at the top of this file. */
export function compileLayers(model: Model, opts: CompileOptions = {}): CompiledLayers {
  if (!model.built || !model.inputShape) throw new CompileError('export: the model is not built');
  assertChain(model.graph, 'export to the packed format');
  const shape = model.inputShape;
  const inputShape: [number, number, number] = shape.length === 3 ? [shape[0], shape[1], shape[2]]
    : shape.length === 1 ? [1, 1, shape[0]] : (() => { throw new CompileError(`export: input shape [${shape.join(', ')}] is not supported`); })();
  const nodes = toNodes(model, opts);
  const records: LayerRecord[] = [];
  const sources: string[][] = [];
  const push = (r: LayerRecord, names: string[]) => { records.push(r); sources.push(names); };
  let kind: TensorKind = 'float';
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i];
    if (node.kind !== 'product') {
      if (kind !== 'float') throw new CompileError(`export: layer "${node.names[0]}" follows a packed tensor it cannot read`);
      push(explicit(node, kind), node.names);
      continue;
    }
    const need = TENSOR_OF[node.input];
    if (kind !== need) {
      if (kind !== 'float') throw new CompileError(`export: layer "${node.names[0]}" cannot read a ${kind} tensor`);
      push({ op: need === 'bits' ? 'sign' : 'dorefa2' }, node.names);
      kind = need;
    }
    let j = i + 1;
    while (j < nodes.length && nodes[j].kind !== 'product') j++;
    const chain = nodes.slice(i + 1, j);
    const next = nodes[j] as ProductNode | undefined;
    const base = {
      op: 'conv' as const, input: kind, weightKind: node.weightKind, KH: node.KH, KW: node.KW, C: node.C, OC: node.OC,
      strides: node.strides, pad: node.pad, padValue: node.padValue,
      weights: node.weightKind === 'sign' ? packBits(node.weights) : node.weightKind === 'codes2' ? packCodes2(node.weights) : node.weights,
    };
    if (next?.input === 'sign' && kind !== 'codes2') {
      // the whole chain + the next layer's sign -> thresholds; pools on bits
      const ops = [...node.own, ...chain.flatMap((n) => (n.kind === 'chan' ? [n.op] : []))];
      const K = node.KH * node.KW * node.C;
      const t = kind === 'float' ? floatThresholds(ops, node.OC) : intThresholds(ops, node.OC, K);
      push({ ...base, output: { kind: 'bits', thresholds: t.thresholds, flip: t.flip } }, [...node.names, ...chain.flatMap((n) => n.names)]);
      let seen = node.own.length;
      for (const n of chain) {
        if (n.kind === 'chan') seen++;
        else if (n.kind === 'flatten') push({ op: 'flatten' }, n.names);
        else if (n.kind === 'pool') {
          const after = ops.slice(seen);
          const orMask = new Uint8Array(Math.ceil(n.C / 8));
          for (let c = 0; c < n.C; c++) if (decreasing(after, c)) orMask[c >> 3] |= 1 << (c & 7);
          push({ op: 'pool', input: 'bits', KH: n.KH, KW: n.KW, strides: n.strides, pad: n.pad, C: n.C, orMask }, n.names);
        }
      }
      kind = 'bits';
      i = j - 1;
      continue;
    }
    // float output: fold what can be folded exactly into the record's scale/shift
    const rest: Node[] = [...node.own.map((op) => ({ kind: 'chan' as const, names: node.names, op })), ...chain];
    let output: { kind: 'float'; scale?: Float32Array; shift?: Float32Array } = { kind: 'float' };
    const first = rest[0];
    if (kind === 'codes2') {
      // the 2-bit GEMM returns 9 * sum(x*w)
      output = { kind: 'float', scale: new Float32Array(node.OC).fill(1 / 9) };
    } else if (first?.kind === 'chan' && first.op.kind === 'affine') {
      output = { kind: 'float', ...(first.op.scale ? { scale: first.op.scale } : {}), ...(first.op.shift ? { shift: first.op.shift } : {}) };
      rest.shift();
    }
    push({ ...base, output }, node.names);
    kind = 'float';
    for (const n of rest) push(explicit(n, kind), n.names);
    i = j - 1;
  }
  if (kind !== 'float') throw new CompileError('export: the model must end in a float output (logits)');
  const out = model.outputShape.reduce((a, b) => a * b, 1);
  return { inputShape, outputs: out, records, sources };
}

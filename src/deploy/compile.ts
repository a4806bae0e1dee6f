// compile: a trained model (inference mode) -> the layer records of a
// packed model, a chain or (version 2) a graph: each record reads earlier
// records' outputs. What gets fused:
// - every conv/dense layer becomes one record; its bias, activation and the
//   BatchNorms / activations / max-pools after it up to the next conv/dense
//   form a per-channel chain (fold.ts) when each of them is the only reader
//   of the one before;
// - when that chain ends at a layer that binarizes its input with a sign
//   quantizer (and nothing else reads it), the whole chain and that sign
//   collapse into per-channel thresholds: the layer writes packed bits, and
//   the max-pools in between run on bits (AND, or OR for channels whose
//   remaining chain is decreasing);
// - otherwise a BatchNorm right after the layer (its only reader) is folded
//   into its float output (scale, shift) and the rest runs as float records.
// A tensor that a sign-input layer reads gets one `sign` record, shared by
// every such reader. A sign input times a kernel that is not ±1 (Bi-Real
// Net's magnitude_aware_sign) stays a float product: the input becomes ±1
// floats (activation `sign`) and the sum is the float sum predict computes,
// which no popcount reproduces bit for bit. Residual adds, concatenations,
// average pools, paddings, reshapes and (P/Leaky)ReLUs are float records;
// depthwise convs are float products with their BatchNorm folded likewise.
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
import { Add } from '../nn/layers/add.js';
import { Concatenate } from '../nn/layers/concatenate.js';
import { AveragePooling2D } from '../nn/layers/averagePooling2D.js';
import { GlobalAveragePooling2D } from '../nn/layers/globalAveragePooling2D.js';
import { ZeroPadding2D } from '../nn/layers/zeroPadding2D.js';
import { Reshape } from '../nn/layers/reshape.js';
import { ReLU } from '../nn/layers/reLU.js';
import { PReLU } from '../nn/layers/pReLU.js';
import { LeakyReLU } from '../nn/layers/leakyReLU.js';
import type { Quantizer } from '../quantizers/quantizer.js';
import { isSignQuantizer, hasLevels } from '../quantizers/describe.js';
import { windowGeometry } from '../ops/convGeometry.js';
import { LEAKY_RELU_ALPHA } from '../ops/pointwise.js';
import { tidy } from '../tensor/scope.js';
import { noGrad } from '../autograd/graph.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Shape } from '../tensor/shape.js';
import { CompileError } from '../errors.js';
import type { LayerRecord, Pad4, TensorKind, WeightKind } from './format.js';
import { type ChannelOp, batchNormAffine, intThresholds, floatThresholds, decreasing } from './fold.js';
import { layerOf, logitsNode, type GraphNode } from '../nn/graph.js';

/** sign_float: a sign input times a kernel that is not ±1 (kept a float product). */
type InputQ = 'none' | 'sign' | 'dorefa2' | 'sign_float';

interface ProductNode {
  kind: 'product'; names: string[]; input: InputQ; weightKind: WeightKind; weights: Float32Array;
  KH: number; KW: number; C: number; OC: number; strides: [number, number]; pad: Pad4; padValue: number;
  own: ChannelOp[];
  /** binarizeScaledKernels: the per-channel scale of a ±scale kernel packed as signs, applied to the dot first. */
  kernelScale?: Float32Array;
}
interface DepthwiseNode {
  kind: 'depthwise'; names: string[]; KH: number; KW: number; multiplier: number; strides: [number, number]; pad: Pad4;
  weights: Float32Array; own: ChannelOp[];
}
type NodeBody =
  | ProductNode
  | DepthwiseNode
  | { kind: 'pool'; names: string[]; KH: number; KW: number; strides: [number, number]; pad: Pad4; C: number }
  | { kind: 'chan'; names: string[]; op: ChannelOp }
  | { kind: 'flatten'; names: string[] }
  | { kind: 'add' | 'concat'; names: string[] }
  | { kind: 'avgpool'; names: string[]; KH: number; KW: number; strides: [number, number]; pad: Pad4 }
  | { kind: 'pad'; names: string[]; pad: Pad4 }
  | { kind: 'reshape'; names: string[]; shape: [number, number, number] }
  | { kind: 'prelu'; names: string[]; alpha: Float32Array }
  | { kind: 'leaky'; names: string[]; alpha: number };
/** A node of the compiler's graph: `inputs` are node indices, -1 the model input. */
type Node = NodeBody & { inputs: number[] };

export interface CompiledLayers {
  inputShape: [number, number, number];
  outputs: number;
  records: LayerRecord[];
  /** Source layer names behind each record. */
  sources: string[][];
  /** The tensors each record reads: 0 the model input, i + 1 record i's output. */
  inputs: number[][];
  /** binarizeScaledKernels: the layers whose ±scale kernels were packed as sign bits (their logits are not bit-exact). */
  binarizedScaledKernels: string[];
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
  /**
   * Pack a sign input times a kernel of ±scale[o] per output channel
   * (magnitude_aware_sign) as sign bits on the XNOR-popcount kernels, the
   * scale applied to the integer dot: y = f32(dot·scale[o]). Fast, but not
   * bit-exact with predict, which sums the float products one by one
   * (the logits then differ by float rounding). Default false: such layers
   * stay bit-exact float products. The file records which layers were
   * packed so (meta `bitExact: false`, bitExactness.ts); a CompileError when
   * no layer qualifies.
   */
  binarizeScaledKernels?: boolean;
}

function quantized(layer: ProductLayer, slot: KernelSlot): Float32Array {
  return tidy(() => noGrad(() => Float32Array.from(layer.quantizeKernel(slot).data)));
}

// The layer's own bias and activation, the start of its output chain.
function channelOps(layer: ProductLayer, isOutput: boolean): ChannelOp[] {
  const ops: ChannelOp[] = [];
  if (layer.bias) ops.push({ kind: 'affine', scale: null, shift: Float32Array.from(layer.bias.value.data) });
  ops.push(...activationOps(layer.activation, layer.name, isOutput));
  return ops;
}

/** A layer's activation as channel ops; `isOutput`: the layer is the model's output, where a softmax is dropped (the file holds logits). */
function activationOps(name: string, layer: string, isOutput: boolean): ChannelOp[] {
  if (name === 'linear') return [];
  if (name === 'softmax') {
    // a final Activation('softmax') never gets here (toNodes stops at its input); any other softmax changes what later layers see
    if (isOutput) return [];
    throw new CompileError(`export: layer "${layer}" applies softmax before the model's output; the packed format holds logits and drops only a final softmax`);
  }
  if (name === 'relu') return [{ kind: 'relu' }];
  if (name === 'hard_tanh' || name === 'hardTanh') return [{ kind: 'hard_tanh' }];
  throw new CompileError(`export: activation "${name}" of layer "${layer}" is not supported`);
}

function depthwiseNode(layer: ProductLayer, opts: CompileOptions, isOutput: boolean): DepthwiseNode {
  const spec = layer.spec;
  if (spec.kind !== 'depthwise_conv2d') throw new Error('depthwiseNode: not a depthwise layer');
  if (layer.inputQuantizer) {
    throw new CompileError(`export: depthwise layer "${layer.name}" quantizes its input; the packed format runs depthwise convs on float inputs only`);
  }
  const [H, W, C] = layer.inputShape!;
  const g = windowGeometry(layer.name, [1, H, W, C], spec.kernelSize, spec.strides, spec.padding);
  if (spec.padding === 'same' && spec.padValue !== 0 && g.PT + g.PB + g.PL + g.PR > 0) {
    throw new CompileError(`export: depthwise layer "${layer.name}" pads with ${spec.padValue}; the packed format pads depthwise convs with zeros only`);
  }
  const [slot] = layer.kernelSlots();
  return {
    kind: 'depthwise', names: [layer.name], KH: g.KH, KW: g.KW, multiplier: spec.depthMultiplier, strides: [g.SH, g.SW],
    pad: { top: g.PT, bottom: g.PB, left: g.PL, right: g.PR },
    weights: opts.kernelValues ? opts.kernelValues(layer, slot) : quantized(layer, slot), own: channelOps(layer, isOutput),
  };
}

function productNode(layer: ProductLayer, opts: CompileOptions, isOutput: boolean): ProductNode {
  const spec = layer.spec;
  if (spec.kind !== 'dense' && spec.kind !== 'conv2d') {
    throw new CompileError(`export: layer "${layer.name}" (${spec.kind}) is not supported by the packed format (dense, conv2d and depthwise products are)`);
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
    if (isSignQuantizer(kQ)) weightKind = 'sign';
    else input = 'sign_float';
  } else if (input === 'dorefa2') {
    if (!isTwoBit(kQ, 'weights')) throw new CompileError(`export: layer "${layer.name}" has 2-bit DoReFa inputs but not 2-bit DoReFa weights`);
    weightKind = 'codes2';
  } else if (isSignQuantizer(kQ)) weightKind = 'sign';
  const weights = opts.kernelValues ? opts.kernelValues(layer, slot) : quantized(layer, slot);
  const OC = spec.kind === 'conv2d' ? spec.filters : spec.units;
  const own = channelOps(layer, isOutput);
  const scales = input === 'sign_float' && opts.binarizeScaledKernels ? channelScales(weights, OC) : null;
  if (scales) {
    input = 'sign';
    weightKind = 'sign';
  }
  const kernelScale = scales ? { kernelScale: scales } : {};
  const inShape = layer.inputShape!;
  if (spec.kind === 'conv2d') {
    const [H, W, C] = inShape;
    const g = windowGeometry(layer.name, [1, H, W, C], spec.kernelSize, spec.strides, spec.padding);
    const padValue = spec.padding === 'same' ? spec.padValue : 0;
    return {
      kind: 'product', names: [layer.name], input, weightKind, weights, KH: g.KH, KW: g.KW, C, OC: spec.filters,
      strides: [g.SH, g.SW], pad: { top: g.PT, bottom: g.PB, left: g.PL, right: g.PR }, padValue, own, ...kernelScale,
    };
  }
  return {
    kind: 'product', names: [layer.name], input, weightKind, weights, KH: 1, KW: 1, C: inShape[0], OC: spec.units,
    strides: [1, 1], pad: { top: 0, bottom: 0, left: 0, right: 0 }, padValue: 0, own, ...kernelScale,
  };
}

/** scale[o] when every weight of output channel o is ±scale[o] (scale > 0), else null. */
function channelScales(w: Float32Array, OC: number): Float32Array | null {
  const scale = new Float32Array(OC);
  for (let o = 0; o < OC; o++) {
    const a = Math.abs(w[o]);
    if (!(a > 0)) return null;
    for (let i = o; i < w.length; i += OC) if (Math.abs(w[i]) !== a) return null;
    scale[o] = a;
  }
  return scale;
}

/** [H, W, C] of a sample shape: images as they are, vectors as [1, 1, n], matrices as [1, a, b]. */
function shape3(shape: Shape, layer: string): [number, number, number] {
  if (shape.length === 3) return [shape[0], shape[1], shape[2]];
  if (shape.length === 2) return [1, shape[0], shape[1]];
  if (shape.length === 1) return [1, 1, shape[0]];
  throw new CompileError(`export: layer "${layer}" has a tensor of shape [${shape.join(', ')}], which the packed format cannot hold`);
}

function windowPad(g: { PT: number; PB: number; PL: number; PR: number }): Pad4 {
  return { top: g.PT, bottom: g.PB, left: g.PL, right: g.PR };
}

/** The node(s) of one layer; null for layers inference skips (Dropout, linear activations). `isOutput`: the layer is the model's output. */
function layerNode(layer: Layer, opts: CompileOptions, isOutput: boolean): NodeBody | null {
  const names = [layer.name];
  if (layer instanceof ProductLayer) {
    return layer.spec.kind === 'depthwise_conv2d' ? depthwiseNode(layer, opts, isOutput) : productNode(layer, opts, isOutput);
  }
  if (layer instanceof BatchNormalization) {
    const v = (t: { value: Tensor } | null) => (t ? Float32Array.from(t.value.data) : null);
    const { scale, shift } = batchNormAffine({
      gamma: v(layer.gamma), beta: v(layer.beta), movingMean: v(layer.movingMean)!, movingVariance: v(layer.movingVariance)!,
      epsilon: layer.epsilon,
    });
    return { kind: 'chan', names, op: { kind: 'affine', scale, shift } };
  }
  if (layer instanceof MaxPool2D || layer instanceof AveragePooling2D) {
    const [H, W, C] = layer.inputShape!;
    const g = windowGeometry(layer.name, [1, H, W, C], layer.poolSize, layer.strides, layer.padding);
    const win = { names, KH: g.KH, KW: g.KW, strides: [g.SH, g.SW] as [number, number], pad: windowPad(g) };
    return layer instanceof MaxPool2D ? { kind: 'pool', ...win, C } : { kind: 'avgpool', ...win };
  }
  if (layer instanceof GlobalAveragePooling2D) {
    const [H, W] = layer.inputShape!;
    return { kind: 'avgpool', names, KH: H, KW: W, strides: [H, W], pad: { top: 0, bottom: 0, left: 0, right: 0 } };
  }
  if (layer instanceof Flatten) return { kind: 'flatten', names };
  if (layer instanceof Activation) {
    if (layer.activation === 'leaky_relu') return { kind: 'leaky', names, alpha: LEAKY_RELU_ALPHA }; // activations.ts: leakyRelu(x) with its default slope
    const [op] = activationOps(layer.activation, layer.name, false);
    return op ? { kind: 'chan', names, op } : null;
  }
  if (layer instanceof ReLU) return { kind: 'chan', names, op: { kind: 'relu' } };
  if (layer instanceof LeakyReLU) return { kind: 'leaky', names, alpha: layer.alpha };
  if (layer instanceof PReLU) return { kind: 'prelu', names, alpha: Float32Array.from(layer.alpha!.value.data) };
  if (layer instanceof Add) return { kind: 'add', names };
  if (layer instanceof Concatenate) return { kind: 'concat', names };
  if (layer instanceof ZeroPadding2D) return { kind: 'pad', names, pad: { ...layer.pads } };
  if (layer instanceof Reshape) return { kind: 'reshape', names, shape: shape3(layer.outputShape!, layer.name) };
  if (layer instanceof Dropout) return null;
  throw new CompileError(`export: layer "${layer.name}" (${layer.className}) is not supported by the packed format`);
}

/** The model's graph up to its logits as compiler nodes (inputs: node indices, -1 the model input); and the logits node's index. */
function toNodes(model: Model, opts: CompileOptions): { nodes: Node[]; logits: number } {
  const graph = model.graph;
  if (graph.inputs.length !== 1 || graph.outputs.length !== 1) {
    throw new CompileError(`export: the packed format takes models with one input and one output (this one has ${graph.inputs.length} and ${graph.outputs.length})`);
  }
  const last = logitsNode(graph);
  const index = new Map<GraphNode, number>([[graph.inputs[0], -1]]);
  const nodes: Node[] = [];
  for (const g of graph.nodes) {
    if (!g.layer) continue;
    const layer = layerOf(g);
    const hooks = layer.hooks.count() - (opts.kernelValues ? layer.hooks.count('kernel') : 0);
    if (hooks > 0 || layer.unwrap() !== layer) {
      throw new CompileError(`export: layer "${layer.name}" has hardware perturbation hooks; export the model without them`);
    }
    const inputs = g.inputs.map((i) => index.get(i)!);
    const body = layerNode(layer, opts, g === graph.outputs[0]);
    if (body === null) index.set(g, inputs[0]);
    else {
      nodes.push({ ...body, inputs } as Node);
      index.set(g, nodes.length - 1);
    }
    if (g === last) break;
  }
  return { nodes, logits: index.get(last)! };
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

const TENSOR_OF: Record<InputQ, TensorKind> = { none: 'float', sign: 'bits', dorefa2: 'codes2', sign_float: 'float' };

/** The record of a node that reads and writes float tensors. */
function floatRecord(node: Node): LayerRecord {
  switch (node.kind) {
    case 'pool': return { op: 'pool', input: 'float', KH: node.KH, KW: node.KW, strides: node.strides, pad: node.pad, C: node.C };
    case 'flatten': return { op: 'flatten' };
    case 'chan': return chanRecord(node.op);
    case 'avgpool': return { op: 'avgpool', KH: node.KH, KW: node.KW, strides: node.strides, pad: node.pad };
    case 'pad': return { op: 'pad', pad: node.pad, value: 0 };
    case 'reshape': return { op: 'reshape', shape: node.shape };
    case 'prelu': return { op: 'prelu', alpha: node.alpha };
    case 'leaky': return { op: 'leaky_relu', alpha: node.alpha };
    case 'add': return { op: 'add' };
    case 'concat': return { op: 'concat' };
    default: throw new Error(`compile: ${node.kind} is not a float record`);
  }
}

function chanRecord(op: ChannelOp): LayerRecord {
  if (op.kind === 'affine') return { op: 'affine', ...(op.scale ? { scale: op.scale } : {}), ...(op.shift ? { shift: op.shift } : {}) };
  return { op: 'activation', kind: op.kind };
}

interface Emitted { t: number; kind: TensorKind }

/** The layer records of a built model, fused as described at the top of this file. */
export function compileLayers(model: Model, opts: CompileOptions = {}): CompiledLayers {
  if (!model.built || !model.inputShape) throw new CompileError('export: the model is not built');
  const shape = model.inputShape;
  const inputShape: [number, number, number] = shape.length === 3 ? [shape[0], shape[1], shape[2]]
    : shape.length === 1 ? [1, 1, shape[0]] : (() => { throw new CompileError(`export: input shape [${shape.join(', ')}] is not supported`); })();
  const { nodes, logits } = toNodes(model, opts);
  const binarizedScaledKernels = nodes.flatMap((n) => (n.kind === 'product' && n.kernelScale ? n.names : []));
  if (opts.binarizeScaledKernels && binarizedScaledKernels.length === 0) {
    throw new CompileError('export: binarizeScaledKernels is set, but no layer has a sign input times a kernel of ±scale per output channel '
      + '(e.g. magnitude_aware_sign); export without the option');
  }
  const readers = nodes.map(() => [] as number[]);
  nodes.forEach((n, i) => n.inputs.forEach((j) => { if (j >= 0) readers[j].push(i); }));
  // the one reader of node i, if it has exactly one (the logits have the model's output as a reader too)
  const soleReader = (i: number): Node | undefined => (i !== logits && readers[i].length === 1 ? nodes[readers[i][0]] : undefined);
  const readerIndex = (i: number) => readers[i][0];

  const records: LayerRecord[] = [];
  const sources: string[][] = [];
  const inputs: number[][] = [];
  const emit = (r: LayerRecord, ins: number[], names: string[]): number => {
    records.push(r);
    inputs.push(ins);
    sources.push(names);
    return records.length;
  };
  const value = new Map<number, Emitted>([[-1, { t: 0, kind: 'float' }]]);
  const converted = new Map<string, number>();
  const done = new Set<number>();
  /** Tensor t (float) as the kind a product reads: one sign / dorefa2 / float-sign record per tensor, shared. */
  const convert = (t: number, to: 'bits' | 'codes2' | 'sign_float', names: string[]): number => {
    const key = `${t}:${to}`;
    let c = converted.get(key);
    if (c === undefined) {
      const r: LayerRecord = to === 'bits' ? { op: 'sign' } : to === 'codes2' ? { op: 'dorefa2' } : { op: 'activation', kind: 'sign' };
      c = emit(r, [t], names);
      converted.set(key, c);
    }
    return c;
  };
  const floatInput = (node: Node, j: number): number => {
    const v = value.get(j)!;
    if (v.kind !== 'float') throw new CompileError(`export: layer "${node.names[0]}" follows a packed tensor it cannot read`);
    return v.t;
  };

  for (let i = 0; i < nodes.length; i++) {
    if (done.has(i)) continue;
    const node = nodes[i];
    if (node.kind === 'product') {
      value.set(...emitProduct(i, node));
    } else if (node.kind === 'depthwise') {
      value.set(...emitDepthwise(i, node));
    } else if (node.kind === 'add' || node.kind === 'concat') {
      // n inputs as a left fold, the order merge.ts adds them in
      let t = floatInput(node, node.inputs[0]);
      for (const j of node.inputs.slice(1)) t = emit(floatRecord(node), [t, floatInput(node, j)], node.names);
      value.set(i, { t, kind: 'float' });
    } else {
      value.set(i, { t: emit(floatRecord(node), [floatInput(node, node.inputs[0])], node.names), kind: 'float' });
    }
  }

  function emitProduct(i: number, node: ProductNode & { inputs: number[] }): [number, Emitted] {
    const src = value.get(node.inputs[0])!;
    let { t, kind } = src;
    const need = TENSOR_OF[node.input];
    if (node.input === 'sign_float') {
      if (kind !== 'float') throw new CompileError(`export: layer "${node.names[0]}" cannot read a ${kind} tensor`);
      t = convert(t, 'sign_float', node.names);
    } else if (kind !== need) {
      if (kind !== 'float') throw new CompileError(`export: layer "${node.names[0]}" cannot read a ${kind} tensor`);
      t = convert(t, need as 'bits' | 'codes2', node.names);
      kind = need;
    }
    // the per-channel chain after the layer: nodes each read only by the next
    const chain: (Node & { kind: 'chan' | 'pool' | 'flatten' })[] = [];
    let end = i;
    for (let r = soleReader(end); r && (r.kind === 'chan' || r.kind === 'pool' || r.kind === 'flatten'); r = soleReader(end)) {
      chain.push(r);
      end = readerIndex(end);
    }
    const next = soleReader(end);
    const base = {
      op: 'conv' as const, input: kind, weightKind: node.weightKind, KH: node.KH, KW: node.KW, C: node.C, OC: node.OC,
      strides: node.strides, pad: node.pad, padValue: node.padValue,
      weights: node.weightKind === 'sign' ? packBits(node.weights) : node.weightKind === 'codes2' ? packCodes2(node.weights) : node.weights,
    };
    if (next?.kind === 'product' && next.input === 'sign' && kind !== 'codes2') {
      // the whole chain + the next layer's sign -> thresholds; pools on bits
      const scaled: ChannelOp[] = node.kernelScale ? [{ kind: 'affine', scale: node.kernelScale, shift: null }] : [];
      const ops = [...scaled, ...node.own, ...chain.flatMap((n) => (n.kind === 'chan' ? [n.op] : []))];
      const K = node.KH * node.KW * node.C;
      const th = kind === 'float' ? floatThresholds(ops, node.OC) : intThresholds(ops, node.OC, K);
      t = emit({ ...base, output: { kind: 'bits', thresholds: th.thresholds, flip: th.flip } }, [t], [...node.names, ...chain.flatMap((n) => n.names)]);
      let seen = scaled.length + node.own.length;
      for (const n of chain) {
        if (n.kind === 'chan') seen++;
        else if (n.kind === 'flatten') t = emit({ op: 'flatten' }, [t], n.names);
        else {
          const after = ops.slice(seen);
          const orMask = new Uint8Array(Math.ceil(n.C / 8));
          for (let c = 0; c < n.C; c++) if (decreasing(after, c)) orMask[c >> 3] |= 1 << (c & 7);
          t = emit({ op: 'pool', input: 'bits', KH: n.KH, KW: n.KW, strides: n.strides, pad: n.pad, C: n.C, orMask }, [t], n.names);
        }
      }
      for (let j = i; j !== end; j = readerIndex(j)) done.add(readerIndex(j));
      return [end, { t, kind: 'bits' }];
    }
    // float output: fold what can be folded exactly into the record's scale/shift
    const own = [...node.own];
    let output: { kind: 'float'; scale?: Float32Array; shift?: Float32Array } = { kind: 'float' };
    let at = i;
    const first: ChannelOp | undefined = own[0] ?? (chain[0]?.kind === 'chan' ? chain[0].op : undefined);
    if (kind === 'codes2') {
      // the 2-bit GEMM returns 9 * sum(x*w)
      output = { kind: 'float', scale: new Float32Array(node.OC).fill(1 / 9) };
    } else if (first?.kind === 'affine') {
      // a packed ±scale kernel: scale and the BatchNorm's scale as one factor (not bit-exact anyway)
      const scale = node.kernelScale ? node.kernelScale.map((k, o) => (first.scale ? Math.fround(k * first.scale[o]) : k)) : first.scale;
      output = { kind: 'float', ...(scale ? { scale } : {}), ...(first.shift ? { shift: first.shift } : {}) };
      if (own.length) own.shift();
      else {
        at = readerIndex(i);
        done.add(at);
      }
    } else if (node.kernelScale) {
      output = { kind: 'float', scale: node.kernelScale };
    }
    // FOLDED_GOES_UNNAMED: a BatchNorm folded into a product's float output is
    // not listed in the record's sources (meta.layers[].from), as version-1
    // files always had it (naming it would change the bytes of every chain
    // file); emitDepthwise follows the same rule
    t = emit({ ...base, output }, [t], node.names);
    for (const op of own) t = emit(chanRecord(op), [t], node.names);
    return [at, { t, kind: 'float' }];
  }

  function emitDepthwise(i: number, node: DepthwiseNode & { inputs: number[] }): [number, Emitted] {
    let t = floatInput(node, node.inputs[0]);
    const own = [...node.own];
    const reader = soleReader(i);
    const first: ChannelOp | undefined = own[0] ?? (reader?.kind === 'chan' ? reader.op : undefined);
    let at = i;
    let fold: { scale?: Float32Array; shift?: Float32Array } = {};
    if (first?.kind === 'affine') {
      fold = { ...(first.scale ? { scale: first.scale } : {}), ...(first.shift ? { shift: first.shift } : {}) };
      if (own.length) own.shift();
      else {
        at = readerIndex(i);
        done.add(at);
      }
    }
    // the folded BatchNorm goes unnamed, as in emitProduct (FOLDED_GOES_UNNAMED)
    t = emit({
      op: 'depthwise', KH: node.KH, KW: node.KW, multiplier: node.multiplier, strides: node.strides, pad: node.pad,
      weights: node.weights, ...fold,
    }, [t], node.names);
    for (const op of own) t = emit(chanRecord(op), [t], node.names);
    return [at, { t, kind: 'float' }];
  }

  const out = value.get(logits);
  if (out?.kind !== 'float' || out.t !== records.length || records.length === 0) {
    throw new CompileError('export: the model must end in a float output (logits)');
  }
  const outputs = model.outputShape.reduce((a, b) => a * b, 1);
  return { inputShape, outputs, records, sources, inputs, binarizedScaledKernels };
}

// exportOnnx: a built model (a chain of layers or a functional graph: residual
// adds, concatenations, average pools, paddings, depthwise convs) -> an ONNX model (opset 17) of float
// operators that ONNX Runtime, onnxruntime-web or any ONNX tool runs. A float
// twin exports as it is; a binarized model exports as the float products it
// defines: its quantized kernels (±1 values) as Conv/MatMul weights and its
// sign input quantizer as Sign(Sign(x) + 0.5), which is Larq's sign (x >= 0 ->
// +1; ONNX's Sign alone maps 0 to 0). The results equal the model's up to the
// order of float additions.
//
// Layout: the graph takes NHWC images [N, H, W, C] (this library's layout),
// transposes them once to NCHW for ONNX's Conv/MaxPool, and the first Dense
// after a Flatten reads its weights rows in NCHW order (permuted at export),
// so no transpose is left before the dense layers.
import { VERSION } from '../../version.js';
import type { Model } from '../../nn/model.js';
import { layerOf, logitsNode, type GraphNode } from '../../nn/graph.js';
import { Add } from '../../nn/layers/add.js';
import { Concatenate } from '../../nn/layers/concatenate.js';
import { AveragePooling2D } from '../../nn/layers/averagePooling2D.js';
import { GlobalAveragePooling2D } from '../../nn/layers/globalAveragePooling2D.js';
import { ZeroPadding2D } from '../../nn/layers/zeroPadding2D.js';
import { ReLU } from '../../nn/layers/reLU.js';
import type { Layer } from '../../nn/layer.js';
import { ProductLayer } from '../../nn/productLayer.js';
import { BatchNormalization } from '../../nn/layers/batchNormalization.js';
import { MaxPool2D } from '../../nn/layers/maxPool2D.js';
import { Flatten } from '../../nn/layers/flatten.js';
import { Dropout } from '../../nn/layers/dropout.js';
import { Activation } from '../../nn/layers/activation.js';
import { isSignQuantizer } from '../../quantizers/describe.js';
import { windowGeometry } from '../../ops/convGeometry.js';
import { tidy } from '../../tensor/scope.js';
import { noGrad } from '../../autograd/graph.js';
import { CompileError } from '../../errors.js';
import { type Message, modelProto, nodeProto, tensorProto, valueInfo } from './protobuf.js';

export const ONNX_OPSET = 17;

export interface OnnxExportOptions {
  /** Graph input name (default 'input'); the output is 'logits'. */
  inputName?: string;
}


class Graph {
  nodes: Message[] = [];
  inits: Message[] = [];
  private n = 0;
  fresh(base: string): string {
    return `${base}_${this.n++}`;
  }
  init(base: string, dims: number[], data: Float32Array): string {
    const name = this.fresh(base);
    this.inits.push(tensorProto(name, dims, data));
    return name;
  }
  constInts(base: string, v: number[]): string {
    const name = this.fresh(base);
    this.inits.push(tensorProto(name, [v.length], BigInt64Array.from(v.map(BigInt))));
    return name;
  }
  op(type: string, inputs: string[], attrs: Parameters<typeof nodeProto>[4] = {}, name = type): string {
    const out = this.fresh(name);
    this.nodes.push(nodeProto(type, inputs, [out], out, attrs));
    return out;
  }
}

const values = (t: { value: { data: Float32Array } } | null, n: number, fill: number) =>
  t ? Float32Array.from(t.value.data) : new Float32Array(n).fill(fill);

/** The ONNX model bytes of a built model (float operators; binarized layers as ±1 products). */
export function exportOnnx(model: Model, opts: OnnxExportOptions = {}): Uint8Array {
  if (!model.built || !model.inputShape) throw new CompileError('export onnx: the model is not built');
  const graph = model.graph;
  if (graph.inputs.length !== 1 || graph.outputs.length !== 1) throw new CompileError('export onnx: the model must have one input and one output');
  const inShape = model.inputShape;
  if (inShape.length !== 3 && inShape.length !== 1) throw new CompileError(`export onnx: input shape [${inShape.join(', ')}] is not supported`);
  const g = new Graph();
  const inputName = opts.inputName ?? 'input';
  let x = inputName;
  // shape of x without the batch axis: [C, H, W] (NCHW) or [K]
  let shape: number[];
  // for a flat x: ourIndex[i] = this library's flat index of ONNX element i (null: identity)
  let order: Int32Array | null = null;
  if (inShape.length === 3) {
    const [H, W, C] = inShape;
    x = g.op('Transpose', [x], { perm: [0, 3, 1, 2] }, 'nchw');
    shape = [C, H, W];
  } else shape = [inShape[0]];

  const activation = (name: string, layer: string) => {
    if (name === 'linear' || name === 'softmax') return; // the graph outputs logits
    if (name === 'relu') x = g.op('Relu', [x]);
    else if (name === 'hard_tanh' || name === 'hardTanh') {
      x = g.op('Clip', [x, g.init('min', [], Float32Array.of(-1)), g.init('max', [], Float32Array.of(1))]);
    } else throw new CompileError(`export onnx: activation "${name}" of layer "${layer}" is not supported`);
  };

  // each node's output: its tensor name, shape without the batch axis, and flat order (see `order`)
  const state = new Map<GraphNode, { x: string; shape: number[]; order: Int32Array | null }>();
  state.set(graph.inputs[0], { x, shape, order });
  const last = logitsNode(graph);
  for (const node of graph.nodes) {
    if (!node.layer) continue;
    const layer = layerOf(node) as Layer;
    const ins = node.inputs.map((i) => state.get(i)!);
    ({ x, shape, order } = ins[0]);
    if (layer.hooks.count() > 0 || layer.unwrap() !== layer) {
      throw new CompileError(`export onnx: layer "${layer.name}" has hardware perturbation hooks; export the model without them`);
    }
    if (layer instanceof ProductLayer) {
      const spec = layer.spec;
      if (spec.kind !== 'dense' && spec.kind !== 'conv2d' && spec.kind !== 'depthwise_conv2d') {
        throw new CompileError(`export onnx: layer "${layer.name}" (${spec.kind}) is not supported (dense, conv2d and depthwise products are)`);
      }
      const inQ = layer.inputQuantizer;
      if (inQ) {
        if (!isSignQuantizer(inQ)) throw new CompileError(`export onnx: input quantizer ${inQ.className} of layer "${layer.name}" is not supported (sign quantizers are)`);
        // Larq's sign: -1 unless x >= 0
        const s = g.op('Sign', [x]);
        x = g.op('Sign', [g.op('Add', [s, g.init('half', [], Float32Array.of(0.5))])], {}, 'sign');
      }
      const [slot] = layer.kernelSlots();
      const k = tidy(() => noGrad(() => Float32Array.from(layer.quantizeKernel(slot).data)));
      const bias = layer.bias ? Float32Array.from(layer.bias.value.data) : null;
      if (spec.kind === 'depthwise_conv2d') {
        if (shape.length !== 3) throw new CompileError(`export onnx: conv layer "${layer.name}" after a flatten`);
        const [C, H, W] = shape;
        const w = windowGeometry(layer.name, [1, H, W, C], spec.kernelSize, spec.strides, spec.padding);
        const M = spec.depthMultiplier;
        if (spec.padding === 'same' && spec.padValue !== 0) throw new CompileError(`export onnx: depthwise layer "${layer.name}" pads with ${spec.padValue}`);
        // [KH, KW, C, M] -> [C*M, 1, KH, KW], output channel c*M + m, one group per input channel
        const w4 = new Float32Array(k.length);
        for (let kh = 0; kh < w.KH; kh++) for (let kw = 0; kw < w.KW; kw++) for (let c = 0; c < C; c++) for (let m = 0; m < M; m++) {
          w4[((c * M + m) * w.KH + kh) * w.KW + kw] = k[((kh * w.KW + kw) * C + c) * M + m];
        }
        const ins = [x, g.init(`${layer.name}_W`, [C * M, 1, w.KH, w.KW], w4)];
        if (bias) ins.push(g.init(`${layer.name}_B`, [C * M], bias));
        x = g.op('Conv', ins, { kernel_shape: [w.KH, w.KW], strides: [w.SH, w.SW], pads: [w.PT, w.PL, w.PB, w.PR], dilations: [1, 1], group: C }, layer.name);
        shape = [C * M, w.OH, w.OW];
      } else if (spec.kind === 'conv2d') {
        if (shape.length !== 3) throw new CompileError(`export onnx: conv layer "${layer.name}" after a flatten`);
        const [C, H, W] = shape;
        const w = windowGeometry(layer.name, [1, H, W, C], spec.kernelSize, spec.strides, spec.padding);
        const OC = spec.filters;
        const oihw = new Float32Array(k.length);
        for (let kh = 0; kh < w.KH; kh++) for (let kw = 0; kw < w.KW; kw++) for (let c = 0; c < C; c++) for (let o = 0; o < OC; o++) {
          oihw[((o * C + c) * w.KH + kh) * w.KW + kw] = k[((kh * w.KW + kw) * C + c) * OC + o];
        }
        let pads = [w.PT, w.PL, w.PB, w.PR];
        const padValue = spec.padding === 'same' ? spec.padValue : 0;
        if (padValue !== 0 && pads.some((p) => p > 0)) {
          x = g.op('Pad', [x, g.constInts('pads', [0, 0, w.PT, w.PL, 0, 0, w.PB, w.PR]), g.init('padValue', [], Float32Array.of(padValue))], { mode: 'constant' });
          pads = [0, 0, 0, 0];
        }
        const ins = [x, g.init(`${layer.name}_W`, [OC, C, w.KH, w.KW], oihw)];
        if (bias) ins.push(g.init(`${layer.name}_B`, [OC], bias));
        x = g.op('Conv', ins, { kernel_shape: [w.KH, w.KW], strides: [w.SH, w.SW], pads, dilations: [1, 1], group: 1 }, layer.name);
        shape = [OC, w.OH, w.OW];
      } else {
        if (shape.length !== 1) throw new CompileError(`export onnx: dense layer "${layer.name}" needs a flat input (add a Flatten)`);
        const K = shape[0], N = spec.units;
        let kk = k;
        if (order) {
          kk = new Float32Array(k.length);
          for (let i = 0; i < K; i++) kk.set(k.subarray(order[i] * N, order[i] * N + N), i * N);
          order = null;
        }
        x = g.op('MatMul', [x, g.init(`${layer.name}_W`, [K, N], kk)], {}, layer.name);
        if (bias) x = g.op('Add', [x, g.init(`${layer.name}_B`, [N], bias)]);
        shape = [N];
      }
      activation(layer.activation, layer.name);
    } else if (layer instanceof BatchNormalization) {
      const C = shape[0];
      if (order) throw new CompileError(`export onnx: BatchNormalization "${layer.name}" right after a Flatten of an image is not supported`);
      x = g.op('BatchNormalization', [
        x,
        g.init(`${layer.name}_scale`, [C], values(layer.gamma, C, 1)),
        g.init(`${layer.name}_bias`, [C], values(layer.beta, C, 0)),
        g.init(`${layer.name}_mean`, [C], values(layer.movingMean, C, 0)),
        g.init(`${layer.name}_var`, [C], values(layer.movingVariance, C, 1)),
      ], { epsilon: { float: layer.epsilon } }, layer.name);
    } else if (layer instanceof MaxPool2D) {
      if (shape.length !== 3) throw new CompileError(`export onnx: max-pool "${layer.name}" after a flatten`);
      const [C, H, W] = shape;
      const w = windowGeometry(layer.name, [1, H, W, C], layer.poolSize, layer.strides, layer.padding);
      x = g.op('MaxPool', [x], { kernel_shape: [w.KH, w.KW], strides: [w.SH, w.SW], pads: [w.PT, w.PL, w.PB, w.PR] }, layer.name);
      shape = [C, w.OH, w.OW];
    } else if (layer instanceof Flatten) {
      if (shape.length === 3) {
        const [C, H, W] = shape;
        order = new Int32Array(C * H * W);
        for (let c = 0; c < C; c++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) order[(c * H + h) * W + w] = (h * W + w) * C + c;
        x = g.op('Flatten', [x], { axis: 1 }, layer.name);
        shape = [C * H * W];
      }
    } else if (layer instanceof Activation) {
      activation(layer.activation, layer.name);
    } else if (layer instanceof ReLU) {
      activation('relu', layer.name);
    } else if (layer instanceof Add || layer instanceof Concatenate) {
      if (ins.some((i) => i.order)) throw new CompileError(`export onnx: ${layer.className} "${layer.name}" of flattened images is not supported`);
      x = layer instanceof Add
        ? ins.slice(1).reduce((acc, i) => g.op('Add', [acc, i.x]), x)
        : g.op('Concat', ins.map((i) => i.x), { axis: 1 }, layer.name); // NCHW channels, or the features of [N, K]
      if (layer instanceof Concatenate) shape = [ins.reduce((n, i) => n + i.shape[0], 0), ...shape.slice(1)];
    } else if (layer instanceof AveragePooling2D || layer instanceof GlobalAveragePooling2D) {
      if (shape.length !== 3) throw new CompileError(`export onnx: average pool "${layer.name}" after a flatten`);
      const [C, H, W] = shape;
      if (layer instanceof GlobalAveragePooling2D) {
        x = g.op('Flatten', [g.op('GlobalAveragePool', [x], {}, layer.name)], { axis: 1 });
        shape = [C];
      } else {
        const w = windowGeometry(layer.name, [1, H, W, C], layer.poolSize, layer.strides, layer.padding);
        // count_include_pad 0: Keras averages only the cells inside the image
        x = g.op('AveragePool', [x], { kernel_shape: [w.KH, w.KW], strides: [w.SH, w.SW], pads: [w.PT, w.PL, w.PB, w.PR], count_include_pad: 0 }, layer.name);
        shape = [C, w.OH, w.OW];
      }
    } else if (layer instanceof ZeroPadding2D) {
      if (shape.length !== 3) throw new CompileError(`export onnx: padding "${layer.name}" after a flatten`);
      const { top, bottom, left, right } = layer.pads;
      x = g.op('Pad', [x, g.constInts('pads', [0, 0, top, left, 0, 0, bottom, right]), g.init('padValue', [], Float32Array.of(0))], { mode: 'constant' });
      shape = [shape[0], shape[1] + top + bottom, shape[2] + left + right];
    } else if (!(layer instanceof Dropout)) {
      throw new CompileError(`export onnx: layer "${layer.name}" (${layer.className}) is not supported`);
    }
    state.set(node, { x, shape, order });
    if (node === last) break;
  }
  ({ x, shape, order } = state.get(last)!);
  if (shape.length !== 1) throw new CompileError('export onnx: the model must end in a flat output (logits)');
  if (order) throw new CompileError('export onnx: the model must not end in a Flatten of an image');
  g.nodes.push(nodeProto('Identity', [x], ['logits'], 'logits'));
  return modelProto({
    name: model.name,
    nodes: g.nodes,
    initializers: g.inits,
    inputs: [valueInfo(inputName, ['N', ...inShape])],
    outputs: [valueInfo('logits', ['N', shape[0]])],
  }, ONNX_OPSET, { name: 'xnorkit', version: VERSION });
}

// The computation graph of a model and how it runs: nodes in topological
// order (model inputs first), each applying its layer to its input nodes'
// outputs. Sequential models are the chain special case; isChain/chainBlocker
// tell the engines that only handle chains (xnor, deploy, the compiler) which
// node a graph would make them refuse.
import type { Tensor } from '../tensor/tensor.js';
import { ShapeError } from '../tensor/shape.js';
import type { GraphNode } from './symbolic.js';
import type { Layer, CallContext } from './layer.js';
import { Activation } from './layers/activation.js';
import { ConfigError } from '../errors.js';

export type { GraphNode } from './symbolic.js';

export interface ModelGraph {
  /** Every node in topological order, the model inputs first. */
  readonly nodes: readonly GraphNode[];
  readonly inputs: readonly GraphNode[];
  readonly outputs: readonly GraphNode[];
}

export function layerOf(node: GraphNode): Layer {
  if (!node.layer) throw new Error(`graph node "${node.name}" is a model input, not a layer`);
  return node.layer as Layer;
}

/** True when the output is an Activation('softmax'): its input is the model's logits. */
export function endsInSoftmax(graph: ModelGraph): boolean {
  const out = graph.outputs[0];
  return out.layer instanceof Activation && out.layer.activation === 'softmax';
}

/** The node whose value is the model's logits (the output, or the input of a final softmax). */
export function logitsNode(graph: ModelGraph): GraphNode {
  return endsInSoftmax(graph) ? graph.outputs[0].inputs[0] : graph.outputs[0];
}

/**
 * Runs the graph on a batch up to `until` (default: the output) and returns
 * that node's value. Values are dropped from the working map once no later
 * node needs them (the tensors themselves belong to the caller's tidy scope).
 */
export function runGraph(graph: ModelGraph, x: Tensor, ctx: CallContext, until: GraphNode = graph.outputs[0]): Tensor {
  if (graph.inputs.length !== 1) throw new ShapeError(`runGraph: the graph has ${graph.inputs.length} inputs; give one batch per input`);
  const values = new Map<GraphNode, Tensor>();
  values.set(graph.inputs[0], x);
  for (const node of graph.nodes) {
    if (!node.layer) continue;
    const xs = node.inputs.map((n) => values.get(n)!);
    values.set(node, layerOf(node).applyMany(xs, ctx));
    if (node === until) break;
  }
  const y = values.get(until);
  if (!y) throw new Error(`runGraph: node "${until.name}" is not in the graph`);
  return y;
}

/**
 * The first node that makes the graph something other than a chain (one
 * input, each node consuming only the previous node's output, which nothing
 * else consumes), or null for a chain.
 */
export function chainBlocker(graph: ModelGraph): GraphNode | null {
  if (graph.inputs.length !== 1 || graph.outputs.length !== 1) return graph.inputs[1] ?? graph.outputs[1] ?? null;
  const consumers = new Map<GraphNode, number>();
  for (const n of graph.nodes) for (const i of n.inputs) consumers.set(i, (consumers.get(i) ?? 0) + 1);
  let prev: GraphNode | null = null;
  for (const n of graph.nodes) {
    if (!n.layer) {
      prev = n;
      continue;
    }
    if (n.inputs.length !== 1 || n.inputs[0] !== prev) return n;
    if ((consumers.get(prev) ?? 0) > 1) return n;
    prev = n;
  }
  return null;
}

export function isChain(graph: ModelGraph): boolean {
  return chainBlocker(graph) === null;
}

/** Throws a ConfigError naming the node that makes `what` refuse a non-chain graph. */
export function assertChain(graph: ModelGraph, what: string): void {
  const n = chainBlocker(graph);
  if (n) {
    const inputs = n.inputs.map((i) => `"${i.name}"`).join(', ');
    throw new ConfigError(`${what} runs only chains of layers (Sequential-like models); layer "${n.layer ? (n.layer as Layer).name : n.name}" ` +
      `(${n.layer?.className ?? 'input'}, inputs ${inputs || 'none'}) makes this model a graph: use the float engine (engine: 'float') or predict()`);
  }
}

/**
 * Collects the graph between symbolic inputs and outputs: topological order
 * by depth-first search from the outputs, inputs first. Throws, naming the
 * layer, when an output depends on an input that is not among `inputs`, when
 * an input does not reach any output, or when a layer appears twice.
 */
export function collectGraph(inputs: readonly GraphNode[], outputs: readonly GraphNode[]): ModelGraph {
  const order: GraphNode[] = [];
  const state = new Map<GraphNode, 1 | 2>();
  const inputSet = new Set(inputs);
  const visit = (n: GraphNode, from: string): void => {
    const s = state.get(n);
    if (s === 2) return;
    if (s === 1) throw new ShapeError(`the graph has a cycle through "${n.name}"`);
    if (!n.layer && !inputSet.has(n)) {
      throw new ShapeError(`${from} depends on input "${n.name}", which is not among the model's inputs (${inputs.map((i) => `"${i.name}"`).join(', ')})`);
    }
    state.set(n, 1);
    for (const i of n.inputs) visit(i, `layer "${(n.layer as Layer).name}"`);
    state.set(n, 2);
    if (n.layer) order.push(n);
  };
  for (const o of outputs) visit(o, `output "${o.name}"`);
  for (const i of inputs) {
    if (!state.has(i)) throw new ShapeError(`input "${i.name}" does not reach any output of the model (disconnected graph)`);
  }
  const layers = new Set<unknown>();
  for (const n of order) {
    if (layers.has(n.layer)) throw new ShapeError(`layer "${(n.layer as Layer).name}" appears twice in the graph (shared layers are not supported)`);
    layers.add(n.layer);
  }
  return { nodes: [...inputs, ...order], inputs: [...inputs], outputs: [...outputs] };
}

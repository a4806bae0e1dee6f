// Model: a graph of layers (Keras' functional Model). Built from symbolic
// tensors, `new Model({ inputs: input({ shape }), outputs: y })`, or as a
// chain by Sequential (which is a Model). The forward pass runs the graph
// (graph.ts) with the autograd ops; `call` returns the logits (the output of
// a final softmax's input), `forward` the full output. The Keras methods
// (compile, fit, evaluate, predict, summary, save, get/setWeights) are in
// this class and delegate to train/keras.ts and modelFile.ts.
import { Tensor } from '../tensor/tensor.js';
import { ShapeError, shapeStr, type Shape } from '../tensor/shape.js';
import { Rng } from '../tensor/random.js';
import { noGrad } from '../autograd/graph.js';
import { tidy } from '../tensor/scope.js';
import type { Layer, CallContext } from './layer.js';
import type { Variable } from './variable.js';
import type { SymbolicTensor, GraphNode } from './symbolic.js';
import { collectGraph, runGraph, logitsNode, endsInSoftmax, chainBlocker, layerOf, type ModelGraph } from './graph.js';
import { summary as summarize, type ModelSummary } from './summary.js';
import { modelFileBytes } from './modelFile.js';
import { writeFileAtomic } from '../util/files.js';
import type { Dataset } from '../data/dataset.js';
import {
  compileModel, fitModel, evaluateModel, predictDataset, type CompileArgs, type CompiledModel, type KerasFitOptions,
  type KerasHistory, type KerasEvaluation,
} from '../train/keras.js';

export interface ModelArgs {
  inputs: SymbolicTensor | SymbolicTensor[];
  outputs: SymbolicTensor | SymbolicTensor[];
  name?: string;
  /** Seed of the weight initialisation (default 0). */
  seed?: number;
}

export interface PredictOptions {
  /** Batch size for datasets and large tensors (default 256). */
  batchSize?: number;
  /** Return the logits (the input of a final softmax) instead of probabilities. */
  logits?: boolean;
}

export class Model {
  readonly layers: Layer[] = [];
  name: string;
  inputShape: Shape | null = null;
  protected initRng: Rng;
  protected graphValue: ModelGraph | null = null;
  /** compile()'s settings; null before compile. */
  compiled: CompiledModel | null = null;

  constructor(args?: ModelArgs) {
    this.name = args?.name ?? 'model';
    this.initRng = new Rng(args?.seed ?? 0);
    if (!args) return; // a subclass (Sequential) adds its layers itself
    const ins = Array.isArray(args.inputs) ? args.inputs : [args.inputs];
    const outs = Array.isArray(args.outputs) ? args.outputs : [args.outputs];
    if (ins.length !== 1 || outs.length !== 1) {
      throw new ShapeError(`Model: one input and one output are supported, got ${ins.length} inputs and ${outs.length} outputs`);
    }
    const graph = collectGraph(ins.map((t) => t.node), outs.map((t) => t.node));
    // Default names, Keras style: class name, then class name_1, ...
    const taken = new Set<string>();
    for (const n of graph.nodes) {
      if (!n.layer) continue;
      const l = layerOf(n);
      if (l.name) {
        if (taken.has(l.name)) throw new ShapeError(`Model: two layers are named "${l.name}"`);
        taken.add(l.name);
      }
    }
    for (const n of graph.nodes) {
      if (!n.layer) continue;
      const l = layerOf(n);
      if (l.name) continue;
      let k = 0;
      while (taken.has(k === 0 ? l.className : `${l.className}_${k}`)) k++;
      l.name = k === 0 ? l.className : `${l.className}_${k}`;
      taken.add(l.name);
    }
    const shapes = new Map<GraphNode, Shape>();
    for (const n of graph.nodes) {
      if (!n.layer) {
        shapes.set(n, n.shape);
        continue;
      }
      const l = layerOf(n);
      shapes.set(n, l.buildMany(n.inputs.map((i) => shapes.get(i)!), this.initRng));
      this.layers.push(l);
    }
    this.inputShape = [...graph.inputs[0].shape];
    this.graphValue = graph;
  }

  get built(): boolean {
    return this.inputShape !== null;
  }

  /** Builds the model for inputs of `inputShape` (a functional model is built already; the shape must match). */
  build(inputShape: Shape): this {
    if (this.built && shapeStr(this.inputShape!) !== shapeStr(inputShape)) {
      throw new ShapeError(`model "${this.name}" takes inputs ${shapeStr(this.inputShape!)}, not ${shapeStr(inputShape)}`);
    }
    return this;
  }

  /** The graph: nodes in topological order (inputs first), inputs and outputs. */
  get graph(): ModelGraph {
    if (!this.graphValue) throw new Error(`model "${this.name}" is not built`);
    return this.graphValue;
  }

  /** Null for a chain of layers, else the first node that makes the model a graph. */
  chainBlocker(): GraphNode | null {
    return chainBlocker(this.graph);
  }

  get outputShape(): Shape {
    if (!this.built) throw new Error('the model is not built');
    return this.graph.outputs[0].shape.length ? [...this.graph.outputs[0].shape] : this.layers[this.layers.length - 1].outputShape!;
  }

  /** True when the model's last layer is Activation('softmax'). */
  get endsInSoftmax(): boolean {
    return this.built && endsInSoftmax(this.graph);
  }

  /** The forward pass up to the logits: the output, or the input of a final softmax. */
  call(x: Tensor, ctx: CallContext): Tensor {
    if (!this.built) this.build(x.shape.slice(1));
    return runGraph(this.graph, x, ctx, logitsNode(this.graph));
  }

  /** The full forward pass (a final softmax applied). */
  forward(x: Tensor, ctx: CallContext): Tensor {
    if (!this.built) this.build(x.shape.slice(1));
    return runGraph(this.graph, x, ctx);
  }

  /**
   * Inference without gradients: probabilities when the model ends in
   * softmax (`{ logits: true }` for the logits), the output otherwise. A
   * dataset is run in batches.
   */
  predict(x: Tensor | Dataset, opts: PredictOptions = {}): Tensor {
    if (!(x instanceof Tensor)) return predictDataset(this, x, opts);
    const ctx = { training: false, rng: new Rng(0) };
    const bs = opts.batchSize;
    if (bs === undefined || x.shape[0] <= bs) {
      return noGrad(() => (opts.logits ? this.call(x, ctx) : this.forward(x, ctx)));
    }
    const rows: Tensor[] = [];
    const sample = x.size / x.shape[0];
    let outShape: number[] = [];
    for (let s = 0; s < x.shape[0]; s += bs) {
      const n = Math.min(bs, x.shape[0] - s);
      const part = Tensor.from(x.data.slice(s * sample, (s + n) * sample), [n, ...x.shape.slice(1)]);
      rows.push(tidy(() => {
        const y = noGrad(() => (opts.logits ? this.call(part, ctx) : this.forward(part, ctx)));
        outShape = y.shape.slice(1);
        return y;
      }));
      part.dispose();
    }
    const per = outShape.reduce((a, b) => a * b, 1);
    const out = new Tensor([x.shape[0], ...outShape]);
    let o = 0;
    for (const r of rows) {
      out.data.set(r.data, o);
      o += r.size;
      r.dispose();
    }
    if (o !== per * x.shape[0]) throw new Error('predict: batch outputs do not add up');
    return out;
  }

  get variables(): Variable[] {
    return this.layers.flatMap((l) => l.variables);
  }

  get trainableVariables(): Variable[] {
    return this.variables.filter((v) => v.trainable);
  }

  get nonTrainableVariables(): Variable[] {
    return this.variables.filter((v) => !v.trainable);
  }

  countParams(): number {
    return this.variables.reduce((n, v) => n + v.size, 0);
  }

  /** Copies of every variable's values, in `variables` order (Keras' get_weights). */
  getWeights(): Float32Array[] {
    return this.variables.map((v) => v.value.toArray());
  }

  /** Overwrites every variable, in `variables` order; sizes must match. */
  setWeights(weights: readonly ArrayLike<number>[]): void {
    const vars = this.variables;
    if (weights.length !== vars.length) throw new ShapeError(`setWeights: ${weights.length} arrays for ${vars.length} variables`);
    vars.forEach((v, i) => {
      if (weights[i].length !== v.size) throw new ShapeError(`setWeights: variable "${v.name}" has ${v.size} values, got ${weights[i].length}`);
    });
    vars.forEach((v, i) => v.value.data.set(weights[i]));
  }

  /** Drops gradients left on the variables (the optimizer step does it too). */
  zeroGrad(): void {
    for (const v of this.variables) {
      if (v.value.grad) {
        v.value.grad.dispose();
        v.value.grad = null;
      }
    }
  }

  /** Larq's summary (parameters per bit width, memory, MACs); prints the tables unless `print` is false. */
  summary(opts: { print?: boolean | ((text: string) => void) } = {}): ModelSummary {
    const s = summarize(this);
    const p = opts.print ?? true;
    if (p === true) console.log(s.text);
    else if (typeof p === 'function') p(s.text);
    return s;
  }

  /** Sets the optimizer, loss and metrics that fit and evaluate use. */
  compile(args: CompileArgs): this {
    this.compiled = compileModel(args);
    return this;
  }

  /** Trains (after compile): Keras' fit, with callbacks, validation and resumption (initialEpoch). */
  fit(data: Dataset, opts: KerasFitOptions): Promise<KerasHistory> {
    return fitModel(this, data, opts);
  }

  /** Loss and metrics on a dataset (after compile). */
  evaluate(data: Dataset, opts: { batchSize?: number } = {}): KerasEvaluation {
    return evaluateModel(this, data, opts);
  }

  /** The model (architecture and weights) as the bytes of a .xnks file. */
  toBytes(): Uint8Array {
    return modelFileBytes(this, this.variables);
  }

  /** Writes the model to `path` (.xnks); loadModel(path) brings it back. */
  async save(path: string): Promise<void> {
    writeFileAtomic(path, this.toBytes());
  }

  dispose(): void {
    for (const l of this.layers) l.dispose();
  }
}

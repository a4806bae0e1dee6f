// A model as a .xnks file (the training-state container, stateContainer.ts):
// architecture and weights, no optimizer. A Sequential model is written
// exactly as saveTrainingState writes it (loadTrainingState reads it); a
// functional model's description adds, per layer, the names of the layers
// it consumes (Keras' inbound nodes), read back by loadModel.
//
// The layer configs are the layers' getConfig() as JSON. This file must not
// import serialize.ts (which imports Sequential, which is a Model that
// imports this file); loadModel.ts, which reads, may.
import type { Layer } from './layer.js';
import type { Variable } from './variable.js';
import type { ModelGraph } from './graph.js';
import { encodeContainer, type ArrayRef } from './stateContainer.js';
import { ModelFormatError } from '../errors.js';

export interface GraphLayerSpec {
  className: string;
  config: Record<string, unknown>;
  /** Names of the layers (or the model input) this layer consumes, in order. */
  inbound: string[];
}

export interface FunctionalModelSpec {
  className: 'Model';
  name: string;
  inputShape: number[];
  inputName: string;
  layers: GraphLayerSpec[];
  output: string;
}

/** What modelFileBytes needs of a model (Model has it). */
export interface SaveableModel {
  name: string;
  readonly built: boolean;
  inputShape: readonly number[] | null;
  readonly layers: Layer[];
  readonly variables: Variable[];
  readonly graph: ModelGraph;
  chainBlocker(): unknown;
  /** Sequential models have add(). */
  add?: unknown;
}

function layerSpec(layer: Layer): { className: string; config: Record<string, unknown> } {
  if (layer.unwrap() !== layer) {
    throw new ModelFormatError(`layer "${layer.name}": a wrapper (${layer.constructor.name}) cannot be saved; save the model without perturbations`);
  }
  return { className: layer.className, config: JSON.parse(JSON.stringify(layer.getConfig())) as Record<string, unknown> };
}

export function modelFileBytes(model: SaveableModel): Uint8Array {
  if (!model.built) throw new ModelFormatError(`model "${model.name}" is not built (no weights to save)`);
  const arrays: Float32Array[] = [];
  let bytes = 0;
  const add = (a: Float32Array): ArrayRef => {
    const ref = { offset: bytes, length: a.length };
    arrays.push(a);
    bytes += a.byteLength;
    return ref;
  };
  const g = model.graph;
  const spec = typeof model.add === 'function'
    ? { className: 'Sequential', name: model.name, inputShape: [...model.inputShape!], layers: model.layers.map(layerSpec) }
    : {
      className: 'Model', name: model.name, inputShape: [...model.inputShape!], inputName: g.inputs[0].name,
      layers: g.nodes.filter((n) => n.layer).map((n) => ({
        ...layerSpec(n.layer as Layer), inbound: n.inputs.map((i) => (i.layer ? (i.layer as Layer).name : i.name)),
      })),
      output: (g.outputs[0].layer as Layer).name,
    } satisfies FunctionalModelSpec;
  const variables = model.variables.map((v) => ({
    name: v.name, shape: [...v.shape], trainable: v.trainable, precision: v.precision, ...add(v.value.toArray()),
  }));
  const header = {
    format: 'xnorkit-training-state', model: spec, variables, optimizer: null, epoch: 0, extra: {}, created: new Date().toISOString(),
  };
  return encodeContainer(header, arrays);
}

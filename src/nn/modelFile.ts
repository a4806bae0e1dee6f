// A model as a .xnks file (the training-state container, stateContainer.ts):
// architecture and weights, no optimizer — the bytes saveTrainingState(model,
// null) writes, so loadTrainingState and loadModel read either. This file
// must not import serialize.ts (which imports Sequential, a Model that
// imports this file): the description comes from the layers' getConfig()
// here; loading (loadModel.ts) goes through serialize's registry and checks.
import type { Layer } from './layer.js';
import type { Variable } from './variable.js';
import type { ModelGraph } from './graph.js';
import { functionalModelSpecOf } from './graphSpecOf.js';
import { encodeContainer, type ArrayRef } from './stateContainer.js';
import { ModelFormatError } from '../errors.js';

function layerSpec(layer: Layer): { className: string; config: Record<string, unknown> } {
  if (layer.unwrap() !== layer) {
    throw new ModelFormatError(`layer "${layer.name}": a wrapper (${layer.constructor.name}) cannot be saved; save the model without perturbations`);
  }
  return { className: layer.className, config: JSON.parse(JSON.stringify(layer.getConfig())) as Record<string, unknown> };
}

/** What modelFileBytes needs of a model (Model has it; Sequential also has add()). */
export interface SaveableModel {
  name: string;
  readonly built: boolean;
  inputShape: readonly number[] | null;
  readonly layers: Layer[];
  readonly graph: ModelGraph;
  add?: unknown;
}

export function modelFileBytes(model: SaveableModel, variables: Variable[]): Uint8Array {
  if (!model.built) throw new ModelFormatError(`model "${model.name}" is not built (no weights to save)`);
  const arrays: Float32Array[] = [];
  let bytes = 0;
  const add = (a: Float32Array): ArrayRef => {
    const ref = { offset: bytes, length: a.length };
    arrays.push(a);
    bytes += a.byteLength;
    return ref;
  };
  const spec = typeof model.add === 'function'
    ? { className: 'Sequential', name: model.name, inputShape: [...model.inputShape!], layers: model.layers.map(layerSpec) }
    : functionalModelSpecOf(model, layerSpec);
  const vars = variables.map((v) => ({
    name: v.name, shape: [...v.shape], trainable: v.trainable, precision: v.precision, ...add(v.value.toArray()),
  }));
  const header = {
    format: 'xnorkit-training-state', model: spec, variables: vars, optimizer: null, epoch: 0, extra: {}, created: new Date().toISOString(),
  };
  return encodeContainer(header, arrays);
}

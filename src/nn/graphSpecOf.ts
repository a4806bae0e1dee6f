// The description of a functional model (Keras' get_config of a functional
// Model): each layer's spec plus the names of the layers it consumes. Takes
// the model structurally (no import of model.ts, which imports this through
// modelFile.ts); graphSpec.ts rebuilds models from it.
import type { Layer } from './layer.js';
import type { ModelGraph } from './graph.js';

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

export type LayerSpecFn = (layer: Layer) => { className: string; config: Record<string, unknown> };

export function functionalModelSpecOf(model: { name: string; inputShape: readonly number[] | null; graph: ModelGraph }, layerSpec: LayerSpecFn): FunctionalModelSpec {
  const g = model.graph;
  return {
    className: 'Model', name: model.name, inputShape: [...model.inputShape!], inputName: g.inputs[0].name,
    layers: g.nodes.filter((n) => n.layer).map((n) => ({
      ...layerSpec(n.layer as Layer), inbound: n.inputs.map((i) => (i.layer ? (i.layer as Layer).name : i.name)),
    })),
    output: (g.outputs[0].layer as Layer).name,
  };
}

// A functional model's description (Keras' get_config of a functional
// Model): each layer's spec plus the names of the layers it consumes, and
// the model rebuilt from it. serialize.ts uses it for models that are not
// Sequential, so training states (checkpoint.ts) and model files hold graphs.
import { Model } from './model.js';
import type { Layer } from './layer.js';
import { input, type SymbolicTensor } from './symbolic.js';
import { ModelFormatError } from '../errors.js';
import type { FunctionalModelSpec } from './graphSpecOf.js';

export type { GraphLayerSpec, FunctionalModelSpec } from './graphSpecOf.js';

export function functionalModelFromSpec(spec: FunctionalModelSpec, layerFromSpec: (s: { className: string; config: Record<string, unknown> }) => Layer): Model {
  if (!Array.isArray(spec.layers) || !Array.isArray(spec.inputShape) || typeof spec.inputName !== 'string') {
    throw new ModelFormatError('malformed functional model description');
  }
  const x = input({ shape: spec.inputShape, name: spec.inputName });
  const outs = new Map<string, SymbolicTensor>([[spec.inputName, x]]);
  for (const ls of spec.layers) {
    const layer = layerFromSpec(ls);
    const ins = (ls.inbound ?? []).map((n) => {
      const t = outs.get(n);
      if (!t) throw new ModelFormatError(`layer "${layer.name}" consumes "${n}", which no earlier layer or input produces`);
      return t;
    });
    if (ins.length === 0) throw new ModelFormatError(`layer "${layer.name}" has no inputs`);
    outs.set(layer.name, layer.apply(ins.length === 1 ? ins[0] : ins));
  }
  const out = outs.get(spec.output);
  if (!out) throw new ModelFormatError(`the output "${spec.output}" is not a layer of the file`);
  return new Model({ inputs: x, outputs: out, name: spec.name });
}

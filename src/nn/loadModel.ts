// loadModel: a model saved by model.save / toBytes (or a training state from
// saveTrainingState) back, with its weights, for inference or more training.
import { readFileSync } from 'node:fs';
import { decodeContainer } from './stateContainer.js';
import { loadTrainingState } from './checkpoint.js';
import { layerFromSpec } from './serialize.js';
import { Model } from './model.js';
import { input, type SymbolicTensor } from './symbolic.js';
import type { FunctionalModelSpec } from './modelFile.js';
import { ModelFormatError } from '../errors.js';

interface VariableEntry { name: string; shape: number[]; trainable: boolean; precision: number; offset: number; length: number }

/** Reads a .xnks file (path) or its bytes. */
export async function loadModel(source: string | Uint8Array): Promise<Model> {
  return loadModelSync(typeof source === 'string' ? new Uint8Array(readFileSync(source)) : source);
}

export function loadModelSync(bytes: Uint8Array): Model {
  const { header, read } = decodeContainer(bytes);
  const h = header as { format?: string; model?: { className?: string }; variables?: VariableEntry[] };
  if (h?.format !== 'xnorkit-training-state' || !Array.isArray(h.variables)) throw new ModelFormatError('the header does not describe a saved model');
  if (h.model?.className !== 'Model') return loadTrainingState(bytes).model;
  const spec = h.model as FunctionalModelSpec;
  if (!Array.isArray(spec.layers) || !Array.isArray(spec.inputShape)) throw new ModelFormatError('malformed functional model description');
  const x = input({ shape: spec.inputShape, name: spec.inputName });
  const outs = new Map<string, SymbolicTensor>([[spec.inputName, x]]);
  for (const ls of spec.layers) {
    const layer = layerFromSpec(ls);
    const name = layer.name;
    const ins = (ls.inbound ?? []).map((n) => {
      const t = outs.get(n);
      if (!t) throw new ModelFormatError(`layer "${name}" consumes "${n}", which no earlier layer or input produces`);
      return t;
    });
    if (ins.length === 0) throw new ModelFormatError(`layer "${name}" has no inputs`);
    outs.set(name, layer.apply(ins.length === 1 ? ins[0] : ins));
  }
  const out = outs.get(spec.output);
  if (!out) throw new ModelFormatError(`the output "${spec.output}" is not a layer of the file`);
  const model = new Model({ inputs: x, outputs: out, name: spec.name });
  const byName = new Map(model.variables.map((v) => [v.name, v]));
  if (byName.size !== h.variables.length) throw new ModelFormatError(`the file has ${h.variables.length} variables, its architecture ${byName.size}`);
  for (const s of h.variables) {
    const v = byName.get(s.name);
    if (!v) throw new ModelFormatError(`the file has a variable "${s.name}" that its architecture does not create`);
    const data = read(s, `variable ${s.name}`);
    if (data.length !== v.size || s.shape.join(',') !== v.shape.join(',')) {
      throw new ModelFormatError(`variable "${s.name}" is [${s.shape}] in the file, [${v.shape}] in its architecture`);
    }
    v.value.data.set(data);
    v.trainable = s.trainable;
    v.value.requiresGrad = s.trainable;
  }
  return model;
}

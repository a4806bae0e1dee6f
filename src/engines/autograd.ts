// The 'float' chip engine: the model's own forward pass (Layer.apply, with
// every hook), without recording gradients. It is the definition every
// other engine must reproduce, and the only one for hooks the others cannot
// express (output noise, analog variation, ADCs, saturating multipliers).
import type { Tensor } from '../tensor/tensor.js';
import { noGrad } from '../autograd/graph.js';
import type { CallContext } from '../nn/hooks.js';
import type { ChipEngine } from './engine.js';
import { firstPerturbedLayer } from './prefix.js';
import { runGraph } from '../nn/graph.js';

export const autogradEngine: ChipEngine = (model, ctx) => {
  const chain = model.chainBlocker() === null;
  const runLayers = (x: Tensor, c: CallContext, from: number, to: number) => noGrad(() => {
    if (!chain) {
      // A graph runs whole (firstPerturbed is 0 for graphs, so no prefix is shared).
      if (from !== 0 || to !== model.layers.length) throw new Error(`float engine: a graph model runs whole, not layers ${from}..${to}`);
      return runGraph(model.graph, x, c);
    }
    let y = x;
    for (let i = from; i < to; i++) y = model.layers[i].apply(y, c);
    return y;
  });
  return {
    run: (x, c) => runLayers(x, c, 0, model.layers.length),
    runLayers,
    firstPerturbed: firstPerturbedLayer(model, ctx),
    dispose: () => {},
  };
};

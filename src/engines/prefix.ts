// Which leading layers of a model compute exactly as the clean model on a
// given chip. A Monte-Carlo evaluation computes that clean prefix once per
// batch and lets every chip start from it: with sparse perturbations (a
// bit-error rate of 1e-3 leaves most layers of most chips untouched) most of
// the forward pass is shared. Read from the layers' public hooks only.
import type { Layer } from '../nn/layer.js';
import type { CallContext } from '../nn/hooks.js';
import type { Model } from '../nn/model.js';
import { ProductLayer } from '../nn/productLayer.js';
import { BIT_OK } from '../ops/bitErrors.js';

function allOk(codes: Uint8Array): boolean {
  for (let i = 0; i < codes.length; i++) if (codes[i] !== BIT_OK) return false;
  return true;
}

/** True when the layer's hooks change nothing on this chip (bit errors that drew no error count as none). */
export function layerIsClean(layer: Layer, ctx: CallContext): boolean {
  if (layer.unwrap() !== layer) return false; // a wrapper adds its own perturbation
  const h = layer.hooks;
  if (h.count() === h.count('kernel')) {
    if (h.count('kernel') === 0) return true;
    if (!(layer instanceof ProductLayer)) return false;
    for (const slot of layer.kernelSlots()) {
      for (const hook of h.list('kernel')) {
        if (!hook.bitErrors) return false;
        if (!allOk(hook.bitErrors(ctx, { layer, kernel: slot.name }, slot.variable.size))) return false;
      }
    }
    return true;
  }
  return false;
}

/** Index of the first layer that is not clean on this chip (layers.length when none is perturbed). */
export function firstPerturbedLayer(model: Model, ctx: CallContext): number {
  // A graph has no clean prefix of layers to share (its runLayers runs it whole).
  if (model.chainBlocker()) return 0;
  const i = model.layers.findIndex((l) => !layerIsClean(l, ctx));
  return i < 0 ? model.layers.length : i;
}

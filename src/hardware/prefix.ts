// Which leading layers of a model compute exactly as the clean model on a
// given chip. A Monte-Carlo evaluation computes that clean prefix once per
// batch and lets every chip start from it: with sparse perturbations (a
// bit-error rate of 1e-3 leaves most layers of most chips untouched) most of
// the forward pass is shared.
import type { CallContext, Layer } from '../nn/layer.js';
import type { Sequential } from '../nn/sequential.js';
import { isBitErrorTransform, BIT_OK } from './bitErrors.js';

function allOk(codes: Uint8Array): boolean {
  for (let i = 0; i < codes.length; i++) if (codes[i] !== BIT_OK) return false;
  return true;
}

/** True when the layer's hooks change nothing on this chip (bit errors that drew no error count as none). */
export function layerIsClean(layer: Layer, ctx: CallContext): boolean {
  if ((layer as { inner?: Layer }).inner) return false; // a wrapper adds its own perturbation
  if (Object.hasOwn(layer, 'call')) return false; // saturating multipliers
  if (layer.accumulatorTransforms.length > 0 || layer.outputTransforms.length > 0) return false;
  const kernel = (layer as { kernel?: { size: number } | null }).kernel;
  for (const t of layer.kernelTransforms) {
    if (!isBitErrorTransform(t) || !kernel) return false;
    if (!allOk(t.codes(ctx, layer, kernel.size))) return false;
  }
  return true;
}

/** Index of the first layer that is not clean on this chip (layers.length when none is perturbed). */
export function firstPerturbedLayer(model: Sequential, ctx: CallContext): number {
  const i = model.layers.findIndex((l) => !layerIsClean(l, ctx));
  return i < 0 ? model.layers.length : i;
}

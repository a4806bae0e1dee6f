// A ChipEngine on the fused packed inference engine (src/deploy): for each
// chip the model is compiled with that chip's weight bit errors baked into
// its binary kernels, then every batch runs as one packed inference (BN
// folded into thresholds, max-pools on bits, first layer included). It
// models bit errors only; any other perturbation is refused, because the
// compiled model would silently leave it out.
import { Tensor } from '../tensor/tensor.js';
import { noGrad } from '../autograd/graph.js';
import type { CallContext, Layer, LayerTransform } from '../nn/layer.js';
import type { Sequential } from '../nn/sequential.js';
import type { Quantizer } from '../quantizers/quantizer.js';
import { compile } from '../deploy/index.js';
import { isKernelLayer } from './perturbation.js';
import { isBitErrorTransform, applyBitErrors } from './bitErrors.js';
import type { ChipEngine, ChipRunner } from './chipEngine.js';

function refuse(l: Layer): string | null {
  if (l.accumulatorTransforms.length || l.outputTransforms.length) return `layer "${l.name}" has accumulator or output perturbations`;
  if (!l.kernelTransforms.every(isBitErrorTransform)) return `layer "${l.name}" has a kernel perturbation other than bit errors`;
  if ((l as { inner?: Layer }).inner || Object.hasOwn(l, 'call')) return `layer "${l.name}" is wrapped`;
  return null;
}

/**
 * The chip's kernels written into the latent weights (as ±1 values, which
 * the sign quantizers map to themselves) and the hooks set aside while
 * compile() reads the weights, then everything restored.
 */
function compileForChip(model: Sequential, ctx: CallContext) {
  const saved: [Tensor, Float32Array][] = [];
  const hooks: [Layer, LayerTransform[]][] = [];
  try {
    for (const l of model.layers) {
      if (!isKernelLayer(l) || l.kernelTransforms.length === 0) continue;
      const q = (l as { kernelQuantizer?: Quantizer | null }).kernelQuantizer;
      if (q?.precision !== 1) throw new Error(`deploy engine: bit errors on layer "${l.name}", whose kernel is not binary`);
      const v = l.kernel!.value;
      saved.push([v, v.toArray()]);
      noGrad(() => {
        let w = q.call(v);
        for (const t of l.kernelTransforms) if (isBitErrorTransform(t)) w = applyBitErrors(w, t.codes(ctx, l, v.size));
        v.assign(w);
      });
    }
    for (const l of model.layers) {
      if (l.kernelTransforms.length === 0) continue;
      hooks.push([l, [...l.kernelTransforms]]);
      l.kernelTransforms.length = 0;
    }
    return compile(model);
  } finally {
    for (const [l, list] of hooks) l.kernelTransforms.push(...list);
    for (const [v, a] of saved) v.data.set(a);
  }
}

export const deployEngine: ChipEngine = (model: Sequential, ctx: CallContext): ChipRunner => {
  for (const l of model.layers) {
    const why = refuse(l);
    if (why) throw new Error(`deploy engine: ${why}; it runs weight bit errors only (use the 'xnor' or 'float' engine)`);
  }
  const plan = compileForChip(model, ctx);
  return {
    run(x: Tensor): Tensor {
      const r = plan.run(x);
      return Tensor.from(r.logits, [r.n, plan.outputs]);
    },
    dispose: () => plan.dispose(),
    packedLayers: ['(fused packed model)'],
  };
};

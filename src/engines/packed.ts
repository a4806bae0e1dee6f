// A chip engine on the fused packed inference engine (src/deploy): for each
// chip the model is compiled with that chip's weight bit errors applied to
// its binary kernels (the compiler's kernelValues option), then every batch
// runs as one packed inference (BN folded into thresholds, max-pools on
// bits, first layer included). It models bit errors only; any other hook is
// refused, because the compiled model would silently leave it out.
import { Tensor } from '../tensor/tensor.js';
import { tidy } from '../tensor/scope.js';
import { noGrad } from '../autograd/graph.js';
import type { Layer } from '../nn/layer.js';
import type { CallContext } from '../nn/hooks.js';
import type { Model } from '../nn/model.js';
import type { ProductLayer, KernelSlot } from '../nn/productLayer.js';
import { compile } from '../deploy/index.js';
import { applyBitErrors } from '../ops/bitErrors.js';
import { ConfigError } from '../errors.js';
import type { ChipEngine, ChipRunner } from './engine.js';
import { assertChain } from '../nn/graph.js';

function refusal(l: Layer): string | null {
  if (l.unwrap() !== l) return `layer "${l.name}" is wrapped`;
  const h = l.hooks;
  if (h.count() !== h.count('kernel')) return `layer "${l.name}" has input, product, accumulator or output perturbations`;
  if (!h.list('kernel').every((k) => k.bitErrors)) return `layer "${l.name}" has a kernel perturbation other than bit errors`;
  return null;
}

/** The kernel this chip stores: the quantized kernel with the chip's bit errors (the kernel hooks' declared codes). */
function chipKernel(ctx: CallContext) {
  return (layer: ProductLayer, slot: KernelSlot): Float32Array => tidy(() => noGrad(() => {
    let w = layer.quantizeKernel(slot);
    const hooks = layer.hooks.list('kernel');
    if (hooks.length > 0 && slot.variable.precision !== 1) {
      throw new ConfigError(`packed engine: bit errors on layer "${layer.name}", whose ${slot.name} is not binary`);
    }
    for (const h of hooks) w = applyBitErrors(w, h.bitErrors!(ctx, { layer, kernel: slot.name }, w.size));
    return Float32Array.from(w.data);
  }));
}

export const packedEngine: ChipEngine = (model: Model, ctx: CallContext): ChipRunner => {
  assertChain(model.graph, 'the deploy (packed) chip engine');
  for (const l of model.layers) {
    const why = refusal(l);
    if (why) throw new ConfigError(`packed engine: ${why}; it runs weight bit errors only (use the 'xnor' or 'float' engine)`);
  }
  const plan = compile(model, { kernelValues: chipKernel(ctx) });
  return {
    run(x: Tensor): Tensor {
      const r = plan.run(x);
      return Tensor.from(r.logits, [r.n, plan.outputs]);
    },
    dispose: () => plan.dispose(),
    packedLayers: ['(fused packed model)'],
  };
};

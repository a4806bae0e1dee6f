// Pointwise activations with their gradients.
import { Tensor } from '../tensor/tensor.js';
import { record, accumulateGrad } from '../autograd/graph.js';
import { wasm } from '../wasm/module.js';
import { sigmoid, tanh, leakyRelu, leakyTanh, softmaxLastAxis, clip01 } from './pointwise.js';

export function relu(x: Tensor): Tensor {
  const out = new Tensor(x.shape);
  wasm().relu(x.ptr, x.size, out.ptr);
  return record(out, 'relu', [x], (g) => {
    const dx = new Tensor(x.shape);
    wasm().reluBackward(x.ptr, g.ptr, x.size, dx.ptr);
    accumulateGrad(x, dx);
  });
}

/** clip(x, -1, 1); the gradient passes where |x| <= 1 (Larq's hard_tanh). */
export function hardTanh(x: Tensor): Tensor {
  const out = new Tensor(x.shape);
  wasm().hardTanh(x.ptr, x.size, out.ptr);
  return record(out, 'hardTanh', [x], (g) => {
    const dx = new Tensor(x.shape);
    wasm().hardTanhBackward(x.ptr, g.ptr, x.size, dx.ptr);
    accumulateGrad(x, dx);
  });
}

export function linear(x: Tensor): Tensor {
  return x;
}

/**
 * The activation names the library knows. A typo fails typecheck; a user's
 * own activation joins with registerActivation() plus a declaration merge:
 *   declare module 'xnorkit' { interface ActivationRegistry { my_act: true } }
 */
export interface ActivationRegistry {
  relu: true;
  hard_tanh: true;
  linear: true;
  softmax: true;
  sigmoid: true;
  tanh: true;
  leaky_relu: true;
  leaky_tanh: true;
  /** larq_zoo's clip_by_value_activation (DoReFa-Net): clip(x, 0, 1). */
  clip_by_value_activation: true;
}

export type ActivationName = keyof ActivationRegistry;

const builtins = {
  relu,
  hard_tanh: hardTanh,
  linear,
  softmax: softmaxLastAxis,
  sigmoid,
  tanh,
  leaky_relu: (x) => leakyRelu(x),
  leaky_tanh: (x) => leakyTanh(x),
  clip_by_value_activation: clip01,
} satisfies Record<string, (x: Tensor) => Tensor>;

const custom = new Map<string, (x: Tensor) => Tensor>();

/** Adds a user activation (declare its name in ActivationRegistry for typed use). */
export function registerActivation(name: string, fn: (x: Tensor) => Tensor): void {
  if (name in builtins || custom.has(name)) throw new Error(`registerActivation: "${name}" is already defined`);
  custom.set(name, fn);
}

export function activationNames(): string[] {
  return [...Object.keys(builtins), ...custom.keys()];
}

export function activationByName(name: string): (x: Tensor) => Tensor {
  if (name === 'hardTanh') return hardTanh;
  const f = (builtins as Record<string, (x: Tensor) => Tensor>)[name] ?? custom.get(name);
  if (!f) throw new Error(`unknown activation "${name}" (known: ${activationNames().join(', ')})`);
  return f;
}

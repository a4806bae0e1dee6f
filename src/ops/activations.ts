// Pointwise activations with their gradients.
import { Tensor } from '../tensor/tensor.js';
import { record, accumulateGrad } from '../autograd/graph.js';
import { wasm } from '../wasm/module.js';

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

export type ActivationName = 'relu' | 'hard_tanh' | 'linear' | 'softmax';

export function activationByName(name: string): (x: Tensor) => Tensor {
  switch (name) {
    case 'relu':
      return relu;
    case 'hard_tanh':
    case 'hardTanh':
      return hardTanh;
    case 'linear':
    case 'softmax': // applied inside the loss: the model outputs logits
      return linear;
    default:
      throw new Error(`unknown activation "${name}" (known: relu, hard_tanh, linear, softmax)`);
  }
}

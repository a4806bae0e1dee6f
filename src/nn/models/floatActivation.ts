// The float twin of a binarized model drops its quantizers. In these models
// the sign quantizer on a layer's input is the network's only non-linearity
// besides max-pooling, so dropping it leaves an almost linear network: on
// MNIST the larq-mnist skeleton without any activation reaches 98.76 % (seed
// 1, 6 epochs; EXPERIMENTS.md), below a normal float CNN. The twin therefore
// puts a float activation where the binarized model binarizes a layer's
// input: ReLU by default (the "normal CNN" users compare against), or
// hard_tanh (the float function whose gradient ste_sign uses), or none.
import { Activation } from '../layers/activation.js';
import type { Layer } from '../layer.js';
import { ConfigError } from '../../errors.js';

export type FloatActivation = 'relu' | 'hard_tanh' | 'none';
export const FLOAT_ACTIVATIONS: readonly FloatActivation[] = ['relu', 'hard_tanh', 'none'];

export function checkFloatActivation(a: string): FloatActivation {
  if (!(FLOAT_ACTIVATIONS as readonly string[]).includes(a)) {
    throw new ConfigError(`unknown float activation "${a}" (known: ${FLOAT_ACTIVATIONS.join(', ')})`);
  }
  return a as FloatActivation;
}

/** The layers to insert before a layer whose quantized twin binarizes its input. */
export function activationBefore(a: FloatActivation = 'relu'): Layer[] {
  const act = checkFloatActivation(a);
  return act === 'none' ? [] : [new Activation(act)];
}

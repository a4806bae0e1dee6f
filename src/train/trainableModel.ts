// What the free fit / evaluate need of a model, structurally (Sequential and
// every Model have it), so that train/ does not import nn/model.ts (which
// imports train/keras.ts for its Keras methods).
import type { Tensor } from '../tensor/tensor.js';
import type { Shape } from '../tensor/shape.js';
import type { CallContext } from '../nn/hooks.js';
import type { Variable } from '../nn/variable.js';

export interface TrainableModel {
  readonly built: boolean;
  inputShape: Shape | null;
  readonly outputShape: Shape;
  build(inputShape: Shape): unknown;
  /** The forward pass to the logits. */
  call(x: Tensor, ctx: CallContext): Tensor;
  readonly trainableVariables: Variable[];
  /** Every variable (trainable or not: BatchNorm statistics too), checked for non-finite values after a step. */
  readonly variables: Variable[];
  /** The model's layers (BatchNormalization's warm-up warning reads them). */
  readonly layers: readonly unknown[];
}

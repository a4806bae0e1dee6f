// weight_clip: keeps latent weights in [−c, c] after every optimizer update
// (the optimizer applies a variable's constraint, as Keras does). With a
// sign quantizer whose STE window is [−1, 1], weights that drift outside
// would never receive a gradient again; clipping keeps them trainable.
import type { Tensor } from '../tensor/tensor.js';
import type { Constraint } from '../nn/variable.js';

export interface WeightClip extends Constraint {
  readonly className: 'WeightClip';
  readonly clipValue: number;
}

export function weightClip(clipValue = 1): WeightClip {
  if (!(clipValue >= 0) || !Number.isFinite(clipValue)) throw new Error(`weightClip: clipValue must be a finite number >= 0, got ${clipValue}`);
  const c = Math.fround(clipValue);
  const clip = (value: Tensor): void => {
    const d = value.data;
    for (let i = 0; i < d.length; i++) {
      if (d[i] > c) d[i] = c;
      else if (d[i] < -c) d[i] = -c;
    }
  };
  return Object.assign(clip, { className: 'WeightClip' as const, clipValue });
}

export type ConstraintLike = string | Constraint | null | undefined;

/** "weight_clip" / "WeightClip" → weightClip(1); functions pass through; null/undefined → none. */
export function getConstraint(c: ConstraintLike): Constraint | null {
  if (c === null || c === undefined) return null;
  if (typeof c === 'function') return c;
  if (c === 'weight_clip' || c === 'WeightClip') return weightClip(1);
  throw new Error(`unknown constraint "${String(c)}" (known: weight_clip, WeightClip, or a function of the variable's tensor)`);
}

// What the quantized layers share (Larq's QuantizerBase): resolving quantizer
// and constraint arguments, tagging the latent kernel with the quantizer's
// precision, Larq's warning for binary kernels without a constraint, and
// "same" padding with a non-zero pad value.
import type { Variable, Constraint } from '../variable.js';
import type { Quantizer } from '../../quantizers/quantizer.js';
import { getQuantizer, type QuantizerLike } from '../../quantizers/registry.js';
import { getConstraint, type ConstraintLike } from '../../quantizers/constraints.js';
import { NoOp } from '../../quantizers/noOp.js';

export interface QuantizerOptions {
  /** Quantizes the layer's input before the product (none: the input is used as is). */
  inputQuantizer?: QuantizerLike;
  /** Quantizes the latent float kernel in the forward pass; the optimizer updates the latent kernel. */
  kernelQuantizer?: QuantizerLike;
  /** Applied to the latent kernel after every optimizer update, e.g. "weight_clip". */
  kernelConstraint?: ConstraintLike;
}

export function resolveQuantizers(opts: QuantizerOptions): { input: Quantizer | null; kernel: Quantizer | null; constraint: Constraint | null } {
  return {
    input: getQuantizer(opts.inputQuantizer),
    kernel: getQuantizer(opts.kernelQuantizer),
    constraint: getConstraint(opts.kernelConstraint),
  };
}

/**
 * Larq warns once, when the layer is created, if a binary kernel has no
 * constraint: latent weights that leave the STE window get no gradient again.
 * NoOp only tags precision, so it is exempt (Larq's _is_binary).
 */
export function warnIfStarvable(q: Quantizer | null, constraint: Constraint | null, argument = 'kernel_constraint',
  quantizerArgument?: string): void {
  if (q?.precision !== 1 || q instanceof NoOp || constraint) return;
  const what = quantizerArgument ? `a binary \`${quantizerArgument}\`` : 'a binary weight quantizer';
  console.warn(`Using ${what} without setting \`${argument}\` may result in starved weights (where the gradient is always zero).`);
}

/** Marks the latent kernel with what the forward pass makes of it. */
export function tagKernel(v: Variable, q: Quantizer | null, constraint: Constraint | null): void {
  v.precision = q ? (Number.isInteger(q.precision) && q.precision > 0 ? q.precision : 32) : 32;
  v.constraint = constraint;
}

export function checkPadValues(padValues: number): number {
  if (!Number.isFinite(padValues)) throw new Error(`padValues must be a finite number (0 or 1 in practice), got ${padValues}`);
  return padValues;
}

export function quantizerConfig(q: Quantizer | null): unknown {
  return q ? { className: q.className, config: q.getConfig() } : null;
}

export function constraintConfig(c: Constraint | null): unknown {
  if (!c) return null;
  const named = c as Constraint & { className?: string; clipValue?: number };
  return named.className ? { className: named.className, clipValue: named.clipValue } : 'custom';
}

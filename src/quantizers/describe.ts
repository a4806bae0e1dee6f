// Questions engines ask of a quantizer, answered from its own description
// (Quantizer.describe) rather than from its class name: is it a sign (its
// outputs are exactly ±1, so a product of two runs on XNOR-popcount), what
// grid does it output (the integer codes of saturating multipliers, the
// 2-bit codes of the bit-serial kernels).
import type { Quantizer, QuantizerDescription } from './quantizer.js';

const UNKNOWN: QuantizerDescription = Object.freeze({ levels: null, step: null });

/** The quantizer's description; a quantizer without describe() promises nothing. */
export function describeQuantizer(q: Quantizer | null | undefined): QuantizerDescription {
  return q?.describe ? q.describe() : UNKNOWN;
}

function sameLevels(a: readonly number[] | null, b: readonly number[]): boolean {
  return a !== null && a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

/** True when every output is exactly −1 or +1 (Larq's ste_sign, approx_sign, swish_sign). */
export function isSignQuantizer(q: Quantizer | null | undefined): boolean {
  return sameLevels(describeQuantizer(q).levels, [-1, 1]);
}

/** The value of one integer code of the quantizer's outputs, or null when its outputs lie on no known grid. */
export function quantizerStep(q: Quantizer | null | undefined): number | null {
  return describeQuantizer(q).step;
}

/** True when the outputs are exactly the given levels (ascending float32 values). */
export function hasLevels(q: Quantizer | null | undefined, levels: readonly number[]): boolean {
  return sameLevels(describeQuantizer(q).levels, levels);
}

// Errors of stored binary weights, shared by BitFlips and the digital form of
// ProcessVariation: a draw gives each weight a code (ops/bitErrors.ts); the
// hook applies it to the ±1 kernel and declares it (KernelHook.bitErrors) so
// that engines on packed bits apply it to the bits.
import type { Tensor } from '../tensor/tensor.js';
import type { Rng } from '../tensor/random.js';
import type { CallContext, HookSite, KernelHook } from '../nn/hooks.js';

export { BIT_OK, BIT_FLIP, BIT_STUCK0, BIT_STUCK1, countCodes, applyBitErrors } from '../ops/bitErrors.js';
import { applyBitErrors, BIT_FLIP, BIT_STUCK0, BIT_STUCK1, BIT_OK } from '../ops/bitErrors.js';

export interface BitErrorRates {
  /** Probability that a stored bit is inverted. */
  flip: number;
  /** Probability that a cell reads 0 (+1) whatever was written. */
  stuck0: number;
  /** Probability that a cell reads 1 (-1) whatever was written. */
  stuck1: number;
}

/** One code per weight, in the kernel's own (HWIO / [K, N]) order, from one uniform draw each. */
export function drawBitErrors(rng: Rng, size: number, r: BitErrorRates): Uint8Array {
  const codes = new Uint8Array(size);
  const a = r.stuck0;
  const b = a + r.stuck1;
  const c = b + r.flip;
  if (c === 0) return codes;
  for (let i = 0; i < size; i++) {
    const u = rng.uniform();
    codes[i] = u < a ? BIT_STUCK0 : u < b ? BIT_STUCK1 : u < c ? BIT_FLIP : BIT_OK;
  }
  return codes;
}

/** A kernel hook whose whole effect is a set of bit errors (engines on packed bits apply the codes to the bits). */
export type BitErrorHook = KernelHook & Required<Pick<KernelHook, 'bitErrors'>>;

/** The kernel hook of a bit-error draw: `codes` gives the errors of the kernel at a site in a call context. */
export function bitErrorHook(name: string, codes: (ctx: CallContext, site: HookSite, size: number) => Uint8Array, none: boolean): BitErrorHook {
  return {
    name,
    bitErrors: codes,
    apply: (w: Tensor, ctx: CallContext, site: HookSite): Tensor => (none ? w : applyBitErrors(w, codes(ctx, site, w.size))),
  };
}

/** The draw key of a site's kernel: 'kernel' for Dense/Conv2D (as before separable layers had two). */
export function kernelKey(site: HookSite): string {
  return site.kernel ?? 'kernel';
}

/**
 * Remembers the draws of recently seen chips (a Monte-Carlo evaluation
 * visits a group of chips batch after batch), so each chip draws once; keyed
 * by chip seed and kernel.
 */
export class PerChipCache<T> {
  private readonly entries = new Map<string, T>();

  constructor(private readonly capacity = 128) {}

  get(seed: number, kernel: string, make: () => T): T {
    const key = `${seed}/${kernel}`;
    let v = this.entries.get(key);
    if (v === undefined) {
      v = make();
      if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(key, v);
    }
    return v;
  }
}

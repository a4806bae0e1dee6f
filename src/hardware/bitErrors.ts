// Errors of stored binary weights, shared by BitFlips and the digital form of
// ProcessVariation. A draw gives each weight a code; the float path applies
// it to the ±1 kernel, the XNOR path to the packed bits (packedErrors.ts).
// Bit convention of the kernels: bit 1 = -1, so stuck-at-0 reads +1 and
// stuck-at-1 reads -1.
import { Tensor } from '../tensor/tensor.js';
import { record, accumulateGrad } from '../autograd/graph.js';
import type { Rng } from '../tensor/random.js';
import type { CallContext, Layer, LayerTransform } from '../nn/layer.js';

export const BIT_OK = 0;
export const BIT_FLIP = 1;
export const BIT_STUCK0 = 2;
export const BIT_STUCK1 = 3;

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

export function countCodes(codes: Uint8Array): [number, number, number, number] {
  const n: [number, number, number, number] = [0, 0, 0, 0];
  for (let i = 0; i < codes.length; i++) n[codes[i]]++;
  return n;
}

/**
 * Applies the codes to a binary kernel (values ±s). The gradient is the
 * exact one: a flipped cell passes -dy, a stuck cell does not depend on its
 * weight and passes 0.
 */
export function applyBitErrors(w: Tensor, codes: Uint8Array): Tensor {
  if (codes.length !== w.size) throw new Error(`bit errors: ${codes.length} codes for a kernel of ${w.size} weights`);
  const out = new Tensor(w.shape);
  const src = w.data;
  const dst = out.data;
  for (let i = 0; i < dst.length; i++) {
    const v = src[i];
    const c = codes[i];
    dst[i] = c === BIT_OK ? v : c === BIT_FLIP ? -v : c === BIT_STUCK0 ? Math.abs(v) : -Math.abs(v);
  }
  return record(out, 'bitErrors', [w], (g) => {
    const dx = new Tensor(w.shape);
    const gd = g.data;
    const d = dx.data;
    for (let i = 0; i < d.length; i++) d[i] = codes[i] === BIT_OK ? gd[i] : codes[i] === BIT_FLIP ? -gd[i] : 0;
    accumulateGrad(w, dx);
  });
}

/** A kernel transform whose effect is a set of bit errors: the XNOR runner applies it to packed weights. */
export interface BitErrorTransform extends LayerTransform {
  readonly bitErrorSource: true;
  /** The codes this transform applies to `layer`'s kernel of `size` weights in this call context. */
  codes(ctx: CallContext, layer: Layer, size: number): Uint8Array;
}

export function isBitErrorTransform(t: LayerTransform): t is BitErrorTransform {
  return (t as Partial<BitErrorTransform>).bitErrorSource === true;
}

/**
 * Remembers the draws of recently seen chips (a Monte-Carlo evaluation
 * visits a group of chips batch after batch), so each chip draws once.
 */
export class PerChipCache<T> {
  private readonly entries = new Map<number, T>();

  constructor(private readonly capacity = 128) {}

  get(seed: number, make: () => T): T {
    let v = this.entries.get(seed);
    if (v === undefined) {
      v = make();
      if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(seed, v);
    }
    return v;
  }
}

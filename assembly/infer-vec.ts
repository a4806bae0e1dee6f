// Elementwise passes of the inference engine (infer-exec.ts) on 128-bit
// vectors, for the kernel module; the standalone module keeps the scalar
// ones of infer-bits.ts and infer-float.ts. Same results bit for bit: the
// same comparisons, and the same f32 operations per element.
//
// They matter on residual networks, whose every binary conv is preceded by
// a sign layer over the block's float activations, and whose float convs
// (stem, shortcuts) end in a per-channel scale and shift.

import { bits16 } from "./bitpack";

// @ts-ignore: decorator
@inline function negative4(p: usize, zero: v128): v128 {
  return v128.not(f32x4.ge(v128.load(p), zero));
}

/** packSigns (infer-bits.ts) vectorized: pixels of C f32 channels to bits, ceil(C/64) words each, 1 where !(x >= 0) (NaN -> -1). */
export function packSignsSimd(X: usize, pixels: i32, C: i32, out: usize): void {
  const zero = f32x4.splat(0);
  const cw = (C + 63) >> 6;
  for (let i = 0; i < pixels; i++) {
    for (let j = 0; j < cw; j++) {
      const n = min(64, C - (j << 6));
      let w: u64 = 0;
      let c = 0;
      for (; c + 16 <= n; c += 16) {
        const p = X + (<usize>c << 2);
        w |= bits16(negative4(p, zero), negative4(p + 16, zero), negative4(p + 32, zero), negative4(p + 48, zero)) << <u64>c;
      }
      for (; c < n; c++) {
        if (!(load<f32>(X + (<usize>c << 2)) >= 0)) w |= (<u64>1) << <u64>c;
      }
      store<u64>(out, w);
      out += 8;
      X += <usize>n << 2;
    }
  }
}

/**
 * floatEpilogue's float output (infer-float.ts) vectorized: out[m, o] =
 * V[m, o] * scale[o] + (shift ? shift[o] : 0) for M rows of OC values;
 * scale and shift are padded to a multiple of 4 channels (the plan's
 * output arrays are).
 */
export function scaleShiftRows(V: usize, M: i32, OC: i32, scale: usize, shift: usize, out: usize): void {
  const zero = f32x4.splat(0);
  const row = <usize>OC << 2;
  for (let m = 0; m < M; m++) {
    let o = 0;
    for (; o + 4 <= OC; o += 4) {
      const q = <usize>o << 2;
      const y = f32x4.mul(v128.load(V + q), v128.load(scale + q));
      v128.store(out + q, f32x4.add(y, shift ? v128.load(shift + q) : zero));
    }
    for (; o < OC; o++) {
      const q = <usize>o << 2;
      store<f32>(out + q, load<f32>(V + q) * load<f32>(scale + q) + (shift ? load<f32>(shift + q) : <f32>0));
    }
    V += row;
    out += row;
  }
}

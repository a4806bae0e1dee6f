// A conv with float input and ±1 weights (a binarized first layer). The
// products are exact (±x), so each output is a run of float32 additions in
// tap order (blocks of KC taps as sgemm.ts sums them), which this kernel
// reproduces bit for bit while skipping the multiplications: x ^ signmask.
// Thresholds (or scale/shift) are applied in registers, so with a bit output
// the floats never reach memory.
import { OUT_BITS, words } from "./infer-bits";
import { KC, floatIm2col } from "./infer-float";

/**
 * masks: u32 [K][OCp] (OCp = OC rounded up to 4), 0x80000000 where the
 * weight is -1, 0 where +1 or past OC. Output per pixel as floatEpilogue:
 * bits (p1 thr f32[OCp], p2 flip masks u32[OCp]) or floats (p1 scale or 0,
 * p2 shift or 0). ws: K*12 bytes (two tap offset tables and a gathered edge window).
 */
export function signConv(X: usize, N: i32, H: i32, W: i32, C: i32, KH: i32, KW: i32, SH: i32, SW: i32,
  padT: i32, padL: i32, CH: i32, CW: i32, padValue: f32, OC: i32, masks: usize,
  mode: i32, p1: usize, p2: usize, out: usize, ws: usize): void {
  const K = KH * KW * C;
  const OCp = (OC + 3) & ~3;
  const rowOut: usize = mode == OUT_BITS ? <usize>words(OC) << 3 : <usize>OC << 2;
  // byte offsets of the taps from the window's first cell (windows inside
  // the image read it in place), and of a gathered edge window
  const offs = ws, vals = ws + (<usize>K << 2), dense = vals + (<usize>K << 2);
  let k = 0;
  for (let kh = 0; kh < KH; kh++) {
    for (let kw = 0; kw < KW; kw++) {
      for (let c = 0; c < C; c++, k++) {
        store<i32>(offs + (<usize>k << 2), ((kh * W + kw) * C + c) << 2);
        store<i32>(dense + (<usize>k << 2), k << 2);
      }
    }
  }
  for (let n = 0; n < N; n++) {
    const img = X + <usize>n * H * W * C * 4;
    for (let oy = 0; oy < CH; oy++) {
      const iy = oy * SH - padT;
      const rowIn = iy >= 0 && iy + KH <= H;
      for (let ox = 0; ox < CW; ox++) {
        const ix = ox * SW - padL;
        if (rowIn && ix >= 0 && ix + KW <= W) {
          pixel(img + (<usize>(iy * W + ix) * C << 2), offs, K, OC, OCp, masks, mode, p1, p2, out);
        } else {
          floatIm2col(img, 1, H, W, C, KH, KW, SH, SW, padT - oy * SH, padL - ox * SW, 1, 1, padValue, vals);
          pixel(vals, dense, K, OC, OCp, masks, mode, p1, p2, out);
        }
        out += rowOut;
      }
    }
  }
}

// One output pixel: taps at base + offs[k].
// @ts-ignore: decorator
@inline function pixel(base: usize, offs: usize, K: i32, OC: i32, OCp: i32, masks: usize,
  mode: i32, p1: usize, p2: usize, out: usize): void {
  if (ASC_FEATURE_SIMD) pixelSimd(base, offs, K, OC, OCp, masks, mode, p1, p2, out);
  else pixelScalar(base, offs, K, OC, OCp, masks, mode, p1, p2, out);
}

function pixelScalar(base: usize, offs: usize, K: i32, OC: i32, OCp: i32, masks: usize,
  mode: i32, p1: usize, p2: usize, out: usize): void {
  if (mode == OUT_BITS) memory.fill(out, 0, <usize>words(OC) << 3);
  for (let o = 0; o < OC; o++) {
    let total: f32 = 0;
    for (let k0 = 0; k0 < K; k0 += KC) {
      const k1 = min(K, k0 + KC);
      let acc: f32 = 0;
      for (let k = k0; k < k1; k++) {
        const x = load<u32>(base + <usize>load<i32>(offs + (<usize>k << 2)));
        acc += reinterpret<f32>(x ^ load<u32>(masks + ((<usize>k * OCp + o) << 2)));
      }
      total = k0 == 0 ? acc : acc + total;
    }
    const q = <usize>o << 2;
    if (mode == OUT_BITS) {
      if (reinterpret<f32>(reinterpret<u32>(total) ^ load<u32>(p2 + q)) < load<f32>(p1 + q)) {
        const wp = out + (<usize>(o >> 6) << 3);
        store<u64>(wp, load<u64>(wp) | ((<u64>1) << <u64>(o & 63)));
      }
    } else {
      if (p1) total = total * load<f32>(p1 + q) + (p2 ? load<f32>(p2 + q) : <f32>0);
      store<f32>(out + q, total);
    }
  }
}

// 32 channels per pass over the taps (8 accumulators: V8 keeps 15 xmm
// registers), then the 4-channel groups left over.
function pixelSimd(base: usize, offs: usize, K: i32, OC: i32, OCp: i32, masks: usize,
  mode: i32, p1: usize, p2: usize, out: usize): void {
  const stride = <usize>OCp << 2;
  const z = f32x4.splat(0);
  let bits: u64 = 0;
  let o0 = 0;
  for (; o0 + 32 <= OCp; o0 += 32) {
    let t0 = z, t1 = z, t2 = z, t3 = z, t4 = z, t5 = z, t6 = z, t7 = z;
    for (let k0 = 0; k0 < K; k0 += KC) {
      const k1 = min(K, k0 + KC);
      let a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z, a7 = z;
      let m = masks + <usize>k0 * stride + (<usize>o0 << 2);
      for (let k = k0; k < k1; k++) {
        const v = v128.load32_splat(base + <usize>load<i32>(offs + (<usize>k << 2)));
        a0 = f32x4.add(a0, v128.xor(v, v128.load(m)));
        a1 = f32x4.add(a1, v128.xor(v, v128.load(m, 16)));
        a2 = f32x4.add(a2, v128.xor(v, v128.load(m, 32)));
        a3 = f32x4.add(a3, v128.xor(v, v128.load(m, 48)));
        a4 = f32x4.add(a4, v128.xor(v, v128.load(m, 64)));
        a5 = f32x4.add(a5, v128.xor(v, v128.load(m, 80)));
        a6 = f32x4.add(a6, v128.xor(v, v128.load(m, 96)));
        a7 = f32x4.add(a7, v128.xor(v, v128.load(m, 112)));
        m += stride;
      }
      if (k0 == 0) {
        t0 = a0; t1 = a1; t2 = a2; t3 = a3; t4 = a4; t5 = a5; t6 = a6; t7 = a7;
      } else {
        t0 = f32x4.add(a0, t0); t1 = f32x4.add(a1, t1); t2 = f32x4.add(a2, t2); t3 = f32x4.add(a3, t3);
        t4 = f32x4.add(a4, t4); t5 = f32x4.add(a5, t5); t6 = f32x4.add(a6, t6); t7 = f32x4.add(a7, t7);
      }
    }
    bits = finish(t0, o0, OC, mode, p1, p2, out, bits);
    bits = finish(t1, o0 + 4, OC, mode, p1, p2, out, bits);
    bits = finish(t2, o0 + 8, OC, mode, p1, p2, out, bits);
    bits = finish(t3, o0 + 12, OC, mode, p1, p2, out, bits);
    bits = finish(t4, o0 + 16, OC, mode, p1, p2, out, bits);
    bits = finish(t5, o0 + 20, OC, mode, p1, p2, out, bits);
    bits = finish(t6, o0 + 24, OC, mode, p1, p2, out, bits);
    bits = finish(t7, o0 + 28, OC, mode, p1, p2, out, bits);
  }
  for (; o0 < OCp; o0 += 4) {
    let t = z;
    for (let k0 = 0; k0 < K; k0 += KC) {
      const k1 = min(K, k0 + KC);
      let a = z;
      let m = masks + <usize>k0 * stride + (<usize>o0 << 2);
      for (let k = k0; k < k1; k++) {
        a = f32x4.add(a, v128.xor(v128.load32_splat(base + <usize>load<i32>(offs + (<usize>k << 2))), v128.load(m)));
        m += stride;
      }
      t = k0 == 0 ? a : f32x4.add(a, t);
    }
    bits = finish(t, o0, OC, mode, p1, p2, out, bits);
  }
}

// Output transform of channels o..o+3; bits accumulate per 64-channel word
// and are stored when the word is complete or the channels end.
// @ts-ignore: decorator
@inline function finish(t: v128, o: i32, OC: i32, mode: i32, p1: usize, p2: usize, out: usize, bits: u64): u64 {
  const q = <usize>o << 2;
  const nv = OC - o;
  if (mode == OUT_BITS) {
    const lt = f32x4.lt(v128.xor(t, v128.load(p2 + q)), v128.load(p1 + q));
    bits |= <u64>(i32x4.bitmask(lt) & (nv >= 4 ? 15 : (1 << nv) - 1)) << <u64>(o & 63);
    if (((o + 4) & 63) == 0 || o + 4 >= OC) {
      store<u64>(out + (<usize>(o >> 6) << 3), bits);
      bits = 0;
    }
    return bits;
  }
  let y = t;
  if (p1) y = f32x4.add(f32x4.mul(y, v128.load(p1 + q)), p2 ? v128.load(p2 + q) : f32x4.splat(0));
  if (nv >= 4) v128.store(out + q, y);
  else {
    v128.store32_lane(out + q, y, 0);
    if (nv > 1) v128.store32_lane(out + q + 4, y, 1);
    if (nv > 2) v128.store32_lane(out + q + 8, y, 2);
  }
  return bits;
}

// Helpers shared by the bit-packed kernels (bgemm.ts, bconv.ts, bserial.ts):
// the fused output transform ("epilogue") and small v128 reductions.
//
// Every tiled kernel produces, per output pixel, an i32x4 of integer dot
// products for four consecutive output channels o..o+3 and hands it to
// `emit`. The scalar tile loop's pair kernel (btiles.ts pixelLoop) emits a
// float output's dots as integers and converts each pair's outputs in
// place once they are done (`floatPixels`): same floats, fewer
// instructions per call of its short micro-kernel. The output
// configuration is held in module globals set once per kernel call by
// `beginOutput`: wasm globals belong to the instance, so worker threads
// that share the linear memory (each with its own instance) never see each
// other's configuration, and the hot loops do not carry a dozen extra
// parameters.

/** Output modes (the `outMode` argument of every tiled kernel). */
export const OUT_INT: i32 = 0; // i32 dot products
export const OUT_FLOAT: i32 = 1; // f32 dot * scale[c] + bias[c]
export const OUT_BITS: i32 = 2; // packed bits, bit = (flip[c] ? -dot : dot) < thr[c]

let outMode: i32 = OUT_INT;
let outP1: usize = 0; // scale (f32[OC]) or thr (i32[OC])
let outP2: usize = 0; // bias (f32[OC]) or flip (i32[OC], 0/1); 0 = none
let limitBits: i32 = 0; // 0: accumulator limit off
let limitWrap: bool = false;
let limitLo: v128 = i32x4(0, 0, 0, 0);
let limitHi: v128 = i32x4(0, 0, 0, 0);

export function beginOutput(mode: i32, p1: usize, p2: usize, accBits: i32, accMode: i32): void {
  outMode = mode;
  outP1 = p1;
  outP2 = p2;
  // 32 bits or more cannot clip an i32 dot, so it is the same as off.
  limitBits = accBits > 0 && accBits < 32 ? accBits : 0;
  limitWrap = accMode == 1;
  if (limitBits > 0) {
    limitHi = i32x4.splat((1 << (limitBits - 1)) - 1);
    limitLo = i32x4.splat(-(1 << (limitBits - 1)));
  }
}

/**
 * Models a b-bit signed accumulator on the exact dot product d.
 * wrap: two's-complement wrap to b bits. Addition is exact modulo 2^b, so this
 *   equals a wrapping accumulator summing the taps in any order.
 * saturate: clamp(d, -2^(b-1), 2^(b-1)-1), i.e. saturation of the read-out
 *   value. A saturating accumulator clipped at every partial sum would depend
 *   on the summation order, which XNOR-popcount hardware does not have.
 */
// @ts-ignore: decorator
@inline function limit(d: v128): v128 {
  if (limitWrap) {
    const s = 32 - limitBits;
    return i32x4.shr_s(i32x4.shl(d, s), s);
  }
  return i32x4.max_s(i32x4.min_s(d, limitHi), limitLo);
}

/**
 * Writes the dot products `dot` of output channels o..o+nv-1 (nv <= 4, o a
 * multiple of 4) of one pixel whose output starts at byte `dst`.
 * OUT_BITS writes channel o to bit o%64 of word o/64; the block that starts a
 * word stores it whole, so the word's padding bits end up 0 without a
 * separate clearing pass (channel blocks are visited in increasing order).
 */
// @ts-ignore: decorator
@inline export function emit(dot: v128, o: i32, nv: i32, dst: usize): void {
  emitPixels(false, dot, dot, o, nv, dst, dst, outMode);
}

/**
 * emit for two pixels' dot products of the same channels (outputs at dst0
 * and dst1), loading the channels' output parameters once.
 */
// @ts-ignore: decorator
@inline export function emit2(dot0: v128, dot1: v128, o: i32, nv: i32, dst0: usize, dst1: usize): void {
  emitPixels(true, dot0, dot1, o, nv, dst0, dst1, outMode);
}

/** Whether the output set by beginOutput is OUT_FLOAT. */
export function floatOutput(): bool {
  return outMode == OUT_FLOAT;
}

/**
 * emit2, or with `dots` the integer dots whatever the output mode (for a
 * tile loop that applies OUT_FLOAT itself with floatPixels).
 */
// @ts-ignore: decorator
@inline export function emit2Dots(dots: bool, dot0: v128, dot1: v128, o: i32, nv: i32, dst0: usize, dst1: usize): void {
  emitPixels(true, dot0, dot1, o, nv, dst0, dst1, dots ? OUT_INT : outMode);
}

/**
 * OUT_FLOAT's transform (call only when floatOutput()), in place, on dots
 * emitted as integers: n pixels (pix bytes apart from dst) x channels
 * [o0, o1) (o0 a multiple of 4). Same operations in the same order as
 * emit's, so the same floats.
 */
export function floatPixels(dst: usize, n: i32, pix: usize, o0: i32, o1: i32): void {
  if (outP2) floatRun(true, dst, n, pix, o0, o1);
  else floatRun(false, dst, n, pix, o0, o1);
}

// floatPixels 16 channels (one cache line of a pixel's output) at a time
// across the pixels, their scales and biases held in registers; the last
// channels 4 at a time.
// @ts-ignore: decorator
@inline function floatRun(hasBias: bool, dst: usize, n: i32, pix: usize, o0: i32, o1: i32): void {
  const z = f32x4.splat(0);
  const span = <usize>n * pix;
  let o = o0;
  for (; o + 16 <= o1; o += 16) {
    const s = outP1 + (<usize>o << 2), b = outP2 + (<usize>o << 2);
    const s0 = v128.load(s), s1 = v128.load(s, 16), s2 = v128.load(s, 32), s3 = v128.load(s, 48);
    const b0 = hasBias ? v128.load(b) : z, b1 = hasBias ? v128.load(b, 16) : z;
    const b2 = hasBias ? v128.load(b, 32) : z, b3 = hasBias ? v128.load(b, 48) : z;
    let p = dst + (<usize>o << 2);
    for (const end = p + span; p < end; p += pix) {
      v128.store(p, affine(v128.load(p), s0, b0));
      v128.store(p, affine(v128.load(p, 16), s1, b1), 16);
      v128.store(p, affine(v128.load(p, 32), s2, b2), 32);
      v128.store(p, affine(v128.load(p, 48), s3, b3), 48);
    }
  }
  for (; o < o1; o += 4) {
    const nv = min(4, o1 - o);
    const scale = floatScale(o, nv), bias = floatBias(o, nv);
    let p = dst + (<usize>o << 2);
    const end = p + span;
    if (nv == 4) {
      for (; p < end; p += pix) v128.store(p, affine(v128.load(p), scale, bias));
    } else {
      for (; p < end; p += pix) storePartial(p, affine(loadPartial(p, 0, nv), scale, bias), nv);
    }
  }
}

// OUT_FLOAT's scale and bias of channels o..o+nv-1, and its transform.
// @ts-ignore: decorator
@inline function floatScale(o: i32, nv: i32): v128 {
  return nv == 4 ? v128.load(outP1 + (<usize>o << 2)) : loadPartial(outP1, o, nv);
}
// @ts-ignore: decorator
@inline function floatBias(o: i32, nv: i32): v128 {
  if (!outP2) return f32x4.splat(0);
  return nv == 4 ? v128.load(outP2 + (<usize>o << 2)) : loadPartial(outP2, o, nv);
}
// @ts-ignore: decorator
@inline function affine(dot: v128, scale: v128, bias: v128): v128 {
  return f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(dot), scale), bias);
}

// emit (two false: dot1 and dst1 unused) and emit2 (two true), in mode.
// @ts-ignore: decorator
@inline function emitPixels(two: bool, dot0: v128, dot1: v128, o: i32, nv: i32, dst0: usize, dst1: usize, mode: i32): void {
  if (limitBits != 0) {
    dot0 = limit(dot0);
    if (two) dot1 = limit(dot1);
  }
  if (mode == OUT_FLOAT) {
    const scale = floatScale(o, nv), bias = floatBias(o, nv);
    storePartial(dst0 + (<usize>o << 2), affine(dot0, scale, bias), nv);
    if (two) storePartial(dst1 + (<usize>o << 2), affine(dot1, scale, bias), nv);
  } else if (mode == OUT_BITS) {
    let thr: v128, flip: v128;
    if (nv == 4) {
      thr = v128.load(outP1 + (<usize>o << 2));
      flip = outP2 ? v128.load(outP2 + (<usize>o << 2)) : i32x4.splat(0);
    } else {
      thr = loadPartial(outP1, o, nv);
      flip = outP2 ? loadPartial(outP2, o, nv) : i32x4.splat(0);
    }
    const m = i32x4.neg(flip);
    storeBits(dot0, thr, m, o, nv, dst0);
    if (two) storeBits(dot1, thr, m, o, nv, dst1);
  } else {
    storePartial(dst0 + (<usize>o << 2), dot0, nv);
    if (two) storePartial(dst1 + (<usize>o << 2), dot1, nv);
  }
}

// The OUT_BITS write of emit: m = -flip (0 or -1 per channel) negates the
// dot as (d ^ m) - m before the threshold test.
// @ts-ignore: decorator
@inline function storeBits(dot: v128, thr: v128, m: v128, o: i32, nv: i32, dst: usize): void {
  const sd = i32x4.sub(v128.xor(dot, m), m);
  const bits = <u64>(i32x4.bitmask(i32x4.lt_s(sd, thr)) & ((1 << nv) - 1));
  const wp = dst + (<usize>(o >>> 6) << 3);
  const sh = <u64>(o & 63);
  if (sh == 0) store<u64>(wp, bits);
  else store<u64>(wp, load<u64>(wp) | (bits << sh));
}

// Loads lanes 0..nv-1 of a 32-bit array at element o without touching memory
// past the array end (the caller's arrays are exactly OC long).
// @ts-ignore: decorator
@inline function loadPartial(p: usize, o: i32, nv: i32): v128 {
  const q = p + (<usize>o << 2);
  let v = v128.load32_zero(q);
  if (nv > 1) v = v128.load32_lane(q + 4, v, 1);
  if (nv > 2) v = v128.load32_lane(q + 8, v, 2);
  return v;
}

// @ts-ignore: decorator
@inline function storePartial(q: usize, v: v128, nv: i32): void {
  if (nv == 4) {
    v128.store(q, v);
    return;
  }
  v128.store32_lane(q, v, 0);
  if (nv > 1) v128.store32_lane(q + 4, v, 1);
  if (nv > 2) v128.store32_lane(q + 8, v, 2);
}

/** [sum(a), sum(b), sum(c), sum(d)] of four i32x4. */
// @ts-ignore: decorator
@inline export function hsum4(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = i32x4.add(i32x4.shuffle(a, b, 0, 1, 4, 5), i32x4.shuffle(a, b, 2, 3, 6, 7));
  const cd = i32x4.add(i32x4.shuffle(c, d, 0, 1, 4, 5), i32x4.shuffle(c, d, 2, 3, 6, 7));
  return i32x4.add(i32x4.shuffle(ab, cd, 0, 2, 4, 6), i32x4.shuffle(ab, cd, 1, 3, 5, 7));
}

/** Widens per-byte popcounts (each <= 255) to four u32 partial sums. */
// @ts-ignore: decorator
@inline export function widen8(v: v128): v128 {
  return i32x4.extadd_pairwise_i16x8_u(i16x8.extadd_pairwise_i8x16_u(v));
}

// Register-tiled micro-kernels of the XNOR-popcount GEMM. Each computes, for
// 3 pixels (rows of the implicit GEMM) x 4 output channels, the popcounts of
// (activation XOR weight) over the whole reduction and leaves them in the
// globals r0, r1, r2 (one i32x4 of 4 channels per pixel). Globals instead of
// memory: they are per instance, so threads never share them.
//
// Operand layouts (see bitpack.ts):
// - activations: pixel i starts at a_i; the reduction is nSeg segments of
//   segLen u64 words, segment s at a_i + s*aSeg (for a conv: one segment per
//   kernel row, KW*CW contiguous words of the NHWC input).
// - weights: a panel of 4 output channels, walked linearly from q: per
//   segment, per pair of words: 4 channels x 2 words (64 bytes). An odd
//   segment's last pair has a zero second word.
//
// Three ways to count bits, picked per shape (see bgemm.ts, autoPath):
// - scalar: popcnt<u64>, which V8 emits as one POPCNT (1/cycle on port 1);
// - v128: i8x16.popcnt, which V8 lowers to a PSHUFB nibble lookup (about 6
//   ALU uops per 128 bits) with per-byte counts accumulated for up to 31
//   steps before widening;
// - hybrid: channels 0-1 on v128 and 2-3 on scalar, so the POPCNT port and
//   the other vector ports work at the same time.
import { widen8, hsum4, pack4, emit } from "./bitops";

export let r0: v128 = i32x4(0, 0, 0, 0);
export let r1: v128 = i32x4(0, 0, 0, 0);
export let r2: v128 = i32x4(0, 0, 0, 0);

// @ts-ignore: decorator
@inline function pc8(x: v128, w: v128): v128 {
  return i8x16.popcnt(v128.xor(x, w));
}

// Two channels' counts share one u64 (low and high 32 bits: a tile's counts
// stay far below 2^32), so a 3x4 tile needs 6 accumulators instead of 12 and
// V8 keeps them in registers; the extra shift+add per pair runs on the ALU
// ports that POPCNT leaves idle.
// @ts-ignore: decorator
@inline export function microScalar(a0: usize, a1: usize, a2: usize, aSeg: usize, nSeg: i32, segLen: i32, q: usize): void {
  let c0l: u64 = 0, c0h: u64 = 0, c1l: u64 = 0, c1h: u64 = 0, c2l: u64 = 0, c2h: u64 = 0;
  const full = <usize>(segLen >> 1) << 4;
  for (let s = 0; s < nSeg; s++) {
    const off = <usize>s * aSeg;
    const p0 = a0 + off, p1 = a1 + off, p2 = a2 + off;
    let k: usize = 0;
    for (; k < full; k += 16) {
      let x0 = load<u64>(p0 + k), x1 = load<u64>(p1 + k), x2 = load<u64>(p2 + k);
      let v = load<u64>(q, 0), u = load<u64>(q, 16);
      c0l += popcnt(x0 ^ v) + (popcnt(x0 ^ u) << 32); c1l += popcnt(x1 ^ v) + (popcnt(x1 ^ u) << 32); c2l += popcnt(x2 ^ v) + (popcnt(x2 ^ u) << 32);
      v = load<u64>(q, 32); u = load<u64>(q, 48);
      c0h += popcnt(x0 ^ v) + (popcnt(x0 ^ u) << 32); c1h += popcnt(x1 ^ v) + (popcnt(x1 ^ u) << 32); c2h += popcnt(x2 ^ v) + (popcnt(x2 ^ u) << 32);
      x0 = load<u64>(p0 + k, 8); x1 = load<u64>(p1 + k, 8); x2 = load<u64>(p2 + k, 8);
      v = load<u64>(q, 8); u = load<u64>(q, 24);
      c0l += popcnt(x0 ^ v) + (popcnt(x0 ^ u) << 32); c1l += popcnt(x1 ^ v) + (popcnt(x1 ^ u) << 32); c2l += popcnt(x2 ^ v) + (popcnt(x2 ^ u) << 32);
      v = load<u64>(q, 40); u = load<u64>(q, 56);
      c0h += popcnt(x0 ^ v) + (popcnt(x0 ^ u) << 32); c1h += popcnt(x1 ^ v) + (popcnt(x1 ^ u) << 32); c2h += popcnt(x2 ^ v) + (popcnt(x2 ^ u) << 32);
      q += 64;
    }
    if (segLen & 1) {
      const x0 = load<u64>(p0 + k), x1 = load<u64>(p1 + k), x2 = load<u64>(p2 + k);
      let v = load<u64>(q, 0), u = load<u64>(q, 16);
      c0l += popcnt(x0 ^ v) + (popcnt(x0 ^ u) << 32); c1l += popcnt(x1 ^ v) + (popcnt(x1 ^ u) << 32); c2l += popcnt(x2 ^ v) + (popcnt(x2 ^ u) << 32);
      v = load<u64>(q, 32); u = load<u64>(q, 48);
      c0h += popcnt(x0 ^ v) + (popcnt(x0 ^ u) << 32); c1h += popcnt(x1 ^ v) + (popcnt(x1 ^ u) << 32); c2h += popcnt(x2 ^ v) + (popcnt(x2 ^ u) << 32);
      q += 64;
    }
  }
  r0 = i64x2.replace_lane(i64x2.splat(c0l), 1, c0h);
  r1 = i64x2.replace_lane(i64x2.splat(c1l), 1, c1h);
  r2 = i64x2.replace_lane(i64x2.splat(c2l), 1, c2h);
}

// Per-byte counts grow by at most 8 per step; 31 steps keep them <= 248.
const STEPS: i32 = 31;

// @ts-ignore: decorator
@inline export function microSimd(a0: usize, a1: usize, a2: usize, aSeg: usize, nSeg: i32, segLen: i32, q: usize): void {
  const z = i32x4.splat(0);
  let s00 = z, s01 = z, s02 = z, s03 = z, s10 = z, s11 = z, s12 = z, s13 = z, s20 = z, s21 = z, s22 = z, s23 = z;
  let b00 = z, b01 = z, b02 = z, b03 = z, b10 = z, b11 = z, b12 = z, b13 = z, b20 = z, b21 = z, b22 = z, b23 = z;
  const full = <usize>(segLen >> 1) << 4;
  const pairs = (segLen + 1) >> 1;
  let left = STEPS;
  for (let s = 0; s < nSeg; s++) {
    const off = <usize>s * aSeg;
    const p0 = a0 + off, p1 = a1 + off, p2 = a2 + off;
    for (let j = 0; j < pairs; j++) {
      const k = <usize>j << 4;
      let x0: v128, x1: v128, x2: v128;
      if (k < full) {
        x0 = v128.load(p0 + k); x1 = v128.load(p1 + k); x2 = v128.load(p2 + k);
      } else {
        // the zero high half meets the panel's zero word: contributes nothing
        x0 = v128.load64_zero(p0 + k); x1 = v128.load64_zero(p1 + k); x2 = v128.load64_zero(p2 + k);
      }
      let w = v128.load(q, 0);
      b00 = i8x16.add(b00, pc8(x0, w)); b10 = i8x16.add(b10, pc8(x1, w)); b20 = i8x16.add(b20, pc8(x2, w));
      w = v128.load(q, 16);
      b01 = i8x16.add(b01, pc8(x0, w)); b11 = i8x16.add(b11, pc8(x1, w)); b21 = i8x16.add(b21, pc8(x2, w));
      w = v128.load(q, 32);
      b02 = i8x16.add(b02, pc8(x0, w)); b12 = i8x16.add(b12, pc8(x1, w)); b22 = i8x16.add(b22, pc8(x2, w));
      w = v128.load(q, 48);
      b03 = i8x16.add(b03, pc8(x0, w)); b13 = i8x16.add(b13, pc8(x1, w)); b23 = i8x16.add(b23, pc8(x2, w));
      q += 64;
      if (--left == 0) {
        s00 = i32x4.add(s00, widen8(b00)); s01 = i32x4.add(s01, widen8(b01)); s02 = i32x4.add(s02, widen8(b02)); s03 = i32x4.add(s03, widen8(b03));
        s10 = i32x4.add(s10, widen8(b10)); s11 = i32x4.add(s11, widen8(b11)); s12 = i32x4.add(s12, widen8(b12)); s13 = i32x4.add(s13, widen8(b13));
        s20 = i32x4.add(s20, widen8(b20)); s21 = i32x4.add(s21, widen8(b21)); s22 = i32x4.add(s22, widen8(b22)); s23 = i32x4.add(s23, widen8(b23));
        b00 = z; b01 = z; b02 = z; b03 = z; b10 = z; b11 = z; b12 = z; b13 = z; b20 = z; b21 = z; b22 = z; b23 = z;
        left = STEPS;
      }
    }
  }
  r0 = hsum4(i32x4.add(s00, widen8(b00)), i32x4.add(s01, widen8(b01)), i32x4.add(s02, widen8(b02)), i32x4.add(s03, widen8(b03)));
  r1 = hsum4(i32x4.add(s10, widen8(b10)), i32x4.add(s11, widen8(b11)), i32x4.add(s12, widen8(b12)), i32x4.add(s13, widen8(b13)));
  r2 = hsum4(i32x4.add(s20, widen8(b20)), i32x4.add(s21, widen8(b21)), i32x4.add(s22, widen8(b22)), i32x4.add(s23, widen8(b23)));
}

// @ts-ignore: decorator
@inline export function microHybrid(a0: usize, a1: usize, a2: usize, aSeg: usize, nSeg: i32, segLen: i32, q: usize): void {
  const z = i32x4.splat(0);
  let s00 = z, s01 = z, s10 = z, s11 = z, s20 = z, s21 = z;
  let b00 = z, b01 = z, b10 = z, b11 = z, b20 = z, b21 = z;
  let c0: u64 = 0, c1: u64 = 0, c2: u64 = 0; // channels 2 and 3, low and high halves
  const full = <usize>(segLen >> 1) << 4;
  const pairs = (segLen + 1) >> 1;
  let left = STEPS;
  for (let s = 0; s < nSeg; s++) {
    const off = <usize>s * aSeg;
    const p0 = a0 + off, p1 = a1 + off, p2 = a2 + off;
    for (let j = 0; j < pairs; j++) {
      const k = <usize>j << 4;
      const whole = k < full;
      let x0: v128, x1: v128, x2: v128;
      if (whole) {
        x0 = v128.load(p0 + k); x1 = v128.load(p1 + k); x2 = v128.load(p2 + k);
      } else {
        x0 = v128.load64_zero(p0 + k); x1 = v128.load64_zero(p1 + k); x2 = v128.load64_zero(p2 + k);
      }
      let w = v128.load(q, 0);
      b00 = i8x16.add(b00, pc8(x0, w)); b10 = i8x16.add(b10, pc8(x1, w)); b20 = i8x16.add(b20, pc8(x2, w));
      w = v128.load(q, 16);
      b01 = i8x16.add(b01, pc8(x0, w)); b11 = i8x16.add(b11, pc8(x1, w)); b21 = i8x16.add(b21, pc8(x2, w));
      let y0 = load<u64>(p0 + k), y1 = load<u64>(p1 + k), y2 = load<u64>(p2 + k);
      let v = load<u64>(q, 32), u = load<u64>(q, 48);
      c0 += popcnt(y0 ^ v) + (popcnt(y0 ^ u) << 32); c1 += popcnt(y1 ^ v) + (popcnt(y1 ^ u) << 32); c2 += popcnt(y2 ^ v) + (popcnt(y2 ^ u) << 32);
      if (whole) {
        y0 = load<u64>(p0 + k, 8); y1 = load<u64>(p1 + k, 8); y2 = load<u64>(p2 + k, 8);
        v = load<u64>(q, 40); u = load<u64>(q, 56);
        c0 += popcnt(y0 ^ v) + (popcnt(y0 ^ u) << 32); c1 += popcnt(y1 ^ v) + (popcnt(y1 ^ u) << 32); c2 += popcnt(y2 ^ v) + (popcnt(y2 ^ u) << 32);
      }
      q += 64;
      if (--left == 0) {
        s00 = i32x4.add(s00, widen8(b00)); s01 = i32x4.add(s01, widen8(b01));
        s10 = i32x4.add(s10, widen8(b10)); s11 = i32x4.add(s11, widen8(b11));
        s20 = i32x4.add(s20, widen8(b20)); s21 = i32x4.add(s21, widen8(b21));
        b00 = z; b01 = z; b10 = z; b11 = z; b20 = z; b21 = z;
        left = STEPS;
      }
    }
  }
  r0 = i64x2.replace_lane(hsum4(i32x4.add(s00, widen8(b00)), i32x4.add(s01, widen8(b01)), z, z), 1, c0);
  r1 = i64x2.replace_lane(hsum4(i32x4.add(s10, widen8(b10)), i32x4.add(s11, widen8(b11)), z, z), 1, c1);
  r2 = i64x2.replace_lane(hsum4(i32x4.add(s20, widen8(b20)), i32x4.add(s21, widen8(b21)), z, z), 1, c2);
}

// Bit-serial 2-bit x 2-bit: word k of a pixel is followed by its second
// plane, and a panel pair holds (plane 0, plane 1) of one weight word, so
// segLen counts words of both planes. With a, w the codes (0..3):
// sum a*w = sum over planes i, j of 2^(i+j) * popcount(A_i AND W_j).
// @ts-ignore: decorator
@inline function serial1(x: u64, y: u64, v: u64, u: u64): u64 {
  return popcnt(x & v) + (popcnt(y & u) << 2) + ((popcnt(x & u) + popcnt(y & v)) << 1);
}

// Channel pairs share a u64 accumulator as in microScalar.
// @ts-ignore: decorator
@inline export function microSerial(a0: usize, a1: usize, a2: usize, aSeg: usize, nSeg: i32, segLen: i32, q: usize): void {
  let c0l: u64 = 0, c0h: u64 = 0, c1l: u64 = 0, c1h: u64 = 0, c2l: u64 = 0, c2h: u64 = 0;
  const bytes = <usize>segLen << 3;
  for (let s = 0; s < nSeg; s++) {
    const off = <usize>s * aSeg;
    const p0 = a0 + off, p1 = a1 + off, p2 = a2 + off;
    for (let k: usize = 0; k < bytes; k += 16) {
      const x0 = load<u64>(p0 + k), y0 = load<u64>(p0 + k, 8);
      const x1 = load<u64>(p1 + k), y1 = load<u64>(p1 + k, 8);
      const x2 = load<u64>(p2 + k), y2 = load<u64>(p2 + k, 8);
      let v = load<u64>(q, 0), u = load<u64>(q, 8), v1 = load<u64>(q, 16), u1 = load<u64>(q, 24);
      c0l += serial1(x0, y0, v, u) + (serial1(x0, y0, v1, u1) << 32);
      c1l += serial1(x1, y1, v, u) + (serial1(x1, y1, v1, u1) << 32);
      c2l += serial1(x2, y2, v, u) + (serial1(x2, y2, v1, u1) << 32);
      v = load<u64>(q, 32); u = load<u64>(q, 40); v1 = load<u64>(q, 48); u1 = load<u64>(q, 56);
      c0h += serial1(x0, y0, v, u) + (serial1(x0, y0, v1, u1) << 32);
      c1h += serial1(x1, y1, v, u) + (serial1(x1, y1, v1, u1) << 32);
      c2h += serial1(x2, y2, v, u) + (serial1(x2, y2, v1, u1) << 32);
      q += 64;
    }
  }
  r0 = i64x2.replace_lane(i64x2.splat(c0l), 1, c0h);
  r1 = i64x2.replace_lane(i64x2.splat(c1l), 1, c1h);
  r2 = i64x2.replace_lane(i64x2.splat(c2l), 1, c2h);
}

// Weight panels of one channel chunk (a quarter of L2).
const CHUNK_BYTES: usize = 512 << 10;

export const PATH_SCALAR: i32 = 1;
export const PATH_SIMD: i32 = 2;
export const PATH_HYBRID: i32 = 3;
/** 2-bit x 2-bit bit-serial AND-popcount (bserial.ts). */
export const PATH_SERIAL: i32 = 4;

/**
 * The tile loop shared by bgemm and bconv2d: an implicit GEMM over the output
 * pixels (n, oy, ox) of the rectangle [oy0,oy1) x [ox0,ox1) of nImg images.
 * Pixel (n, oy, ox) reads its activations at A + n*aImg + oy*aRow + ox*aPix
 * and writes its outputs at out + n*oImg + oy*oRow + ox*oPix (all in bytes).
 * XNOR paths: dot = kEff - 2*(popcount - corr[o]); corr (i32[OC] padded to
 * a multiple of 4) = 0 means none.
 * PATH_SERIAL: dot = 2*S - 3*corr[p] with corr = the per-pixel activation
 * code sums in enumeration order (see bserial.ts).
 * The output transform must have been set with beginOutput.
 */
export function xnorTiles(
  A: usize, aImg: usize, aRow: usize, aPix: usize, aSeg: usize, nSeg: i32, segLen: i32,
  B: usize, OC: i32,
  nImg: i32, oy0: i32, oy1: i32, ox0: i32, ox1: i32,
  out: usize, oImg: usize, oRow: usize, oPix: usize,
  kEff: i32, corr: usize, path: i32,
): void {
  const total = nImg * (oy1 - oy0) * (ox1 - ox0);
  if (total <= 0 || OC <= 0) return;
  const panel = <usize>nSeg * <usize>((segLen + 1) >> 1) << 6;
  const kv = i32x4.splat(kEff);
  const serial = path == PATH_SERIAL;
  const blocks = (OC + 3) >> 2;
  // Channels in chunks whose panels fit in L2, pixel tiles inside, 4-channel
  // blocks innermost: a tile's activations stay in L1 and its addresses are
  // computed once for the whole chunk, while the panels stream from L2.
  // Blocks of one pixel are visited in increasing order, which OUT_BITS needs.
  const chunk = max(1, <i32>(CHUNK_BYTES / panel));
  for (let c0 = 0; c0 < blocks; c0 += chunk) {
    const c1 = min(blocks, c0 + chunk);
    let n = 0, y = oy0, x = ox0;
    for (let p = 0; p < total; p += 3) {
      const a0 = A + <usize>n * aImg + <usize>y * aRow + <usize>x * aPix;
      const d0 = out + <usize>n * oImg + <usize>y * oRow + <usize>x * oPix;
      let a1 = a0, a2 = a0, d1 = d0, d2 = d0;
      if (++x == ox1) { x = ox0; if (++y == oy1) { y = oy0; n++; } }
      if (p + 1 < total) {
        a1 = A + <usize>n * aImg + <usize>y * aRow + <usize>x * aPix;
        d1 = out + <usize>n * oImg + <usize>y * oRow + <usize>x * oPix;
        if (++x == ox1) { x = ox0; if (++y == oy1) { y = oy0; n++; } }
      }
      if (p + 2 < total) {
        a2 = A + <usize>n * aImg + <usize>y * aRow + <usize>x * aPix;
        d2 = out + <usize>n * oImg + <usize>y * oRow + <usize>x * oPix;
        if (++x == ox1) { x = ox0; if (++y == oy1) { y = oy0; n++; } }
      }
      for (let cb = c0; cb < c1; cb++) {
        const o = cb << 2;
        const nv = min(4, OC - o);
        const q = B + <usize>cb * panel;
        const cv = corr && !serial ? v128.load(corr + (<usize>o << 2)) : i32x4.splat(0);
        if (path == PATH_SIMD) microSimd(a0, a1, a2, aSeg, nSeg, segLen, q);
        else if (path == PATH_HYBRID) microHybrid(a0, a1, a2, aSeg, nSeg, segLen, q);
        else if (serial) microSerial(a0, a1, a2, aSeg, nSeg, segLen, q);
        else microScalar(a0, a1, a2, aSeg, nSeg, segLen, q);
        if (serial) {
          const sa = corr + (<usize>p << 2);
          emit(i32x4.sub(i32x4.shl(r0, 1), i32x4.splat(3 * load<i32>(sa))), o, nv, d0);
          if (p + 1 < total) emit(i32x4.sub(i32x4.shl(r1, 1), i32x4.splat(3 * load<i32>(sa, 4))), o, nv, d1);
          if (p + 2 < total) emit(i32x4.sub(i32x4.shl(r2, 1), i32x4.splat(3 * load<i32>(sa, 8))), o, nv, d2);
          continue;
        }
        emit(i32x4.sub(kv, i32x4.shl(i32x4.sub(r0, cv), 1)), o, nv, d0);
        if (p + 1 < total) emit(i32x4.sub(kv, i32x4.shl(i32x4.sub(r1, cv), 1)), o, nv, d1);
        if (p + 2 < total) emit(i32x4.sub(kv, i32x4.shl(i32x4.sub(r2, cv), 1)), o, nv, d2);
      }
    }
  }
}

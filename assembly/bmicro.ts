// Register-tiled micro-kernels of the XNOR-popcount GEMM (driven by
// btiles.ts). Each computes the popcounts of (activation XOR weight) over
// the whole reduction for one tile of output pixels (rows of the implicit
// GEMM) x 4 output channels: the scalar kernel for 1 pixel, returning an
// i32x4, or for 2 pixels of a short reduction; the others for 3 pixels;
// those leave their results in the globals r0..r2 (one i32x4 per pixel).
// Globals, not memory: they belong to the instance, so threads sharing the
// memory never share them.
//
// Operand layouts (see bitpack.ts):
// - activations: pixel i starts at a_i; the reduction is nSeg segments of
//   segLen u64 words, segment s at a_i + s*aSeg (for a conv: one segment per
//   kernel row, KW*CW contiguous words of the NHWC input). The scalar and
//   bit-serial kernels read a copy gathered per pixel or tile (btiles.ts).
// - weights: a panel of 4 output channels, walked linearly from q: per
//   segment, per pair of words: 4 channels x 2 words (64 bytes). An odd
//   segment's last pair has a zero second word.
//
// Three ways to count bits (all give identical results; btiles.ts says
// which one runs):
// - scalar: popcnt<u64>, which V8 emits as one POPCNT;
// - v128: i8x16.popcnt, which V8 lowers on x64 to a PSHUFB nibble lookup
//   (about 8 uops per 128 bits, constants reloaded each time), per-byte
//   counts accumulated for up to 31 steps before widening;
// - hybrid: channels 0-1 on v128 and 2-3 on scalar, so that the POPCNT port
//   and the other vector ports work at the same time.
import { widen8, hsum4 } from "./bitops";

export let r0: v128 = i32x4(0, 0, 0, 0);
export let r1: v128 = i32x4(0, 0, 0, 0);
export let r2: v128 = i32x4(0, 0, 0, 0);

// @ts-ignore: decorator
@inline function pc8(x: v128, w: v128): v128 {
  return i8x16.popcnt(v128.xor(x, w));
}

// The scalar path: 1 pixel x 4 channels, the dot products returned as an
// i32x4. The pixel's T words are contiguous at ap; the 4 channels' weights
// are a dense pair panel at q (word t of channel j at (t>>1)*64 + 16j +
// (t&1)*8, which is bitpackWeights' panel whenever no segment has an odd
// length; btiles.ts repacks the others).
// Why this shape: V8 (TurboFan, x64) has 12 general registers for values;
// it keeps a loop body's loads in program order and schedules each
// accumulator's chain of adds late, so all the loads a chain uses are live
// at its start. With one pair of words a step, four accumulators, the two
// activation words, a chain's two weight words, the memory base and two
// pointers fit, and each count costs a weight load, xor, popcnt and add,
// with the activation words loaded once per four channels. Taller tiles
// (pixels sharing weight words in registers) and longer steps spill, and
// were no faster on any benchmark shape; V8 unrolls this loop itself, paying
// its bound and interrupt checks once per few steps.
// @ts-ignore: decorator
@inline export function microPixel(ap: usize, T: i32, q: usize): v128 {
  let c0: u64 = 0, c1: u64 = 0, c2: u64 = 0, c3: u64 = 0;
  const pairs = ap + (<usize>(T & ~1) << 3);
  while (ap < pairs) {
    const x0 = load<u64>(ap, 0), x1 = load<u64>(ap, 8);
    c0 += popcnt(load<u64>(q, 0) ^ x0) + popcnt(load<u64>(q, 8) ^ x1);
    c1 += popcnt(load<u64>(q, 16) ^ x0) + popcnt(load<u64>(q, 24) ^ x1);
    c2 += popcnt(load<u64>(q, 32) ^ x0) + popcnt(load<u64>(q, 40) ^ x1);
    c3 += popcnt(load<u64>(q, 48) ^ x0) + popcnt(load<u64>(q, 56) ^ x1);
    ap += 16;
    q += 64;
  }
  if (T & 1) {
    const x0 = load<u64>(ap, 0);
    c0 += popcnt(load<u64>(q, 0) ^ x0);
    c1 += popcnt(load<u64>(q, 16) ^ x0);
    c2 += popcnt(load<u64>(q, 32) ^ x0);
    c3 += popcnt(load<u64>(q, 48) ^ x0);
  }
  return i32x4.replace_lane(i32x4.replace_lane(i32x4.replace_lane(i32x4.splat(<i32>c0), 1, <i32>c1), 2, <i32>c2), 3, <i32>c3);
}

/** Longest reduction (in words) of microPair. */
export const PAIR_MAX_WORDS: i32 = 18;
/** microPair: bytes from the first pixel's words to the second's (a literal of its loads). */
export const PAIR_STRIDE: i32 = 192;

// The scalar path for two pixels of a short reduction (T <= PAIR_MAX_WORDS):
// 2 pixels x 4 channels, each weight word loaded once for both pixels.
// Pixel 0's words at a0, pixel 1's PAIR_STRIDE bytes after them: one
// pointer for both, one register fewer for V8 to reload from the stack
// per word. Pixel 0's dots go to r0, pixel 1's to r1. The per-block work
// outside the counts (entering the kernel, assembling the result) is what
// short rows spend most on, and it is paid here once per two pixels. Two
// channels share a u64 accumulator (counts <= 64 * PAIR_MAX_WORDS, far
// below 2^32), so that the four accumulators, two activation words and a
// weight pair fit V8's registers; the code is straight-line, entered at the
// row's last word.
// @ts-ignore: decorator
@inline export function microPair(a0: usize, T: i32, q: usize): void {
  let p01: u64 = 0, p23: u64 = 0, s01: u64 = 0, s23: u64 = 0;
  switch (T) {
    case 18: {
      const x = load<u64>(a0, 136), y = load<u64>(a0, 328);
      let w = load<u64>(q, 520), v = load<u64>(q, 536);
      p01 += popcnt(w ^ x) + (popcnt(v ^ x) << 32); s01 += popcnt(w ^ y) + (popcnt(v ^ y) << 32);
      w = load<u64>(q, 552); v = load<u64>(q, 568);
      p23 += popcnt(w ^ x) + (popcnt(v ^ x) << 32); s23 += popcnt(w ^ y) + (popcnt(v ^ y) << 32);
    }
    case 17: {
      const x = load<u64>(a0, 128), y = load<u64>(a0, 320);
      let w = load<u64>(q, 512), v = load<u64>(q, 528);
      p01 += popcnt(w ^ x) + (popcnt(v ^ x) << 32); s01 += popcnt(w ^ y) + (popcnt(v ^ y) << 32);
      w = load<u64>(q, 544); v = load<u64>(q, 560);
      p23 += popcnt(w ^ x) + (popcnt(v ^ x) << 32); s23 += popcnt(w ^ y) + (popcnt(v ^ y) << 32);
    }
    case 16: {
      const x = load<u64>(a0, 120), y = load<u64>(a0, 312);
      let w = load<u64>(q, 456), v = load<u64>(q, 472);
      p01 += popcnt(w ^ x) + (popcnt(v ^ x) << 32); s01 += popcnt(w ^ y) + (popcnt(v ^ y) << 32);
      w = load<u64>(q, 488); v = load<u64>(q, 504);
      p23 += popcnt(w ^ x) + (popcnt(v ^ x) << 32); s23 += popcnt(w ^ y) + (popcnt(v ^ y) << 32);
    }
    case 15: {
      const x = load<u64>(a0, 112), y = load<u64>(a0, 304);
      let w = load<u64>(q, 448), v = load<u64>(q, 464);
      p01 += popcnt(w ^ x) + (popcnt(v ^ x) << 32); s01 += popcnt(w ^ y) + (popcnt(v ^ y) << 32);
      w = load<u64>(q, 480); v = load<u64>(q, 496);
      p23 += popcnt(w ^ x) + (popcnt(v ^ x) << 32); s23 += popcnt(w ^ y) + (popcnt(v ^ y) << 32);
    }
    case 14: {
      const x = load<u64>(a0, 104), y = load<u64>(a0, 296);
      let w = load<u64>(q, 392), v = load<u64>(q, 408);
      p01 += popcnt(w ^ x) + (popcnt(v ^ x) << 32); s01 += popcnt(w ^ y) + (popcnt(v ^ y) << 32);
      w = load<u64>(q, 424); v = load<u64>(q, 440);
      p23 += popcnt(w ^ x) + (popcnt(v ^ x) << 32); s23 += popcnt(w ^ y) + (popcnt(v ^ y) << 32);
    }
    case 13: {
      const x = load<u64>(a0, 96), y = load<u64>(a0, 288);
      let w = load<u64>(q, 384), v = load<u64>(q, 400);
      p01 += popcnt(w ^ x) + (popcnt(v ^ x) << 32); s01 += popcnt(w ^ y) + (popcnt(v ^ y) << 32);
      w = load<u64>(q, 416); v = load<u64>(q, 432);
      p23 += popcnt(w ^ x) + (popcnt(v ^ x) << 32); s23 += popcnt(w ^ y) + (popcnt(v ^ y) << 32);
    }
    case 12: {
      const x = load<u64>(a0, 88), y = load<u64>(a0, 280);
      let w = load<u64>(q, 328), v = load<u64>(q, 344);
      p01 += popcnt(w ^ x) + (popcnt(v ^ x) << 32); s01 += popcnt(w ^ y) + (popcnt(v ^ y) << 32);
      w = load<u64>(q, 360); v = load<u64>(q, 376);
      p23 += popcnt(w ^ x) + (popcnt(v ^ x) << 32); s23 += popcnt(w ^ y) + (popcnt(v ^ y) << 32);
    }
    case 11: {
      const x = load<u64>(a0, 80), y = load<u64>(a0, 272);
      let w = load<u64>(q, 320), v = load<u64>(q, 336);
      p01 += popcnt(w ^ x) + (popcnt(v ^ x) << 32); s01 += popcnt(w ^ y) + (popcnt(v ^ y) << 32);
      w = load<u64>(q, 352); v = load<u64>(q, 368);
      p23 += popcnt(w ^ x) + (popcnt(v ^ x) << 32); s23 += popcnt(w ^ y) + (popcnt(v ^ y) << 32);
    }
    case 10: {
      const x = load<u64>(a0, 72), y = load<u64>(a0, 264);
      let w = load<u64>(q, 264), v = load<u64>(q, 280);
      p01 += popcnt(w ^ x) + (popcnt(v ^ x) << 32); s01 += popcnt(w ^ y) + (popcnt(v ^ y) << 32);
      w = load<u64>(q, 296); v = load<u64>(q, 312);
      p23 += popcnt(w ^ x) + (popcnt(v ^ x) << 32); s23 += popcnt(w ^ y) + (popcnt(v ^ y) << 32);
    }
    case 9: {
      const x = load<u64>(a0, 64), y = load<u64>(a0, 256);
      let w = load<u64>(q, 256), v = load<u64>(q, 272);
      p01 += popcnt(w ^ x) + (popcnt(v ^ x) << 32); s01 += popcnt(w ^ y) + (popcnt(v ^ y) << 32);
      w = load<u64>(q, 288); v = load<u64>(q, 304);
      p23 += popcnt(w ^ x) + (popcnt(v ^ x) << 32); s23 += popcnt(w ^ y) + (popcnt(v ^ y) << 32);
    }
    case 8: {
      const x = load<u64>(a0, 56), y = load<u64>(a0, 248);
      let w = load<u64>(q, 200), v = load<u64>(q, 216);
      p01 += popcnt(w ^ x) + (popcnt(v ^ x) << 32); s01 += popcnt(w ^ y) + (popcnt(v ^ y) << 32);
      w = load<u64>(q, 232); v = load<u64>(q, 248);
      p23 += popcnt(w ^ x) + (popcnt(v ^ x) << 32); s23 += popcnt(w ^ y) + (popcnt(v ^ y) << 32);
    }
    case 7: {
      const x = load<u64>(a0, 48), y = load<u64>(a0, 240);
      let w = load<u64>(q, 192), v = load<u64>(q, 208);
      p01 += popcnt(w ^ x) + (popcnt(v ^ x) << 32); s01 += popcnt(w ^ y) + (popcnt(v ^ y) << 32);
      w = load<u64>(q, 224); v = load<u64>(q, 240);
      p23 += popcnt(w ^ x) + (popcnt(v ^ x) << 32); s23 += popcnt(w ^ y) + (popcnt(v ^ y) << 32);
    }
    case 6: {
      const x = load<u64>(a0, 40), y = load<u64>(a0, 232);
      let w = load<u64>(q, 136), v = load<u64>(q, 152);
      p01 += popcnt(w ^ x) + (popcnt(v ^ x) << 32); s01 += popcnt(w ^ y) + (popcnt(v ^ y) << 32);
      w = load<u64>(q, 168); v = load<u64>(q, 184);
      p23 += popcnt(w ^ x) + (popcnt(v ^ x) << 32); s23 += popcnt(w ^ y) + (popcnt(v ^ y) << 32);
    }
    case 5: {
      const x = load<u64>(a0, 32), y = load<u64>(a0, 224);
      let w = load<u64>(q, 128), v = load<u64>(q, 144);
      p01 += popcnt(w ^ x) + (popcnt(v ^ x) << 32); s01 += popcnt(w ^ y) + (popcnt(v ^ y) << 32);
      w = load<u64>(q, 160); v = load<u64>(q, 176);
      p23 += popcnt(w ^ x) + (popcnt(v ^ x) << 32); s23 += popcnt(w ^ y) + (popcnt(v ^ y) << 32);
    }
    case 4: {
      const x = load<u64>(a0, 24), y = load<u64>(a0, 216);
      let w = load<u64>(q, 72), v = load<u64>(q, 88);
      p01 += popcnt(w ^ x) + (popcnt(v ^ x) << 32); s01 += popcnt(w ^ y) + (popcnt(v ^ y) << 32);
      w = load<u64>(q, 104); v = load<u64>(q, 120);
      p23 += popcnt(w ^ x) + (popcnt(v ^ x) << 32); s23 += popcnt(w ^ y) + (popcnt(v ^ y) << 32);
    }
    case 3: {
      const x = load<u64>(a0, 16), y = load<u64>(a0, 208);
      let w = load<u64>(q, 64), v = load<u64>(q, 80);
      p01 += popcnt(w ^ x) + (popcnt(v ^ x) << 32); s01 += popcnt(w ^ y) + (popcnt(v ^ y) << 32);
      w = load<u64>(q, 96); v = load<u64>(q, 112);
      p23 += popcnt(w ^ x) + (popcnt(v ^ x) << 32); s23 += popcnt(w ^ y) + (popcnt(v ^ y) << 32);
    }
    case 2: {
      const x = load<u64>(a0, 8), y = load<u64>(a0, 200);
      let w = load<u64>(q, 8), v = load<u64>(q, 24);
      p01 += popcnt(w ^ x) + (popcnt(v ^ x) << 32); s01 += popcnt(w ^ y) + (popcnt(v ^ y) << 32);
      w = load<u64>(q, 40); v = load<u64>(q, 56);
      p23 += popcnt(w ^ x) + (popcnt(v ^ x) << 32); s23 += popcnt(w ^ y) + (popcnt(v ^ y) << 32);
    }
    case 1: {
      const x = load<u64>(a0, 0), y = load<u64>(a0, 192);
      let w = load<u64>(q, 0), v = load<u64>(q, 16);
      p01 += popcnt(w ^ x) + (popcnt(v ^ x) << 32); s01 += popcnt(w ^ y) + (popcnt(v ^ y) << 32);
      w = load<u64>(q, 32); v = load<u64>(q, 48);
      p23 += popcnt(w ^ x) + (popcnt(v ^ x) << 32); s23 += popcnt(w ^ y) + (popcnt(v ^ y) << 32);
    }
    default:
  }
  r0 = i64x2.replace_lane(i64x2.splat(p01), 1, p23);
  r1 = i64x2.replace_lane(i64x2.splat(s01), 1, s23);
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

// Channel pairs share a u64 accumulator (counts stay far below 2^32).
// @ts-ignore: decorator
@inline export function microSerial(ap: usize, T: i32, q: usize): void {
  let c0l: u64 = 0, c0h: u64 = 0, c1l: u64 = 0, c1h: u64 = 0, c2l: u64 = 0, c2h: u64 = 0;
  // gathered as btiles.ts gather: plane 0 of pixel i at ap + 8i, plane 1 at ap + 24 + 8i
  const end = ap + <usize>T * 24;
  while (ap < end) {
    const x0 = load<u64>(ap, 0), x1 = load<u64>(ap, 8), x2 = load<u64>(ap, 16);
    const y0 = load<u64>(ap, 24), y1 = load<u64>(ap, 32), y2 = load<u64>(ap, 40);
    let v = load<u64>(q, 0), u = load<u64>(q, 8), v1 = load<u64>(q, 16), u1 = load<u64>(q, 24);
    c0l += serial1(x0, y0, v, u) + (serial1(x0, y0, v1, u1) << 32);
    c1l += serial1(x1, y1, v, u) + (serial1(x1, y1, v1, u1) << 32);
    c2l += serial1(x2, y2, v, u) + (serial1(x2, y2, v1, u1) << 32);
    v = load<u64>(q, 32); u = load<u64>(q, 40); v1 = load<u64>(q, 48); u1 = load<u64>(q, 56);
    c0h += serial1(x0, y0, v, u) + (serial1(x0, y0, v1, u1) << 32);
    c1h += serial1(x1, y1, v, u) + (serial1(x1, y1, v1, u1) << 32);
    c2h += serial1(x2, y2, v, u) + (serial1(x2, y2, v1, u1) << 32);
    q += 64;
    ap += 48;
  }
  r0 = i64x2.replace_lane(i64x2.splat(c0l), 1, c0h);
  r1 = i64x2.replace_lane(i64x2.splat(c1l), 1, c1h);
  r2 = i64x2.replace_lane(i64x2.splat(c2l), 1, c2h);
}

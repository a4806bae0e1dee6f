// The carry-save path of the XNOR-popcount kernels (PATH_CSA). A tile is two
// pixels by two output channels: word k of both pixels shares a vector
// ([a_k, b_k], the pixels' words interleaved once per pixel pair into the
// workspace), and a channel's weight word meets both lanes at once. Instead
// of one popcount per word, the XOR words are added bit-wise by full adders
// into planes of weight 1 and 2, four words a step, and only the step's
// carry out of the 2-plane (weight 4) is counted: one popcount per lane per
// four words, and the planes' own counts once at the end. Exact: every bit
// position's count is kept in binary across the planes, so the weighted
// popcounts sum to the XOR count, and the dot goes through the same output
// transform (bitops.ts emit) as the other paths. On x64 the other paths are
// bound by their scalar popcounts (or, in vector form, by moving lanes to
// general registers for them); this one needs about a quarter as many. The tile loop of the GEMM and conv
// kernels on this path is bcsa-tiles.ts.

/** The kernels' path argument for this path (btiles.ts has 1-4). */
export const PATH_CSA: i32 = 5;

/**
 * Workspace of the carry-save path for rows of nSeg segments of segLen
 * words: the interleaved pixel pair (each segment padded to whole word
 * pairs, as the weight panels are) and the tile's counts.
 */
export function csaWorkspaceBytes(nSeg: i32, segLen: i32): i32 {
  return (nSeg * ((segLen + 1) >> 1) << 5) + 64;
}

/** A full adder on 128 bit positions: the sum bits of a + b + c. */
// @ts-ignore: decorator
@inline export function sum3(a: v128, b: v128, c: v128): v128 {
  return v128.xor(v128.xor(a, b), c);
}
/** ... and the carry bits (the majority of a, b, c). */
// @ts-ignore: decorator
@inline export function carry3(a: v128, b: v128, c: v128): v128 {
  return v128.or(v128.and(a, b), v128.and(c, v128.xor(a, b)));
}
// @ts-ignore: decorator
@inline function lanePop(v: v128, l: i32): u64 {
  return popcnt(laneWord(v, l));
}

/**
 * 64-bit lane l (a literal 0 or 1) of v. Lane 0 goes through f64x2: V8 (11.3,
 * x64) emits `vpextrq` for i64x2.extract_lane even for lane 0 (two uops on
 * AMD), but an f64 lane 0 is already in place and its reinterpretation is a
 * single `vmovq`. Extract and reinterpret only move bits.
 */
// @ts-ignore: decorator
@inline export function laneWord(v: v128, l: i32): u64 {
  return l == 0 ? reinterpret<u64>(f64x2.extract_lane(v, 0)) : i64x2.extract_lane(v, 1);
}

/**
 * Pixels a0 and a1 (nSeg segments of segLen words, aSeg bytes apart) into d:
 * word k of both at d + 16k, a zero pair after a segment of odd length.
 */
export function gatherPair(d: usize, a0: usize, a1: usize, aSeg: usize, nSeg: i32, segLen: i32): void {
  const bytes = <usize>segLen << 3;
  for (let g = 0; g < nSeg; g++) {
    const off = <usize>g * aSeg;
    for (let k: usize = off; k < off + bytes; k += 8) {
      v128.store(d, v128.load64_lane(a1 + k, v128.load64_zero(a0 + k), 1));
      d += 16;
    }
    if (segLen & 1) {
      v128.store(d, i64x2.splat(0));
      d += 16;
    }
  }
}

/**
 * XOR popcounts of the gathered pixel pair at ws (pairs word pairs) with the
 * two channels whose panel words start at q (the second 16 bytes after the
 * first; pair j at q + 64j): i32 counts of pixel 0 at res, res + 4 and of
 * pixel 1 at res + 16, res + 20.
 */
// @ts-ignore: decorator
@inline export function csaCounts(ws: usize, pairs: i32, q: usize, res: usize): void {
  let ones0 = i64x2.splat(0), twos0 = ones0, ones1 = ones0, twos1 = ones0;
  let fa0: u64 = 0, fb0: u64 = 0, fa1: u64 = 0, fb1: u64 = 0;
  const quads = <usize>(pairs >> 1) << 6; // workspace bytes of the whole four-word steps
  let p: usize = 0, u = q;
  for (; p < quads; p += 64, u += 128) {
    // words 4i..4i+3: weight pair 2i at u, pair 2i + 1 at u + 64
    const x0 = v128.load(ws + p), x1 = v128.load(ws + p, 16), x2 = v128.load(ws + p, 32), x3 = v128.load(ws + p, 48);
    let s0 = v128.xor(x0, v128.load64_splat(u)), s1 = v128.xor(x1, v128.load64_splat(u, 8));
    const c0 = carry3(ones0, s0, s1); ones0 = sum3(ones0, s0, s1);
    let t0 = v128.xor(x0, v128.load64_splat(u, 16)), t1 = v128.xor(x1, v128.load64_splat(u, 24));
    const d0 = carry3(ones1, t0, t1); ones1 = sum3(ones1, t0, t1);
    s0 = v128.xor(x2, v128.load64_splat(u, 64)); s1 = v128.xor(x3, v128.load64_splat(u, 72));
    const c1 = carry3(ones0, s0, s1); ones0 = sum3(ones0, s0, s1);
    t0 = v128.xor(x2, v128.load64_splat(u, 80)); t1 = v128.xor(x3, v128.load64_splat(u, 88));
    const d1 = carry3(ones1, t0, t1); ones1 = sum3(ones1, t0, t1);
    const e0 = carry3(twos0, c0, c1); twos0 = sum3(twos0, c0, c1);
    const e1 = carry3(twos1, d0, d1); twos1 = sum3(twos1, d0, d1);
    fa0 += lanePop(e0, 0); fb0 += lanePop(e0, 1);
    fa1 += lanePop(e1, 0); fb1 += lanePop(e1, 1);
  }
  // the weight-4 counts in units of 2, then an odd last pair's carry (weight 2)
  fa0 <<= 1; fb0 <<= 1; fa1 <<= 1; fb1 <<= 1;
  if (pairs & 1) {
    const x0 = v128.load(ws + p), x1 = v128.load(ws + p, 16);
    const s0 = v128.xor(x0, v128.load64_splat(u)), s1 = v128.xor(x1, v128.load64_splat(u, 8));
    const c0 = carry3(ones0, s0, s1); ones0 = sum3(ones0, s0, s1);
    const t0 = v128.xor(x0, v128.load64_splat(u, 16)), t1 = v128.xor(x1, v128.load64_splat(u, 24));
    const d0 = carry3(ones1, t0, t1); ones1 = sum3(ones1, t0, t1);
    fa0 += lanePop(c0, 0); fb0 += lanePop(c0, 1);
    fa1 += lanePop(d0, 0); fb1 += lanePop(d0, 1);
  }
  store<i32>(res, <i32>(((fa0 + lanePop(twos0, 0)) << 1) + lanePop(ones0, 0)));
  store<i32>(res, <i32>(((fa1 + lanePop(twos1, 0)) << 1) + lanePop(ones1, 0)), 4);
  store<i32>(res, <i32>(((fb0 + lanePop(twos0, 1)) << 1) + lanePop(ones0, 1)), 16);
  store<i32>(res, <i32>(((fb1 + lanePop(twos1, 1)) << 1) + lanePop(ones1, 1)), 20);
}

/**
 * XOR popcounts of the gathered pixel pair at ws (gatherPair of one segment
 * of n words) with one weight row of n words at r: pixel 0's count at res,
 * pixel 1's at res + bOff, as u16 (half, a literal: the caller knows they
 * fit) or i32. The words past the last whole four-word step are counted
 * one by one (the row ends there: nothing past it is read).
 */
// @ts-ignore: decorator
@inline export function csaRowCounts(ws: usize, n: i32, r: usize, res: usize, bOff: usize, half: bool): void {
  let ones = i64x2.splat(0), twos = ones;
  let fa: u64 = 0, fb: u64 = 0;
  const quads = <usize>(n >> 2) << 6;
  let p: usize = 0, u = r;
  for (; p < quads; p += 64, u += 32) {
    const s0 = v128.xor(v128.load(ws + p), v128.load64_splat(u)), s1 = v128.xor(v128.load(ws + p, 16), v128.load64_splat(u, 8));
    const c0 = carry3(ones, s0, s1); ones = sum3(ones, s0, s1);
    const s2 = v128.xor(v128.load(ws + p, 32), v128.load64_splat(u, 16)), s3 = v128.xor(v128.load(ws + p, 48), v128.load64_splat(u, 24));
    const c1 = carry3(ones, s2, s3); ones = sum3(ones, s2, s3);
    const e = carry3(twos, c0, c1); twos = sum3(twos, c0, c1);
    fa += lanePop(e, 0); fb += lanePop(e, 1);
  }
  let ra = (((fa << 1) + lanePop(twos, 0)) << 1) + lanePop(ones, 0);
  let rb = (((fb << 1) + lanePop(twos, 1)) << 1) + lanePop(ones, 1);
  for (let k = n & ~3; k < n; k++, p += 16, u += 8) {
    const s = v128.xor(v128.load(ws + p), v128.load64_splat(u));
    ra += lanePop(s, 0); rb += lanePop(s, 1);
  }
  if (half) {
    store<u16>(res, <u16>ra);
    store<u16>(res + bOff, <u16>rb);
  } else {
    store<i32>(res, <i32>ra);
    store<i32>(res + bOff, <i32>rb);
  }
}

// The bits of the float-input sign conv (signConvRows) from integer sums,
// for images whose values are multiples of 1/255 (8-bit pixels, as [0, 1]
// or as [-1, 1] with the 127.5 scaling, and pad values -1, 0 and 1).
//
// Why it is exact. A channel's bit is y < thr with y = ±(float32 sum of ±x
// over its K taps, in the model's order). For x = u/255 (u an integer, |u|
// <= 255) the exact sum is S/255 with S the integer sum of ±u, and any
// float32 order of summation lands within delta of it (a rounding bound in
// K; intSetup). So S <= lo decides bit 1 and S >= hi bit 0 whatever the
// order; a channel whose threshold falls within delta of some S/255 has an
// integer between lo and hi, and there (rarely) the float sum is computed
// exactly as the float path computes it (exactBit). The bits are therefore
// those of the float path, bit for bit.
//
// Why it is faster. Integer sums need no fixed order, so 16-bit lanes (8
// pixels per vector, twice the float path's 4) and shared work across
// channels: the taps are split into chunks of 3, each chunk's 8 sign
// patterns are summed once per pixel group, and a channel's sum is one
// pattern per chunk (for 3x3 on one channel: 2 additions per vector
// instead of 8).
// SIMD only (callers test ASC_FEATURE_SIMD).
import { KC } from "./infer-float";

/** Largest tap count: |S| <= 255 K must fit an i16. */
export const INT_MAX_K = 128;
const CHUNK = 3;
const PATTERNS = 1 << CHUNK;
/** Extra i16 columns per plane row: 8-pixel vectors may read up to 7 columns past the float plane's row. */
const EXTRA_COLS = 8;

// @ts-ignore: decorator
@inline function chunks(K: i32): i32 {
  return (K + CHUNK - 1) / CHUNK;
}

/** Bytes of the integer path's per-layer setup (intSetup) for K taps and OC channels; 0 when K is too large. */
export function intSetupBytes(K: i32, OC: i32): i64 {
  if (K > INT_MAX_K) return 0;
  return 15 + <i64>OC * chanStride(K) + (<i64>K << 2);
}

/** Workspace bytes of the integer path for a conv of K taps on C planes of Hp x Wp. */
export function intBytes(K: i32, C: i32, Hp: i32, Wp: i32): i64 {
  if (K > INT_MAX_K) return 0;
  // up to 15 bytes to align ws, the pattern sums (room for a row pair's), then the planes
  return 15 + <i64>patternChunks(K) * PATTERNS * 64 + <i64>C * Hp * (Wp + EXTRA_COLS) * 2;
}

// Layout of the per-layer setup (plan memory, written once by intSetup):
// per channel records (chanStride bytes each), then the tap offsets. Of
// the per-call workspace: the pattern sums of one pixel group, then the
// i16 planes.
// @ts-ignore: decorator
@inline function chanStride(K: i32): usize { return <usize>chunks(K) * 4 + 12; }
// @ts-ignore: decorator
@inline function chanAt(setup: usize): usize { return (setup + 15) & ~<usize>15; }
// @ts-ignore: decorator
@inline function tapsAt(setup: usize, K: i32, OC: i32): usize { return chanAt(setup) + <usize>OC * chanStride(K); }
// @ts-ignore: decorator
@inline function patAt(ws: usize): usize { return (ws + 15) & ~<usize>15; }
// @ts-ignore: decorator
@inline function planesAt(ws: usize, K: i32): usize { return patAt(ws) + <usize>patternChunks(K) * PATTERNS * 64; }
// Chunks of pattern sums the workspace holds: a row pair's (intRowPairBits) at most twice one row's.
// @ts-ignore: decorator
@inline function patternChunks(K: i32): i32 { return chunks(K) << 1; }

// Pixel patterns: when a chunk is three channels of one pixel (C a
// multiple of 3), its patterns for a row of windows are those of one plane
// row's pixels, shifted by the tap's column: a window row's KW chunks share
// them. They are then summed once per plane row, channel triple and
// pattern, for the G pixel vectors and one more (so KW <= 9: the shift
// then reads at most 8 pixels further), PIXEL_PATTERN_BYTES apart, and a
// channel's record points at them plus its tap column: KH instead of KH x
// KW chunks' patterns per row (and fits in the chunk layout's space when
// KW > 1).
// @ts-ignore: decorator
@inline function pixelPatterns(C: i32, KW: i32): bool { return C % CHUNK == 0 && KW > 1 && KW <= 9; }
const PIXEL_PATTERN_BYTES = 80;
// Offset of plane row kh's (of the window) pattern m of channel triple cg.
// @ts-ignore: decorator
@inline function pixelPatternAt(kh: i32, cg: i32, C: i32, m: i32): i32 {
  return ((kh * (C / CHUNK) + cg) * PATTERNS + m) * PIXEL_PATTERN_BYTES;
}

/**
 * Once per layer, into setup (intSetupBytes): tap offsets into the i16
 * planes, each channel's pattern per chunk (sign of the compare folded
 * in), and its integer decision bounds. masks u32 [K][OCp] (nonzero = -
 * tap), thr/flip as signConvRows' p1/p2.
 */
export function intSetup(setup: usize, C: i32, KH: i32, KW: i32, Hp: i32, Wp: i32, OC: i32, OCp: i32,
  masks: usize, thr: usize, flip: usize): void {
  const K = KH * KW * C, nc = chunks(K);
  const Wi = Wp + EXTRA_COLS;
  const taps = tapsAt(setup, K, OC), chan = chanAt(setup);
  let k = 0;
  for (let kh = 0; kh < KH; kh++)
    for (let kw = 0; kw < KW; kw++)
      for (let c = 0; c < C; c++, k++)
        store<u32>(taps + (<usize>k << 2), <u32>(((<usize>c * Hp + kh) * Wi + kw) << 1));
  // rounding bound: any float32 sum of K terms |x| <= 1 is within
  // K(K-1) 2^-24 of the exact sum of its terms, and each term within
  // 2^-22 + 2^-24 of u/255 (intPlanes admits |fl(255 x) - u| <= 255 2^-22,
  // and fl(255 x) is within 255 2^-24 of 255 x); doubled
  const delta = 2 * (<f64>K * <f64>(K - 1) * 5.960464477539063e-8 + <f64>K * (2.384185791015625e-7 + 5.960464477539063e-8));
  for (let o = 0; o < OC; o++) {
    const negate = (load<u32>(flip + (<usize>o << 2)) & 0x80000000) != 0;
    const rec = chan + <usize>o * chanStride(K);
    let net = 0;
    for (let j = 0; j < nc; j++) {
      let m = 0;
      for (let t = 0; t < CHUNK; t++) {
        const kk = j * CHUNK + t;
        if (kk >= K) break;
        const minus = (load<u32>(masks + ((<usize>kk * OCp + o) << 2)) != 0) != negate;
        if (minus) m |= 1 << t;
        net += minus ? -1 : 1;
      }
      let at = (j * PATTERNS + m) << 6;
      if (pixelPatterns(C, KW)) {
        const k0 = j * CHUNK;
        at = pixelPatternAt(k0 / (KW * C), (k0 % C) / CHUNK, C, m) + (((k0 / C) % KW) << 1);
      }
      store<u32>(rec + (<usize>j << 2), <u32>at);
    }
    // bit = y < thr, y within delta of S/255 (S the channel's integer sum with the compare's sign folded in)
    const threshold = <f64>load<f32>(thr + (<usize>o << 2));
    let lo: f64, hi: f64;
    if (isNaN(threshold)) { lo = -32768; hi = -32768; } // never below NaN: always 0
    else {
      lo = Math.ceil(255 * (threshold - delta)) - 1; // S <= lo: certainly 1
      hi = Math.ceil(255 * (threshold + delta)); // S >= hi: certainly 0
    }
    lo = Math.min(32767, Math.max(-32768, lo));
    hi = Math.min(32767, Math.max(-32768, hi));
    const q = rec + (<usize>nc << 2);
    store<i16>(q, <i16><i32>lo);
    store<i16>(q, <i16><i32>hi, 2);
    store<u32>(q, hi > lo + 1 ? 1 : 0, 4);
    store<i32>(q, net, 8);
  }
}

/**
 * Every channel's bit for a window holding only the value bg (u32 bits of
 * an f32 on the 1/255 grid: a value of an image intPlanes admitted), into
 * bgTab (0 or all ones, as backgroundBits); false, with bgTab unspecified,
 * when some channel's sum is within the rounding bound of its threshold
 * (the caller then sums them as floats).
 */
export function intBackground(setup: usize, K: i32, OC: i32, bg: u32, bgTab: usize): bool {
  const nc = chunks(K);
  const u = <i32>nearest<f32>(reinterpret<f32>(bg) * 255);
  const chan = chanAt(setup);
  for (let o = 0; o < OC; o++) {
    const q = chan + <usize>o * chanStride(K) + (<usize>nc << 2);
    const S = u * load<i32>(q, 8);
    const lo = <i32>load<i16>(q), hi = <i32>load<i16>(q, 2);
    if (S <= lo) store<u32>(bgTab + (<usize>o << 2), 0xffffffff);
    else if (S >= hi) store<u32>(bgTab + (<usize>o << 2), 0);
    else return false;
  }
  return true;
}

/**
 * The i16 planes (u = 255 x) of one image from the float + planes
 * (signConvRows' fillPlanes: C planes of Hp x Wp, Wp >= 32), and as
 * rowSpans does, per plane row the first and last column holding a value
 * other than bg (u32 bits) into spans; false when some value is not within
 * about 2^-22 of a multiple of 1/255 in [-1, 1] (|255 x - u| <= 255 2^-22
 * as computed in float32; the image then takes the float path, and spans
 * are unspecified).
 */
export function intPlanes(ws: usize, K: i32, fplanes: usize, C: i32, Hp: i32, Wp: i32, bg: u32, spans: usize): bool {
  const Wi = Wp + EXTRA_COLS;
  const planes = planesAt(ws, K);
  const scale = f32x4.splat(255), tol = f32x4.splat(2.384185791015625e-7 * 255), lim = f32x4.splat(255);
  // adding 1.5 2^23 rounds a float of magnitude below 2^22 to an integer
  // (ties to even, as nearest) held in the low mantissa bits: the rounded
  // value and its i32 in three operations (larger values fail the lim test)
  const magic = f32x4.splat(12582912), magicBits = i32x4.splat(0x4b400000);
  const bgv = i32x4.splat(bg);
  let ok = i32x4.splat(-1);
  // planeWidth makes rows of at least 32 columns: the last vector of 8
  // overlaps the one before instead of a scalar tail
  const last = Wp - 8;
  for (let c = 0; c < C; c++) {
    for (let y = 0; y < Hp; y++) {
      const r = c * Hp + y;
      const src = fplanes + (<usize>r * Wp << 2), dst = planes + (<usize>r * Wi << 1);
      const span = spans + (<usize>y << 3);
      let first = c == 0 ? Wp : load<i32>(span), end = c == 0 ? -1 : load<i32>(span, 4);
      for (let j = 0; ; j += 8) {
        if (j > last) j = last;
        const fa = v128.load(src + (<usize>j << 2)), fb = v128.load(src + (<usize>j << 2), 16);
        const m = i32x4.bitmask(i32x4.ne(fa, bgv)) | (i32x4.bitmask(i32x4.ne(fb, bgv)) << 4);
        if (m != 0) {
          first = min(first, j + <i32>ctz(m));
          end = max(end, j + 31 - <i32>clz(m));
        }
        const a = f32x4.mul(fa, scale), b = f32x4.mul(fb, scale);
        const ta = f32x4.add(a, magic), tb = f32x4.add(b, magic);
        const ra = f32x4.sub(ta, magic), rb = f32x4.sub(tb, magic);
        ok = v128.and(ok, v128.and(f32x4.le(f32x4.abs(f32x4.sub(a, ra)), tol), f32x4.le(f32x4.abs(ra), lim)));
        ok = v128.and(ok, v128.and(f32x4.le(f32x4.abs(f32x4.sub(b, rb)), tol), f32x4.le(f32x4.abs(rb), lim)));
        v128.store(dst + (<usize>j << 1), i16x8.narrow_i32x4_s(i32x4.sub(ta, magicBits), i32x4.sub(tb, magicBits)));
        if (j == last) break;
      }
      store<i32>(span, first);
      store<i32>(span, end, 4);
      v128.store(dst + (<usize>Wp << 1), i16x8.splat(0)); // the EXTRA_COLS
      if (!v128.all_true<i32>(ok)) return false; // continuous values: no need to scan the rest
    }
  }
  return true;
}

/**
 * Bits of every channel for np <= 32 - sh pixels of one output row starting
 * at column `col` of plane row `row` (the window's top row), into
 * chanBits[o] bits sh..sh+np-1; its other bits are the channel's
 * background bits (bgTab: the pixels whose windows hold only background).
 * fbase/ftab/fflip: the float path's pixel address, tap table and compare
 * signs, for exactBit. setup: intSetup's; ws: intBytes, planes by intPlanes.
 */
export function intRowBits(setup: usize, ws: usize, C: i32, KH: i32, KW: i32, Hp: i32, Wp: i32, OC: i32,
  row: i32, col: i32, np: i32, sh: i32, bgTab: usize, chanBits: usize, fbase: usize, ftab: usize, neg: usize, thr: usize, fflip: usize): void {
  const G = (np + 7) >> 3;
  switch (G) {
    case 4: rowBits(4, setup, ws, C, KH, KW, Hp, Wp, OC, row, col, np, sh, bgTab, chanBits, fbase, ftab, neg, thr, fflip); break;
    case 3: rowBits(3, setup, ws, C, KH, KW, Hp, Wp, OC, row, col, np, sh, bgTab, chanBits, fbase, ftab, neg, thr, fflip); break;
    case 2: rowBits(2, setup, ws, C, KH, KW, Hp, Wp, OC, row, col, np, sh, bgTab, chanBits, fbase, ftab, neg, thr, fflip); break;
    default: rowBits(1, setup, ws, C, KH, KW, Hp, Wp, OC, row, col, np, sh, bgTab, chanBits, fbase, ftab, neg, thr, fflip);
  }
}

// @ts-ignore: decorator
@inline function rowBits(G: i32, setup: usize, ws: usize, C: i32, KH: i32, KW: i32, Hp: i32, Wp: i32, OC: i32,
  row: i32, col: i32, np: i32, sh: i32, bgTab: usize, chanBits: usize, fbase: usize, ftab: usize, neg: usize, thr: usize, fflip: usize): void {
  const K = KH * KW * C, nc = chunks(K);
  const Wi = Wp + EXTRA_COLS;
  const planes = planesAt(ws, K), taps = tapsAt(setup, K, OC), pat = patAt(ws), chan = chanAt(setup);
  const base = planes + ((<usize>row * Wi + col) << 1);
  // the pattern sums of every chunk: pattern m has tap t of the chunk negated where bit t of m is set
  if (pixelPatterns(C, KW)) rowPatterns(G, C, KH, Hp, Wi, base, pat);
  else for (let j = 0; j < nc; j++) chunkPatterns(G, K, j, base, taps, pat + (<usize>(j * PATTERNS) << 6));
  const lanes: u32 = np >= 32 ? 0xffffffff : (<u32>1 << np) - 1;
  const keep = lanes << sh;
  const stride = chanStride(K);
  for (let o = 0; o < OC; o++) {
    const rec = chan + <usize>o * stride;
    let p = pat + <usize>load<u32>(rec);
    let s0 = v128.load(p), s1 = s0, s2 = s0, s3 = s0;
    if (G > 1) s1 = v128.load(p, 16);
    if (G > 2) s2 = v128.load(p, 32);
    if (G > 3) s3 = v128.load(p, 48);
    for (let j = 1; j < nc; j++) {
      p = pat + <usize>load<u32>(rec + (<usize>j << 2));
      s0 = i16x8.add(s0, v128.load(p));
      if (G > 1) s1 = i16x8.add(s1, v128.load(p, 16));
      if (G > 2) s2 = i16x8.add(s2, v128.load(p, 32));
      if (G > 3) s3 = i16x8.add(s3, v128.load(p, 48));
    }
    const bits = sumBits(G, s0, s1, s2, s3, rec + (<usize>nc << 2), lanes, fbase, ftab, K, neg, thr, fflip, o);
    store<u32>(chanBits + (<usize>o << 2), ((bits << sh) & keep) | (load<u32>(bgTab + (<usize>o << 2)) & ~keep));
  }
}

// A channel's bits for the lanes of one row from its sums s0..s3 (i16,
// 8 pixels each) and its bounds at q: 1 at or below lo, 0 at or above
// hi, and between them (rare) the float path's bit (exactBit; fbase: the
// row's first pixel in the float planes).
// @ts-ignore: decorator
@inline function sumBits(G: i32, s0: v128, s1: v128, s2: v128, s3: v128, q: usize, lanes: u32,
  fbase: usize, ftab: usize, K: i32, neg: usize, thr: usize, fflip: usize, o: i32): u32 {
  const lo = v128.load16_splat(q);
  // lanes above lo are 0 (or undecided); narrowed to bytes for the bitmask
  let above = <u32>i8x16.bitmask(i8x16.narrow_i16x8_s(i16x8.gt_s(s0, lo), G > 1 ? i16x8.gt_s(s1, lo) : s0));
  if (G > 2) above |= <u32>i8x16.bitmask(i8x16.narrow_i16x8_s(i16x8.gt_s(s2, lo), G > 3 ? i16x8.gt_s(s3, lo) : s2)) << 16;
  let bits = ~above;
  if (load<u32>(q, 4) != 0) {
    const hi = v128.load16_splat(q, 2);
    let open = <u32>i8x16.bitmask(i8x16.narrow_i16x8_s(i16x8.lt_s(s0, hi), G > 1 ? i16x8.lt_s(s1, hi) : s0));
    if (G > 2) open |= <u32>i8x16.bitmask(i8x16.narrow_i16x8_s(i16x8.lt_s(s2, hi), G > 3 ? i16x8.lt_s(s3, hi) : s2)) << 16;
    let undecided = above & open & lanes;
    while (undecided != 0) {
      const lane = ctz(undecided);
      undecided &= undecided - 1;
      if (exactBit(fbase + (<usize>lane << 2), ftab + (<usize>(o * K) << 2), K, neg, thr + (<usize>o << 2), fflip + (<usize>o << 2))) {
        bits |= <u32>1 << lane;
      }
    }
  }
  return bits;
}

/**
 * Chunks per kernel row when a window's kernel rows are whole chunks (KW C
 * a multiple of 3), else 0. The window one plane row lower then has the
 * same chunks shifted by this many, so a pair of rows (intRowPairBits)
 * sums the patterns of KH + 1 plane rows instead of 2 KH.
 */
export function rowChunks(C: i32, KW: i32): i32 {
  return (KW * C) % CHUNK == 0 ? (KW * C) / CHUNK : 0;
}

/**
 * As intRowBits for two output rows, row and row + 1 (stride 1, and
 * rowChunks(C, KW) > 0), pooled by a max-pool's rows: chanBits[o] holds
 * each column's AND of the two rows' bits, or OR where bit o of poolMask
 * (u64 per 64 channels, or 0) is set. The rows' sums meet in an i16 max
 * (AND: 1 only if both sums are at or below lo) or min (OR), so the pair
 * takes one compare per channel. Same bits as intRowBits on both rows
 * pooled after: a channel whose bounds leave an undecided band compares
 * each row on its own.
 */
export function intRowPairBits(setup: usize, ws: usize, C: i32, KH: i32, KW: i32, Hp: i32, Wp: i32, OC: i32,
  row: i32, col: i32, np: i32, sh: i32, bgTab: usize, chanBits: usize, fbase: usize, ftab: usize, neg: usize, thr: usize, fflip: usize,
  poolMask: usize): void {
  const G = (np + 7) >> 3;
  switch (G) {
    case 4: rowPairBits(4, setup, ws, C, KH, KW, Hp, Wp, OC, row, col, np, sh, bgTab, chanBits, fbase, ftab, neg, thr, fflip, poolMask); break;
    case 3: rowPairBits(3, setup, ws, C, KH, KW, Hp, Wp, OC, row, col, np, sh, bgTab, chanBits, fbase, ftab, neg, thr, fflip, poolMask); break;
    case 2: rowPairBits(2, setup, ws, C, KH, KW, Hp, Wp, OC, row, col, np, sh, bgTab, chanBits, fbase, ftab, neg, thr, fflip, poolMask); break;
    default: rowPairBits(1, setup, ws, C, KH, KW, Hp, Wp, OC, row, col, np, sh, bgTab, chanBits, fbase, ftab, neg, thr, fflip, poolMask);
  }
}

// @ts-ignore: decorator
@inline function rowPairBits(G: i32, setup: usize, ws: usize, C: i32, KH: i32, KW: i32, Hp: i32, Wp: i32, OC: i32,
  row: i32, col: i32, np: i32, sh: i32, bgTab: usize, chanBits: usize, fbase: usize, ftab: usize, neg: usize, thr: usize, fflip: usize,
  poolMask: usize): void {
  const K = KH * KW * C, nc = chunks(K), S = rowChunks(C, KW);
  const Wi = Wp + EXTRA_COLS;
  const planes = planesAt(ws, K), taps = tapsAt(setup, K, OC), pat = patAt(ws), chan = chanAt(setup);
  const base = planes + ((<usize>row * Wi + col) << 1);
  let patB: usize;
  if (pixelPatterns(C, KW)) {
    // the lower row's patterns are the upper row's one plane row down
    rowPatterns(G, C, KH + 1, Hp, Wi, base, pat);
    patB = pat + <usize>pixelPatternAt(1, 0, C, 0);
  } else {
    for (let j = 0; j < nc; j++) chunkPatterns(G, K, j, base, taps, pat + (<usize>(j * PATTERNS) << 6));
    // the lower row's chunk j is the upper row's chunk j + S: only its last S
    // chunks (the plane row below the upper window) are new, stored after
    // the upper row's, so the lower row's patterns start S chunks in
    const below = base + (<usize>Wi << 1);
    for (let j = nc - S; j < nc; j++) chunkPatterns(G, K, j, below, taps, pat + (<usize>((j + S) * PATTERNS) << 6));
    patB = pat + (<usize>(S * PATTERNS) << 6);
  }
  const lanes: u32 = np >= 32 ? 0xffffffff : (<u32>1 << np) - 1;
  const keep = lanes << sh;
  const stride = chanStride(K);
  for (let o = 0; o < OC; o++) {
    const rec = chan + <usize>o * stride;
    let off = <usize>load<u32>(rec);
    let a0 = v128.load(pat + off), a1 = a0, a2 = a0, a3 = a0;
    let b0 = v128.load(patB + off), b1 = b0, b2 = b0, b3 = b0;
    if (G > 1) { a1 = v128.load(pat + off, 16); b1 = v128.load(patB + off, 16); }
    if (G > 2) { a2 = v128.load(pat + off, 32); b2 = v128.load(patB + off, 32); }
    if (G > 3) { a3 = v128.load(pat + off, 48); b3 = v128.load(patB + off, 48); }
    for (let j = 1; j < nc; j++) {
      off = <usize>load<u32>(rec + (<usize>j << 2));
      a0 = i16x8.add(a0, v128.load(pat + off)); b0 = i16x8.add(b0, v128.load(patB + off));
      if (G > 1) { a1 = i16x8.add(a1, v128.load(pat + off, 16)); b1 = i16x8.add(b1, v128.load(patB + off, 16)); }
      if (G > 2) { a2 = i16x8.add(a2, v128.load(pat + off, 32)); b2 = i16x8.add(b2, v128.load(patB + off, 32)); }
      if (G > 3) { a3 = i16x8.add(a3, v128.load(pat + off, 48)); b3 = i16x8.add(b3, v128.load(patB + off, 48)); }
    }
    const q = rec + (<usize>nc << 2);
    const or = poolMask != 0 && ((load<u32>(poolMask + (<usize>(o >> 5) << 2)) >>> <u32>(o & 31)) & 1) != 0;
    let bits: u32;
    if (load<u32>(q, 4) == 0) {
      // bit 1 exactly at or below lo: an OR pool's bit by the smaller sum, an AND pool's by the larger
      const lo = v128.load16_splat(q);
      let m0: v128, m1: v128, m2: v128, m3: v128;
      if (or) {
        m0 = i16x8.min_s(a0, b0); m1 = i16x8.min_s(a1, b1); m2 = i16x8.min_s(a2, b2); m3 = i16x8.min_s(a3, b3);
      } else {
        m0 = i16x8.max_s(a0, b0); m1 = i16x8.max_s(a1, b1); m2 = i16x8.max_s(a2, b2); m3 = i16x8.max_s(a3, b3);
      }
      let above = <u32>i8x16.bitmask(i8x16.narrow_i16x8_s(i16x8.gt_s(m0, lo), G > 1 ? i16x8.gt_s(m1, lo) : m0));
      if (G > 2) above |= <u32>i8x16.bitmask(i8x16.narrow_i16x8_s(i16x8.gt_s(m2, lo), G > 3 ? i16x8.gt_s(m3, lo) : m2)) << 16;
      bits = ~above;
    } else {
      const ba = sumBits(G, a0, a1, a2, a3, q, lanes, fbase, ftab, K, neg, thr, fflip, o);
      const bb = sumBits(G, b0, b1, b2, b3, q, lanes, fbase + (<usize>Wp << 2), ftab, K, neg, thr, fflip, o);
      bits = or ? ba | bb : ba & bb;
    }
    store<u32>(chanBits + (<usize>o << 2), ((bits << sh) & keep) | (load<u32>(bgTab + (<usize>o << 2)) & ~keep));
  }
}

// The eight pattern sums of chunk j for the G vectors of pixels at base
// (pattern m has tap t of the chunk negated where bit t of m is set), to p.
// @ts-ignore: decorator
@inline function chunkPatterns(G: i32, K: i32, j: i32, base: usize, taps: usize, p: usize): void {
  const k0 = j * CHUNK, n = min(CHUNK, K - k0);
  const pa = base + <usize>load<u32>(taps + (<usize>k0 << 2));
  if (n == 3) {
    const pb = base + <usize>load<u32>(taps + (<usize>(k0 + 1) << 2));
    const pc = base + <usize>load<u32>(taps + (<usize>(k0 + 2) << 2));
    patterns3(p, pa, pb, pc, 0);
    if (G > 1) patterns3(p, pa, pb, pc, 16);
    if (G > 2) patterns3(p, pa, pb, pc, 32);
    if (G > 3) patterns3(p, pa, pb, pc, 48);
  } else if (n == 2) {
    const pb = base + <usize>load<u32>(taps + (<usize>(k0 + 1) << 2));
    patterns2(p, pa, pb, 0);
    if (G > 1) patterns2(p, pa, pb, 16);
    if (G > 2) patterns2(p, pa, pb, 32);
    if (G > 3) patterns2(p, pa, pb, 48);
  } else {
    patterns1(p, pa, 0);
    if (G > 1) patterns1(p, pa, 16);
    if (G > 2) patterns1(p, pa, 32);
    if (G > 3) patterns1(p, pa, 48);
  }
}

// The pixel patterns (pixelPatterns) of `rows` plane rows from the window's
// top-left pixel at base: every channel triple's, for G + 1 pixel vectors.
// @ts-ignore: decorator
@inline function rowPatterns(G: i32, C: i32, rows: i32, Hp: i32, Wi: i32, base: usize, pat: usize): void {
  const plane = <usize>Hp * Wi << 1;
  for (let kh = 0; kh < rows; kh++) {
    for (let cg = 0; cg < C / CHUNK; cg++) {
      const pa = base + ((<usize>(CHUNK * cg) * Hp + kh) * Wi << 1), pb = pa + plane, pc = pb + plane;
      const p = pat + <usize>pixelPatternAt(kh, cg, C, 0);
      patterns3(p, pa, pb, pc, 0, PIXEL_PATTERN_BYTES);
      patterns3(p, pa, pb, pc, 16, PIXEL_PATTERN_BYTES);
      if (G > 1) patterns3(p, pa, pb, pc, 32, PIXEL_PATTERN_BYTES);
      if (G > 2) patterns3(p, pa, pb, pc, 48, PIXEL_PATTERN_BYTES);
      if (G > 3) patterns3(p, pa, pb, pc, 64, PIXEL_PATTERN_BYTES);
    }
  }
}

// @ts-ignore: decorator
@inline function patterns3(p: usize, pa: usize, pb: usize, pc: usize, off: usize, stride: i32 = 64): void {
  const a = v128.load(pa + off), b = v128.load(pb + off), c = v128.load(pc + off);
  const s = i16x8.add(a, b), d = i16x8.sub(a, b);
  const p0 = i16x8.add(s, c), p1 = i16x8.sub(c, d), p2 = i16x8.add(d, c), p3 = i16x8.sub(c, s);
  const q = p + off; // vector off/16 of pattern m at p + m*stride + off
  // (the stride a literal of each store: an address add per store costs an instruction in V8's code)
  if (stride == 64) {
    v128.store(q, p0); // + + +
    v128.store(q, p1, 64); // - + +
    v128.store(q, p2, 128); // + - +
    v128.store(q, p3, 192); // - - +
    v128.store(q, i16x8.neg(p3), 256); // + + -
    v128.store(q, i16x8.neg(p2), 320); // - + -
    v128.store(q, i16x8.neg(p1), 384); // + - -
    v128.store(q, i16x8.neg(p0), 448); // - - -
  } else {
    v128.store(q, p0);
    v128.store(q, p1, PIXEL_PATTERN_BYTES);
    v128.store(q, p2, 2 * PIXEL_PATTERN_BYTES);
    v128.store(q, p3, 3 * PIXEL_PATTERN_BYTES);
    v128.store(q, i16x8.neg(p3), 4 * PIXEL_PATTERN_BYTES);
    v128.store(q, i16x8.neg(p2), 5 * PIXEL_PATTERN_BYTES);
    v128.store(q, i16x8.neg(p1), 6 * PIXEL_PATTERN_BYTES);
    v128.store(q, i16x8.neg(p0), 7 * PIXEL_PATTERN_BYTES);
  }
}

// @ts-ignore: decorator
@inline function patterns2(p: usize, pa: usize, pb: usize, off: usize): void {
  const a = v128.load(pa + off), b = v128.load(pb + off);
  const s = i16x8.add(a, b), d = i16x8.sub(a, b);
  const q = p + off;
  v128.store(q, s);
  v128.store(q, i16x8.neg(d), 64);
  v128.store(q, d, 128);
  v128.store(q, i16x8.neg(s), 192);
}

// @ts-ignore: decorator
@inline function patterns1(p: usize, pa: usize, off: usize): void {
  const a = v128.load(pa + off);
  const q = p + off;
  v128.store(q, a);
  v128.store(q, i16x8.neg(a), 64);
}

// The float path's bit for one pixel and channel: its taps summed in order
// from the float + planes (a tap offset >= neg names the - plane, which
// integer images do not fill: its value is the exact negation), in blocks
// of KC as group in infer-signrows.ts sums them, signed by its compare
// flip, compared with its threshold.
function exactBit(pixel: usize, tab: usize, K: i32, neg: usize, thr: usize, flip: usize): bool {
  let s: f32 = 0;
  for (let k0 = 0; k0 < K; k0 += KC) {
    const k1 = min(K, k0 + KC);
    let a: f32 = 0;
    for (let k = k0; k < k1; k++) {
      const off = <usize>load<u32>(tab + (<usize>k << 2));
      const v = off >= neg ? -load<f32>(pixel + off - neg) : load<f32>(pixel + off);
      if (k0 == 0) s = s + v;
      else a = a + v;
    }
    if (k0 > 0) s = a + s;
  }
  return reinterpret<f32>(reinterpret<u32>(s) ^ load<u32>(flip)) < load<f32>(thr);
}

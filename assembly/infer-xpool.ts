// A binary conv with bit output followed by a max-pool on bits, fused so
// that the pool's window is computed only as far as needed. The pooled bit
// of a channel is the AND of its window's bits (the OR for channels whose
// mask bit is set, see bitMaxPool): once one window pixel gives 0 (1 for OR)
// the channel is decided. The window's pixels are taken two at a time for
// every channel still undecided: with random signs most channels are decided
// by the first pair, on trained models (sparse pooled maxima) about 70 % go
// on to the second pair of a 2x2 window, which still saves about 14 % of the
// popcounts; pairs rather than single pixels because one load of a weight
// word then serves two popcounts. Exact: only outcomes that cannot change
// are skipped. Shared by both modules: the standalone one (no SIMD) runs
// the scalar pairs; the kernel module holds the pair's pixel words in
// vector registers for rows up to 12 words and adds a channel's XOR words
// in carry-save bit planes before counting (cell2v). The popcounts are
// scalar popcnt<u64> everywhere, as in the tiled kernels; in cell2v the
// counts then meet their thresholds eight channels at a time (pairOutcome).
import { words } from "./infer-bits";
import { gatherPair, csaRowCounts, sum3, carry3, laneWord, csaWorkspaceBytes } from "./bcsa";

/**
 * cols: bit-im2col rows of the conv pixels [N][CH][CW], rowWords words each
 * (bits past the conv's K zero). wrows: the weights as OC rows of rowWords words (same bit
 * order). thr: per channel a u32 pair (lo, len): bit -1 when the XOR
 * popcount pc is in [lo, lo + len) (see popcountIntervals).
 * Pool window of output (py, px) starts at conv pixel (py*PSH - PPT, px*PSW - PPL);
 * mask: u64 per 64 channels (1 = OR pool) or 0. out: [N][POH][POW][words(OC)].
 * pws: a 16-aligned workspace of pairWorkspaceBytes(rowWords, OC) bytes:
 * the reference row's bits (below), and in the kernel module on rows longer
 * than ROWS_MAX_WORDS the pairs' carry-save planes (csaPair), on shorter
 * ones the pair's counts (cell2v); there thr is followed by the intervals
 * in the vector form (vectorIntervals).
 */
export function xnorConvPool(cols: usize, N: i32, CH: i32, CW: i32, rowWords: i32, OC: i32,
  wrows: usize, thr: usize, PKH: i32, PKW: i32, PSH: i32, PSW: i32, PPT: i32, PPL: i32,
  POH: i32, POW: i32, mask: usize, out: usize, pws: usize): void {
  const cw = words(OC);
  const rowBytes = <usize>rowWords << 3;
  // called through a reference, which keeps Binaryen from inlining it here
  const pair = pairOf(rowWords);
  // the vector form of the intervals (kernel module, counts that fit an i16)
  const vec = ASC_FEATURE_SIMD && rowWords <= VECTOR_COUNTS_MAX_WORDS;
  // the reference row's bits per word, and a 2x2 window's pixels left to compute
  const refBits = pws + <usize>referenceBitsAt(rowWords), todo = refBits + (<usize>cw << 3);
  for (let n = 0; n < N; n++) {
    const img = cols + <usize>n * CH * CW * rowBytes;
    // the reference row: a corner pixel's row that another corner repeats
    // (the background of MNIST-like digits; none, 0, on most natural
    // images). Rows equal to it (about one in seven conv pixels of
    // larq-mnist's second conv) take its bits, computed once per image
    const ref = repeatedCorner(img, CH, CW, rowBytes);
    let refReady = false;
    for (let py = 0; py < POH; py++) {
      const y0 = max(0, py * PSH - PPT), y1 = min(CH, py * PSH - PPT + PKH);
      for (let px = 0; px < POW; px++) {
        const x0 = max(0, px * PSW - PPL), x1 = min(CW, px * PSW - PPL + PKW);
        // a whole 2x2 window: the diagonal first (neighbouring pixels of
        // natural images tend to agree, so a pair of opposite corners
        // decides more channels than a row pair does); when some of its
        // pixels are the reference row's, the others listed at todo in that
        // order, two at a time and an odd one alone
        const whole = y1 - y0 == 2 && x1 - x0 == 2;
        const p00 = img + <usize>(y0 * CW + x0) * rowBytes, p10 = p00 + <usize>CW * rowBytes;
        let same = false, left = 4;
        if (whole && ref != 0) {
          left = windowPixel(p00, ref, rowBytes, todo, 0);
          left = windowPixel(p10 + rowBytes, ref, rowBytes, todo, left);
          left = windowPixel(p00 + rowBytes, ref, rowBytes, todo, left);
          left = windowPixel(p10, ref, rowBytes, todo, left);
          same = left < 4;
          if (same && !refReady) {
            for (let j = 0; j < cw; j++) {
              const rb = refBits + (<usize>j << 3);
              if (ASC_FEATURE_SIMD) {
                if (rowWords <= ROWS_MAX_WORDS) {
                  rowAlone(ref, validWord(OC, j), wrows + (<usize>j << 6) * rowBytes, vectorIntervals(thr, OC) + (<usize>j << 8), rb, pws, rowWords);
                  continue;
                }
              }
              store<u64>(rb, single(ref, validWord(OC, j), j, wrows, rowBytes, thr, rowWords));
            }
            refReady = true;
          }
        }
        for (let j = 0; j < cw; j++) {
          const f: u64 = mask ? load<u64>(mask + (<usize>j << 3)) : 0;
          // this word's 64 weight rows and intervals
          const wj = wrows + (<usize>j << 6) * rowBytes, ivj = thr + (<usize>j << 9);
          const pj = vec ? vectorIntervals(thr, OC) + (<usize>j << 8) : ivj;
          const valid = validWord(OC, j);
          // channels still undecided: their AND of (bit ^ f) is 1 so far
          let acc: u64 = y0 < y1 && x0 < x1 ? valid : 0;
          // the window's pixels two at a time: each weight row loaded once
          // serves both, which halves the loads and loop work per popcount;
          // on trained models few channels are decided by one pixel anyway.
          // The pixels in row order, walked by (y, x) rather than computed
          // from their index: two integer divisions per pixel cost about as
          // much as the loop's other work on short rows
          let y = y0, x = x0;
          if (whole && !same) {
            acc = windowPair(pair, p00, p10 + rowBytes, acc, f, wj, ivj, pj, rowWords, pws);
            if (acc != 0) acc = windowPair(pair, p00 + rowBytes, p10, acc, f, wj, ivj, pj, rowWords, pws);
            y = y1;
          } else if (whole) {
            acc &= load<u64>(refBits + (<usize>j << 3)) ^ f;
            let i = 0;
            for (; acc != 0 && i + 1 < left; i += 2) {
              const ra = load<usize>(todo + (<usize>i << 2)), rb = load<usize>(todo + (<usize>i << 2), 4);
              acc = windowPair(pair, ra, rb, acc, f, wj, ivj, pj, rowWords, pws);
            }
            if (acc != 0 && i < left) acc &= single(load<usize>(todo + (<usize>i << 2)), acc, j, wrows, rowBytes, thr, rowWords) ^ f;
            y = y1;
          }
          while (acc != 0 && y < y1) {
            const ra = img + <usize>(y * CW + x) * rowBytes;
            if (++x == x1) { x = x0; y++; }
            if (y == y1) {
              acc &= single(ra, acc, j, wrows, rowBytes, thr, rowWords) ^ f;
              break;
            }
            const rb = img + <usize>(y * CW + x) * rowBytes;
            if (++x == x1) { x = x0; y++; }
            acc = windowPair(pair, ra, rb, acc, f, wj, ivj, pj, rowWords, pws);
          }
          store<u64>(out + (<usize>j << 3), (acc ^ f) & valid);
        }
        out += <usize>cw << 3;
      }
    }
  }
}

/**
 * The rest of whole 2x2 pool windows whose diagonal pixels are already
 * known (xnorConvPool's first pair, done another way: the engine's lookup
 * tables): windows [nW], bits of their top-left and bottom-right pixels at
 * da and db ([nW][words(OC)] each, bit -1 when the count is in the interval),
 * the bit im2col rows of their top-right and bottom-left pixels at c and d
 * ([nW] rows of rowWords words each). Every channel the diagonal leaves
 * undecided goes through the pair kernel on the other two pixels; out, mask,
 * weights, intervals and pws as xnorConvPool's.
 */
export function xnorPoolRest(da: usize, db: usize, c: usize, d: usize, nW: i32, rowWords: i32, OC: i32,
  wrows: usize, thr: usize, mask: usize, out: usize, pws: usize): void {
  const cw = words(OC);
  const rowBytes = <usize>rowWords << 3;
  const pair = pairOf(rowWords);
  const vec = ASC_FEATURE_SIMD && rowWords <= VECTOR_COUNTS_MAX_WORDS;
  for (let w = 0; w < nW; w++) {
    const ra = c + <usize>w * rowBytes, rb = d + <usize>w * rowBytes;
    for (let j = 0; j < cw; j++) {
      const f: u64 = mask ? load<u64>(mask + (<usize>j << 3)) : 0;
      const valid = validWord(OC, j);
      const o = (<usize>w * cw + j) << 3;
      let acc = (load<u64>(da + o) ^ f) & (load<u64>(db + o) ^ f) & valid;
      if (acc != 0) {
        const wj = wrows + (<usize>j << 6) * rowBytes, ivj = thr + (<usize>j << 9);
        const pj = vec ? vectorIntervals(thr, OC) + (<usize>j << 8) : ivj;
        acc = windowPair(pair, ra, rb, acc, f, wj, ivj, pj, rowWords, pws);
      }
      store<u64>(out + o, (acc ^ f) & valid);
    }
  }
}

// The channels of acc (64-channel word j: weight rows wj, intervals ivj
// and the vector form pj) whose bits (^ f) are 1 at both window pixels a
// and b: the carry-save pairs on rows longer than ROWS_MAX_WORDS (kernel
// module), else the pair kernel for the row length (pairOf).
// @ts-ignore: decorator
@inline function windowPair(pair: Pair, a: usize, b: usize, acc: u64, f: u64, wj: usize, ivj: usize, pj: usize, rowWords: i32, pws: usize): u64 {
  if (ASC_FEATURE_SIMD && rowWords > ROWS_MAX_WORDS) return csaPair(a, b, acc, f, wj, ivj, pj, rowWords, pws);
  return pair(a, b, acc, f, wj, pj, <usize>rowWords << 3, 0, 0, pws);
}

// The channels of 64-channel word j that exist (OC of them in all).
// @ts-ignore: decorator
@inline function validWord(OC: i32, j: i32): u64 {
  const n64 = min(64, OC - (j << 6));
  return n64 == 64 ? <u64>-1 : ((<u64>1) << <u64>n64) - 1;
}

// A 2x2 window's pixel at row p: appended to the `left` pixels listed at
// todo unless its words are those of the reference row ref.
// @ts-ignore: decorator
@inline function windowPixel(p: usize, ref: usize, rowBytes: usize, todo: usize, left: i32): i32 {
  if (!sameRow(p, ref, rowBytes)) {
    store<usize>(todo + (<usize>left << 2), p);
    return left + 1;
  }
  return left;
}

// @ts-ignore: decorator
@inline function sameRow(a: usize, b: usize, rowBytes: usize): bool {
  for (let k: usize = 0; k < rowBytes; k += 8) if (load<u64>(a + k) != load<u64>(b + k)) return false;
  return true;
}

// The row of the first corner pixel of a CH x CW image of rows whose words
// another corner repeats, or 0.
function repeatedCorner(img: usize, CH: i32, CW: i32, rowBytes: usize): usize {
  const c0 = img, c1 = img + <usize>(CW - 1) * rowBytes;
  const c2 = img + <usize>(CH - 1) * CW * rowBytes, c3 = c2 + <usize>(CW - 1) * rowBytes;
  if (CH * CW < 2) return 0;
  if (sameRow(c0, c1, rowBytes) || sameRow(c0, c2, rowBytes) || sameRow(c0, c3, rowBytes)) return c0;
  if (sameRow(c1, c2, rowBytes) || sameRow(c1, c3, rowBytes)) return c1;
  return sameRow(c2, c3, rowBytes) ? c2 : 0;
}

// Bits of the channels in u (word j) for one pixel (row at ra): cell for the row length.
function single(ra: usize, u: u64, j: i32, wrows: usize, rowBytes: usize, thr: usize, rowWords: i32): u64 {
  switch (rowWords) {
    case 1: return cell(1, ra, u, j, wrows, rowBytes, thr);
    case 2: return cell(2, ra, u, j, wrows, rowBytes, thr);
    case 3: return cell(3, ra, u, j, wrows, rowBytes, thr);
    case 4: return cell(4, ra, u, j, wrows, rowBytes, thr);
    case 5: return cell(5, ra, u, j, wrows, rowBytes, thr);
    case 6: return cell(6, ra, u, j, wrows, rowBytes, thr);
    case 7: return cell(7, ra, u, j, wrows, rowBytes, thr);
    case 8: return cell(8, ra, u, j, wrows, rowBytes, thr);
    default: return cell(0, ra, u, j, wrows, rowBytes, thr);
  }
}

// Bits (-1) of the channels in u (word j) for one window pixel. n: words per
// row as a literal 1..8 (unrolled, row in registers), or 0 for any length.
// @ts-ignore: decorator
@inline function cell(n: i32, row: usize, u: u64, j: i32, wrows: usize, rowBytes: usize, thr: usize): u64 {
  const x0 = load<u64>(row), x1 = n > 1 ? load<u64>(row, 8) : 0, x2 = n > 2 ? load<u64>(row, 16) : 0;
  const x3 = n > 3 ? load<u64>(row, 24) : 0, x4 = n > 4 ? load<u64>(row, 32) : 0, x5 = n > 5 ? load<u64>(row, 40) : 0;
  const x6 = n > 6 ? load<u64>(row, 48) : 0, x7 = n > 7 ? load<u64>(row, 56) : 0;
  let b: u64 = 0;
  while (u != 0) {
    const lo = <i32>ctz(u);
    u &= u - 1;
    const o = (j << 6) + lo;
    const w = wrows + <usize>o * rowBytes;
    let pc: u64;
    if (n == 0) {
      pc = 0;
      for (let k: usize = 0; k < rowBytes; k += 8) pc += popcnt(load<u64>(row + k) ^ load<u64>(w + k));
    } else {
      pc = popcnt(x0 ^ load<u64>(w));
      if (n > 1) pc += popcnt(x1 ^ load<u64>(w, 8));
      if (n > 2) pc += popcnt(x2 ^ load<u64>(w, 16));
      if (n > 3) pc += popcnt(x3 ^ load<u64>(w, 24));
      if (n > 4) pc += popcnt(x4 ^ load<u64>(w, 32));
      if (n > 5) pc += popcnt(x5 ^ load<u64>(w, 40));
      if (n > 6) pc += popcnt(x6 ^ load<u64>(w, 48));
      if (n > 7) pc += popcnt(x7 ^ load<u64>(w, 56));
    }
    // the threshold as an interval of popcounts [lo, lo+len); branch-free:
    // the outcome is a coin toss the predictor would lose
    const iv = load<u64>(thr + (<usize>o << 3));
    b |= <u64>inInterval(iv, <u32>pc) << <u64>lo;
  }
  return b;
}

// Two window pixels (rows a, b) for the channels in u of one 64-channel
// word (weight rows from w, intervals from iv): the channels of u still
// undecided after both, i.e. with (bit ^ f) = 1 at a and b. n: words per row
// as a literal 1..8, or 0 for any length. The pixels' words are read from
// memory as xor operands rather than held in registers: with 2n of them
// live, V8 would spill them anyway, and the loop's own values with them.
// @ts-ignore: decorator
@inline function cell2(n: i32, a: usize, b: usize, u: u64, f: u64, w: usize, iv: usize, rowBytes: usize, da: usize, db: usize): u64 {
  let ba: u64 = 0, bb: u64 = 0;
  const all = u;
  while (u != 0) {
    const lo = <usize>ctz(u);
    const bit = u & (0 - u);
    u ^= bit;
    const r = w + lo * (n == 0 ? rowBytes : <usize>n << 3);
    let pa: u64 = 0, pb: u64 = 0;
    if (n == 0) {
      // four words a step, then the rest one by one: the loop's own
      // instructions (index, compare, branch, interrupt check) are a third
      // of a one-word step
      const body = rowBytes & ~(<usize>31);
      let k: usize = 0;
      for (; k < body; k += 32) {
        const p = r + k, pa0 = a + k, pb0 = b + k;
        let wk = load<u64>(p);
        pa += popcnt(load<u64>(pa0) ^ wk); pb += popcnt(load<u64>(pb0) ^ wk);
        wk = load<u64>(p, 8);
        pa += popcnt(load<u64>(pa0, 8) ^ wk); pb += popcnt(load<u64>(pb0, 8) ^ wk);
        wk = load<u64>(p, 16);
        pa += popcnt(load<u64>(pa0, 16) ^ wk); pb += popcnt(load<u64>(pb0, 16) ^ wk);
        wk = load<u64>(p, 24);
        pa += popcnt(load<u64>(pa0, 24) ^ wk); pb += popcnt(load<u64>(pb0, 24) ^ wk);
      }
      for (; k < rowBytes; k += 8) {
        const wk = load<u64>(r + k);
        pa += popcnt(load<u64>(a + k) ^ wk);
        pb += popcnt(load<u64>(b + k) ^ wk);
      }
    } else {
      let wk = load<u64>(r);
      pa = popcnt(load<u64>(a) ^ wk); pb = popcnt(load<u64>(b) ^ wk);
      if (n > 1) { wk = load<u64>(r, 8); pa += popcnt(load<u64>(a, 8) ^ wk); pb += popcnt(load<u64>(b, 8) ^ wk); }
      if (n > 2) { wk = load<u64>(r, 16); pa += popcnt(load<u64>(a, 16) ^ wk); pb += popcnt(load<u64>(b, 16) ^ wk); }
      if (n > 3) { wk = load<u64>(r, 24); pa += popcnt(load<u64>(a, 24) ^ wk); pb += popcnt(load<u64>(b, 24) ^ wk); }
      if (n > 4) { wk = load<u64>(r, 32); pa += popcnt(load<u64>(a, 32) ^ wk); pb += popcnt(load<u64>(b, 32) ^ wk); }
      if (n > 5) { wk = load<u64>(r, 40); pa += popcnt(load<u64>(a, 40) ^ wk); pb += popcnt(load<u64>(b, 40) ^ wk); }
      if (n > 6) { wk = load<u64>(r, 48); pa += popcnt(load<u64>(a, 48) ^ wk); pb += popcnt(load<u64>(b, 48) ^ wk); }
      if (n > 7) { wk = load<u64>(r, 56); pa += popcnt(load<u64>(a, 56) ^ wk); pb += popcnt(load<u64>(b, 56) ^ wk); }
    }
    const t = load<u64>(iv + (lo << 3));
    ba |= select<u64>(bit, 0, inInterval(t, <u32>pa));
    bb |= select<u64>(bit, 0, inInterval(t, <u32>pb));
  }
  return pairResult(ba, bb, f, all, da, db);
}

// cell2 for each row length, as small functions of their own: the few
// values of the channel loop then all fit in registers.
// da, db: 0 for a pool window; for rows (xnorRowsBits) where the bits of
// pixel a and pixel b go, the function then returning 0. iv: the word's
// intervals, as (lo, len) pairs for the scalar pairs and in the vector
// form for the kernel module's (vectorPairs); cs: the vector pairs' counts
// workspace (PAIR_COUNTS_BYTES, 16-aligned).
type Pair = (a: usize, b: usize, u: u64, f: u64, w: usize, iv: usize, rb: usize, da: usize, db: usize, cs: usize) => u64;
function pairOf(rowWords: i32): Pair {
  if (ASC_FEATURE_SIMD) {
    switch (rowWords) {
      case 1: return pairV1;
      case 2: return pairV2;
      case 3: return pairV3;
      case 4: return pairV4;
      case 5: return pairV5;
      case 6: return pairV6;
      case 7: return pairV7;
      case 8: return pairV8;
      case 9: return pairV9;
      case 10: return pairV10;
      case 11: return pairV11;
      case 12: return pairV12;
    }
  }
  switch (rowWords) {
    case 1: return pair1;
    case 2: return pair2;
    case 3: return pair3;
    case 4: return pair4;
    case 5: return pair5;
    case 6: return pair6;
    case 7: return pair7;
    case 8: return pair8;
    default: return pairN;
  }
}
function pair1(a: usize, b: usize, u: u64, f: u64, w: usize, iv: usize, rb: usize, da: usize, db: usize, cs: usize): u64 { return cell2(1, a, b, u, f, w, iv, rb, da, db); }
function pair2(a: usize, b: usize, u: u64, f: u64, w: usize, iv: usize, rb: usize, da: usize, db: usize, cs: usize): u64 { return cell2(2, a, b, u, f, w, iv, rb, da, db); }
function pair3(a: usize, b: usize, u: u64, f: u64, w: usize, iv: usize, rb: usize, da: usize, db: usize, cs: usize): u64 { return cell2(3, a, b, u, f, w, iv, rb, da, db); }
function pair4(a: usize, b: usize, u: u64, f: u64, w: usize, iv: usize, rb: usize, da: usize, db: usize, cs: usize): u64 { return cell2(4, a, b, u, f, w, iv, rb, da, db); }
function pair5(a: usize, b: usize, u: u64, f: u64, w: usize, iv: usize, rb: usize, da: usize, db: usize, cs: usize): u64 { return cell2(5, a, b, u, f, w, iv, rb, da, db); }
function pair6(a: usize, b: usize, u: u64, f: u64, w: usize, iv: usize, rb: usize, da: usize, db: usize, cs: usize): u64 { return cell2(6, a, b, u, f, w, iv, rb, da, db); }
function pair7(a: usize, b: usize, u: u64, f: u64, w: usize, iv: usize, rb: usize, da: usize, db: usize, cs: usize): u64 { return cell2(7, a, b, u, f, w, iv, rb, da, db); }
function pair8(a: usize, b: usize, u: u64, f: u64, w: usize, iv: usize, rb: usize, da: usize, db: usize, cs: usize): u64 { return cell2(8, a, b, u, f, w, iv, rb, da, db); }
function pairN(a: usize, b: usize, u: u64, f: u64, w: usize, iv: usize, rb: usize, da: usize, db: usize, cs: usize): u64 { return cell2(0, a, b, u, f, w, iv, rb, da, db); }

// Whether popcount pc is in a channel's interval t = (lo, len) of
// popcountIntervals, [lo, lo + len): one unsigned compare, no branch (the
// outcome is a coin toss the predictor would lose).
// @ts-ignore: decorator
@inline function inInterval(t: u64, pc: u32): bool {
  return pc - <u32>t < <u32>(t >> 32);
}

// A pool window's pair: the channels of `all` still undecided after both
// pixels. Rows: both pixels' bits stored, nothing returned.
// @ts-ignore: decorator
@inline function pairResult(ba: u64, bb: u64, f: u64, all: u64, da: usize, db: usize): u64 {
  if (da == 0) return (ba ^ f) & (bb ^ f) & all;
  store<u64>(da, ba);
  store<u64>(db, bb);
  return 0;
}

// A pool window's pair on rows too long to hold in registers (kernel
// module): both pixels gathered into ws once, then every undecided channel
// of u counted on carry-save planes from its weight row (bcsa.ts). As in
// cell2v, the counts meet their thresholds after the loop (intervals in
// the vector form at ivv, counts after the gathered words) when they fit
// its i16 compares; on longer rows one by one (intervals at iv).
function csaPair(a: usize, b: usize, u: u64, f: u64, w: usize, iv: usize, ivv: usize, n: i32, ws: usize): u64 {
  const pairs = (n + 1) >> 1;
  const res = ws + (<usize>pairs << 5);
  gatherPair(ws, a, b, 0, 1, n);
  const all = u;
  const step = <usize>n << 3;
  if (n <= VECTOR_COUNTS_MAX_WORDS) {
    const cs = ws + <usize>csaWorkspaceBytes(1, n);
    while (u != 0) {
      const lo = <usize>ctz(u);
      u &= u - 1;
      csaRowCounts(ws, n, w + lo * step, cs + (lo << 1), COUNTS_B, true);
    }
    return pairOutcome(cs, ivv, f, all, 0, 0);
  }
  let ba: u64 = 0, bb: u64 = 0;
  while (u != 0) {
    const lo = <usize>ctz(u);
    const bit = u & (0 - u);
    u ^= bit;
    csaRowCounts(ws, n, w + lo * step, res, 4, false);
    const t = load<u64>(iv + (lo << 3));
    ba |= select<u64>(bit, 0, inInterval(t, load<u32>(res)));
    bb |= select<u64>(bit, 0, inInterval(t, load<u32>(res, 4)));
  }
  return (ba ^ f) & (bb ^ f) & all;
}

/** The longest rows xnorRowsBits is used for: the carry-save pairs' limit. */
export const ROWS_MAX_WORDS = 12;

/**
 * A binary layer with bit output and no pool after it, by the pool's pair
 * kernels: rows [M] of rowWords words (bit im2col rows, or the packed input
 * itself for 1x1 convs and dense layers) two at a time, every channel of
 * both, into out [M][words(OC)]. Weights and intervals as xnorConvPool. On
 * short rows this beats the tiled GEMM, whose per-tile costs dominate
 * there; the engine takes it for rows of up to 12 words (carry-save planes,
 * kernel module). ws: as xnorConvPool's pws.
 */
export function xnorRowsBits(rows: usize, M: i32, rowWords: i32, OC: i32, wrows: usize, thr: usize, out: usize, ws: usize): void {
  const cw = words(OC);
  const rowBytes = <usize>rowWords << 3, outBytes = <usize>cw << 3;
  const pair = pairOf(rowWords);
  const vec = vectorPairs(rowWords);
  for (let m = 0; m < M; m += 2) {
    const ra = rows + <usize>m * rowBytes, oa = out + <usize>m * outBytes;
    // an odd last row is paired with itself, both results to the same place
    const last = m + 1 == M;
    const rb = last ? ra : ra + rowBytes, ob = last ? oa : oa + outBytes;
    for (let j = 0; j < cw; j++) {
      const valid = validWord(OC, j);
      const jb = <usize>j << 3;
      const iv = vec ? vectorIntervals(thr, OC) + (<usize>j << 8) : thr + (<usize>j << 9);
      if (ASC_FEATURE_SIMD) {
        // a last row alone on vectors: its words two per vector, not in both lanes
        if (vec && last) {
          rowAlone(ra, valid, wrows + (<usize>j << 6) * rowBytes, iv, oa + jb, ws, rowWords);
          continue;
        }
      }
      pair(ra, rb, valid, 0, wrows + (<usize>j << 6) * rowBytes, iv, rowBytes, oa + jb, ob + jb, ws);
    }
  }
}

/**
 * The thresholds (bit -1 when (flip ? -dot : dot) < thr, dot = K - 2*pc) as
 * intervals of pc in [0, K]: u32 pairs (lo, len) per channel.
 */
export function popcountIntervals(thr: usize, flip: usize, K: i32, OC: i32, out: usize): void {
  for (let o = 0; o < OC; o++) {
    const t = load<i32>(thr + (<usize>o << 2));
    let lo: i32, hi: i32; // [lo, hi)
    if (load<i32>(flip + (<usize>o << 2))) {
      // 2pc - K < t
      lo = 0;
      hi = ((K + t + 1) >> 1);
    } else {
      // K - 2pc < t
      lo = ((K - t) >> 1) + 1;
      hi = K + 1;
    }
    lo = min(max(lo, 0), K + 1);
    hi = min(max(hi, lo), K + 1);
    store<u32>(out + (<usize>o << 3), lo);
    store<u32>(out + (<usize>o << 3), hi - lo, 4);
  }
}

/** Canonical weight bits (HWIO, element k*OC + o) as OC rows of rowWords words. */
export function weightRows(wp: usize, K: i32, OC: i32, rowWords: i32, out: usize): void {
  memory.fill(out, 0, <usize>OC * rowWords * 8);
  for (let k = 0; k < K; k++) {
    for (let o = 0; o < OC; o++) {
      const i = <i64>k * OC + o;
      if ((<u32>load<u8>(wp + <usize>(i >> 3)) >> <u32>(i & 7)) & 1) {
        const q = out + (<usize>o * rowWords + (k >> 6)) * 8;
        store<u64>(q, load<u64>(q) | ((<u64>1) << <u64>(k & 63)));
      }
    }
  }
}

// cell2 for n = 1..12 words, the kernel module's form. Word k of both
// pixels shares a vector ([a_k, b_k], loaded once per pair) and meets the
// channel's weight word k in both lanes at once. The n XOR words are then
// added bit-wise by carry-save adders (full adders on whole vectors) into
// bit planes of weight 1, 2, 4 and 8, so a pixel's popcount takes one
// scalar popcnt per plane rather than one per word: 3 instead of 5 for a
// 5-word row, 4 instead of 9 or 12. The per-lane popcnt needs each lane
// moved to a general register, and on x64 those moves, not the popcnts,
// bound the loop. Exact: the planes hold each bit position's count in
// binary, so the weighted plane popcounts sum to the same count. The
// counts go to cs by channel and meet the thresholds after the loop, eight
// channels per compare (pairOutcome), rather than one by one in the loop.
// @ts-ignore: decorator
@inline function cell2v(n: i32, a: usize, b: usize, u: u64, f: u64, w: usize, iv: usize, da: usize, db: usize, cs: usize): u64 {
  const p0 = pixelPair(n, 0, a, b), p1 = pixelPair(n, 1, a, b), p2 = pixelPair(n, 2, a, b), p3 = pixelPair(n, 3, a, b);
  const p4 = pixelPair(n, 4, a, b), p5 = pixelPair(n, 5, a, b), p6 = pixelPair(n, 6, a, b), p7 = pixelPair(n, 7, a, b);
  const p8 = pixelPair(n, 8, a, b), p9 = pixelPair(n, 9, a, b), p10 = pixelPair(n, 10, a, b), p11 = pixelPair(n, 11, a, b);
  const all = u;
  const step = <usize>n << 3;
  if ((u & (u + 1)) == 0) {
    // channels 0 to k - 1 (a pair's first window pixels, rows): in order,
    // the row and count slot stepped rather than found from the channel
    const end = w + <usize>popcnt(u) * step;
    for (let r = w, q = cs; r < end; r += step, q += 2) {
      channelCounts(n, p0, p1, p2, p3, p4, p5, p6, p7, p8, p9, p10, p11, r, q);
    }
  } else {
    while (u != 0) {
      const lo = <usize>ctz(u);
      u &= u - 1;
      channelCounts(n, p0, p1, p2, p3, p4, p5, p6, p7, p8, p9, p10, p11, w + lo * step, cs + (lo << 1));
    }
  }
  return pairOutcome(cs, iv, f, all, da, db);
}

// One channel's counts for both pixels of the pair (words p0.. as in
// cell2v) against its weight row at r, to q (pixel a) and q + COUNTS_B.
// @ts-ignore: decorator
@inline function channelCounts(n: i32, p0: v128, p1: v128, p2: v128, p3: v128, p4: v128, p5: v128, p6: v128, p7: v128,
  p8: v128, p9: v128, p10: v128, p11: v128, r: usize, q: usize): void {
  const x0 = xorWeight(n, 0, p0, r), x1 = xorWeight(n, 1, p1, r), x2 = xorWeight(n, 2, p2, r);
  const x3 = xorWeight(n, 3, p3, r), x4 = xorWeight(n, 4, p4, r), x5 = xorWeight(n, 5, p5, r);
  const x6 = xorWeight(n, 6, p6, r), x7 = xorWeight(n, 7, p7, r), x8 = xorWeight(n, 8, p8, r);
  const x9 = xorWeight(n, 9, p9, r), x10 = xorWeight(n, 10, p10, r), x11 = xorWeight(n, 11, p11, r);
  // weight 1: the n words two at a time into `ones`; carries c0.. (n >> 1 of them)
  let ones = x0;
  const c0 = carryOf(n, 1, ones, x1, x2); ones = sumOf(n, 1, ones, x1, x2);
  const c1 = carryOf(n, 3, ones, x3, x4); ones = sumOf(n, 3, ones, x3, x4);
  const c2 = carryOf(n, 5, ones, x5, x6); ones = sumOf(n, 5, ones, x5, x6);
  const c3 = carryOf(n, 7, ones, x7, x8); ones = sumOf(n, 7, ones, x7, x8);
  const c4 = carryOf(n, 9, ones, x9, x10); ones = sumOf(n, 9, ones, x9, x10);
  const c5 = carryOf(n, 11, ones, x11, x11); ones = sumOf(n, 11, ones, x11, x11);
  // weight 2: the carries the same way, then weight 4 and 8
  const n2 = n >> 1, n4 = n2 >> 1;
  let twos = c0;
  const d0 = carryOf(n2, 1, twos, c1, c2); twos = sumOf(n2, 1, twos, c1, c2);
  const d1 = carryOf(n2, 3, twos, c3, c4); twos = sumOf(n2, 3, twos, c3, c4);
  const d2 = carryOf(n2, 5, twos, c5, c5); twos = sumOf(n2, 5, twos, c5, c5);
  let fours = d0;
  const eights = carryOf(n4, 1, fours, d1, d2); fours = sumOf(n4, 1, fours, d1, d2);
  store<u16>(q, <u16>planesPopcount(n, 0, ones, twos, fours, eights));
  store<u16>(q, <u16>planesPopcount(n, 1, ones, twos, fours, eights), COUNTS_B);
}

/** Bytes of the vector pairs' counts workspace: pixel a's and pixel b's u16 counts of 64 channels. */
export const PAIR_COUNTS_BYTES: i32 = 256;
const COUNTS_B: usize = 128;

/**
 * The workspace xnorConvPool (pws) and xnorRowsBits (ws) need for rows of
 * rowWords words and OC channels, plus 16 bytes to align it (the pairs'
 * parts are used in the kernel module only).
 */
export function pairWorkspaceBytes(rowWords: i32, OC: i32): i32 {
  return referenceBitsAt(rowWords) + (words(OC) << 3) + 16 + 16;
}

// Where xnorConvPool's reference bits (u64 per 64 channels) start in the
// workspace, after the pairs' own parts; then the list of a window's
// pixels left to compute (four usize).
// @ts-ignore: decorator
@inline function referenceBitsAt(rowWords: i32): i32 {
  return (rowWords > ROWS_MAX_WORDS ? csaWorkspaceBytes(1, rowWords) : 0) + PAIR_COUNTS_BYTES;
}

/** The longest rows whose counts (at most 64 per word) fit the i16 compares of pairOutcome. */
export const VECTOR_COUNTS_MAX_WORDS = 511;

// Whether rows of rowWords words go by the kernel module's vector pairs (cell2v).
// @ts-ignore: decorator
@inline function vectorPairs(rowWords: i32): bool {
  return ASC_FEATURE_SIMD && rowWords <= ROWS_MAX_WORDS;
}

/**
 * Where the intervals in the vector form follow the (lo, len) pairs of
 * popcountIntervals at thr: per 64-channel word 256 bytes, the 64 channels'
 * lo - 1 as i16, then their lo + len - 1 (a count pc is in the interval
 * when lo - 1 < pc and not hi - 1 < pc: two signed compares). Channels
 * past OC get an empty interval.
 */
// @ts-ignore: decorator
@inline export function vectorIntervals(thr: usize, OC: i32): usize {
  return (thr + (<usize>OC << 3) + 15) & ~<usize>15;
}

/** Bytes vectorIntervals needs after the (lo, len) pairs of OC channels, alignment included. */
export function vectorIntervalsBytes(OC: i32): i32 {
  return 16 + (words(OC) << 8);
}

/**
 * Writes the vector form of the intervals of OC channels at thr (see
 * vectorIntervals), for counts of at most K bits; nothing when they do
 * not fit an i16 (the kernels then test the (lo, len) pairs).
 */
export function vectorIntervalsOf(thr: usize, OC: i32, K: i32): void {
  if (words(K) > VECTOR_COUNTS_MAX_WORDS) return;
  const out = vectorIntervals(thr, OC);
  for (let o = 0; o < words(OC) << 6; o++) {
    // every bound is in [-1, K]: an i16
    let lo: i32 = i16.MAX_VALUE, hi: i32 = i16.MAX_VALUE;
    if (o < OC) {
      lo = <i32>load<u32>(thr + (<usize>o << 3)) - 1;
      hi = lo + <i32>load<u32>(thr + (<usize>o << 3), 4);
    }
    const q = out + (<usize>(o >> 6) << 8) + (<usize>(o & 63) << 1);
    store<i16>(q, <i16>lo);
    store<i16>(q, <i16>hi, 128);
  }
}

// The outcome of a pair (pairResult) from both pixels' counts (u16 per
// channel at cs and cs + COUNTS_B) in their intervals (vector form at iv),
// for the channel groups of eight that `all` touches (the other slots hold
// stale counts: their bits are masked). Both pixels' compares of a group
// share the bound loads and one bitmask.
// @ts-ignore: decorator
@inline function pairOutcome(cs: usize, iv: usize, f: u64, all: u64, da: usize, db: usize): u64 {
  let ba: u64 = 0, bb: u64 = 0;
  for (let g: usize = 0; g < 64; g += 8) {
    if (((all >> <u64>g) & 0xff) == 0) continue;
    const lo = v128.load(iv + (g << 1)), hi = v128.load(iv + (g << 1), 128);
    const ca = v128.load(cs + (g << 1)), cb = v128.load(cs + (g << 1), <u32>COUNTS_B);
    const ina = v128.andnot(i16x8.gt_s(ca, lo), i16x8.gt_s(ca, hi)), inb = v128.andnot(i16x8.gt_s(cb, lo), i16x8.gt_s(cb, hi));
    const m = <u64>i8x16.bitmask(i8x16.narrow_i16x8_s(ina, inb));
    ba |= (m & 0xff) << <u64>g;
    bb |= (m >> 8) << <u64>g;
  }
  return pairResult(ba & all, bb & all, f, all, da, db);
}

// One row (at a, n words, n <= 12) for the channels of u, its bits stored
// at da: the kernel module's pair (cell2v) for a row without a partner
// (the last of an odd count, a dense layer on one image). Its words go two
// per vector against the weight row's, so the carry-save adders take
// half as many vectors and half as many lanes go to popcnt as when the row
// is paired with itself.
// @ts-ignore: decorator
@inline function cell1v(n: i32, a: usize, u: u64, w: usize, iv: usize, da: usize, cs: usize): void {
  const p0 = rowVector(n, 0, a), p1 = rowVector(n, 1, a), p2 = rowVector(n, 2, a);
  const p3 = rowVector(n, 3, a), p4 = rowVector(n, 4, a), p5 = rowVector(n, 5, a);
  const m = (n + 1) >> 1, step = <usize>n << 3;
  const all = u;
  while (u != 0) {
    const lo = <usize>ctz(u);
    u &= u - 1;
    const r = w + lo * step;
    const x0 = v128.xor(p0, rowVector(n, 0, r)), x1 = v128.xor(p1, rowVector(n, 1, r)), x2 = v128.xor(p2, rowVector(n, 2, r));
    const x3 = v128.xor(p3, rowVector(n, 3, r)), x4 = v128.xor(p4, rowVector(n, 4, r)), x5 = v128.xor(p5, rowVector(n, 5, r));
    let ones = x0;
    const c0 = carryOf(m, 1, ones, x1, x2); ones = sumOf(m, 1, ones, x1, x2);
    const c1 = carryOf(m, 3, ones, x3, x4); ones = sumOf(m, 3, ones, x3, x4);
    const c2 = carryOf(m, 5, ones, x5, x5); ones = sumOf(m, 5, ones, x5, x5);
    const m2 = m >> 1;
    let twos = c0;
    const fours = carryOf(m2, 1, twos, c1, c2); twos = sumOf(m2, 1, twos, c1, c2);
    const c = planesPopcount(m, 0, ones, twos, fours, fours) + planesPopcount(m, 1, ones, twos, fours, fours);
    // the same count as both pixels of pairOutcome's pair
    const q = cs + (lo << 1);
    store<u16>(q, <u16>c);
    store<u16>(q, <u16>c, COUNTS_B);
  }
  pairOutcome(cs, iv, 0, all, da, da);
}

// Words 2k and 2k + 1 of an n-word row at r (zero past the row).
// @ts-ignore: decorator
@inline function rowVector(n: i32, k: i32, r: usize): v128 {
  if (2 * k >= n) return i64x2.splat(0);
  const o = <usize>k << 4;
  return 2 * k + 1 < n ? v128.load(r + o) : v128.load64_zero(r + o);
}

function rowAlone(a: usize, u: u64, w: usize, iv: usize, da: usize, cs: usize, rowWords: i32): void {
  switch (rowWords) {
    case 1: cell1v(1, a, u, w, iv, da, cs); break;
    case 2: cell1v(2, a, u, w, iv, da, cs); break;
    case 3: cell1v(3, a, u, w, iv, da, cs); break;
    case 4: cell1v(4, a, u, w, iv, da, cs); break;
    case 5: cell1v(5, a, u, w, iv, da, cs); break;
    case 6: cell1v(6, a, u, w, iv, da, cs); break;
    case 7: cell1v(7, a, u, w, iv, da, cs); break;
    case 8: cell1v(8, a, u, w, iv, da, cs); break;
    case 9: cell1v(9, a, u, w, iv, da, cs); break;
    case 10: cell1v(10, a, u, w, iv, da, cs); break;
    case 11: cell1v(11, a, u, w, iv, da, cs); break;
    default: cell1v(12, a, u, w, iv, da, cs);
  }
}

// [a_k, b_k]: word k of both pixels (zero past the row's n words).
// @ts-ignore: decorator
@inline function pixelPair(n: i32, k: i32, a: usize, b: usize): v128 {
  if (k >= n) return i64x2.splat(0);
  const o = <usize>k << 3;
  return v128.load64_lane(b + o, v128.load64_zero(a + o), 1);
}

// word k of the row at r in both lanes, XOR the pixel pair p.
// @ts-ignore: decorator
@inline function xorWeight(n: i32, k: i32, p: v128, r: usize): v128 {
  if (k >= n) return i64x2.splat(0);
  return v128.xor(p, splatWord(k, r));
}

// word k of the row at r in both lanes, its offset a literal of the load
// (an address computed per word costs an add per load in V8's code).
// @ts-ignore: decorator
@inline function splatWord(k: i32, r: usize): v128 {
  switch (k) {
    case 0: return v128.load64_splat(r);
    case 1: return v128.load64_splat(r, 8);
    case 2: return v128.load64_splat(r, 16);
    case 3: return v128.load64_splat(r, 24);
    case 4: return v128.load64_splat(r, 32);
    case 5: return v128.load64_splat(r, 40);
    case 6: return v128.load64_splat(r, 48);
    case 7: return v128.load64_splat(r, 56);
    case 8: return v128.load64_splat(r, 64);
    case 9: return v128.load64_splat(r, 72);
    case 10: return v128.load64_splat(r, 80);
    default: return v128.load64_splat(r, 88);
  }
}

// Adding words k and k+1 (of a list of n) to s: the carry (majority, or
// AND when only word k exists) and the sum (XOR). Nothing past the list.
// @ts-ignore: decorator
@inline function carryOf(n: i32, k: i32, s: v128, x: v128, y: v128): v128 {
  if (k >= n) return i64x2.splat(0);
  if (k + 1 >= n) return v128.and(s, x);
  return carry3(s, x, y);
}
// @ts-ignore: decorator
@inline function sumOf(n: i32, k: i32, s: v128, x: v128, y: v128): v128 {
  if (k >= n) return s;
  if (k + 1 >= n) return v128.xor(s, x);
  return sum3(s, x, y);
}

// The count in lane l: the planes' popcounts by their weights (the planes
// an n-word sum cannot reach are left out).
// @ts-ignore: decorator
@inline function planesPopcount(n: i32, l: i32, ones: v128, twos: v128, fours: v128, eights: v128): u64 {
  let c = popcnt(laneWord(ones, l));
  if (n >= 2) c += popcnt(laneWord(twos, l)) << 1;
  if (n >= 4) c += popcnt(laneWord(fours, l)) << 2;
  if (n >= 8) c += popcnt(laneWord(eights, l)) << 3;
  return c;
}

function pairV1(a: usize, b: usize, u: u64, f: u64, w: usize, iv: usize, rb: usize, da: usize, db: usize, cs: usize): u64 { return cell2v(1, a, b, u, f, w, iv, da, db, cs); }
function pairV2(a: usize, b: usize, u: u64, f: u64, w: usize, iv: usize, rb: usize, da: usize, db: usize, cs: usize): u64 { return cell2v(2, a, b, u, f, w, iv, da, db, cs); }
function pairV3(a: usize, b: usize, u: u64, f: u64, w: usize, iv: usize, rb: usize, da: usize, db: usize, cs: usize): u64 { return cell2v(3, a, b, u, f, w, iv, da, db, cs); }
function pairV4(a: usize, b: usize, u: u64, f: u64, w: usize, iv: usize, rb: usize, da: usize, db: usize, cs: usize): u64 { return cell2v(4, a, b, u, f, w, iv, da, db, cs); }
function pairV5(a: usize, b: usize, u: u64, f: u64, w: usize, iv: usize, rb: usize, da: usize, db: usize, cs: usize): u64 { return cell2v(5, a, b, u, f, w, iv, da, db, cs); }
function pairV6(a: usize, b: usize, u: u64, f: u64, w: usize, iv: usize, rb: usize, da: usize, db: usize, cs: usize): u64 { return cell2v(6, a, b, u, f, w, iv, da, db, cs); }
function pairV7(a: usize, b: usize, u: u64, f: u64, w: usize, iv: usize, rb: usize, da: usize, db: usize, cs: usize): u64 { return cell2v(7, a, b, u, f, w, iv, da, db, cs); }
function pairV8(a: usize, b: usize, u: u64, f: u64, w: usize, iv: usize, rb: usize, da: usize, db: usize, cs: usize): u64 { return cell2v(8, a, b, u, f, w, iv, da, db, cs); }
function pairV9(a: usize, b: usize, u: u64, f: u64, w: usize, iv: usize, rb: usize, da: usize, db: usize, cs: usize): u64 { return cell2v(9, a, b, u, f, w, iv, da, db, cs); }
function pairV10(a: usize, b: usize, u: u64, f: u64, w: usize, iv: usize, rb: usize, da: usize, db: usize, cs: usize): u64 { return cell2v(10, a, b, u, f, w, iv, da, db, cs); }
function pairV11(a: usize, b: usize, u: u64, f: u64, w: usize, iv: usize, rb: usize, da: usize, db: usize, cs: usize): u64 { return cell2v(11, a, b, u, f, w, iv, da, db, cs); }
function pairV12(a: usize, b: usize, u: u64, f: u64, w: usize, iv: usize, rb: usize, da: usize, db: usize, cs: usize): u64 { return cell2v(12, a, b, u, f, w, iv, da, db, cs); }

// The float-input, ±1-weight conv (infer-sign.ts) for stride-1 rows, with
// pixels in the SIMD lanes instead of channels. Each output channel is a
// run of float32 additions of ±x over its taps; with a channel per lane
// every term needs an XOR to apply its own sign, but with four neighbouring
// pixels per lane group the sign is the same for the whole vector. So the
// input is copied once per image into channel planes, padded, in both
// signs, and a term is one load (from the + or - plane, picked by a
// per-(channel, tap) offset table) and one add: half the vector ALU work
// of the channel-lane kernel, for the same additions in the same order.
// SIMD only (callers test ASC_FEATURE_SIMD).
import { OUT_BITS, words } from "./infer-bits";
import { KC } from "./infer-float";
import { INT_MAX_K, intBytes, intSetupBytes, intSetup, intPlanes, intBackground, intRowBits, intRowPairBits, rowChunks } from "./infer-signint";

// @ts-ignore: decorator
@inline function planeWidth(CW: i32, KW: i32): i32 {
  // whole groups of 32 pixels may be computed, reading up to 31 columns past the row
  return ((CW + 31) & ~31) + KW - 1;
}

/**
 * Per-call workspace of signConvRows: the two signed planes, pixel words
 * of one group, half-pooled words of one row (poolRows), the stack of
 * shared prefix sums, background bits, foreground spans per plane row, and
 * the integer path's planes (infer-signint.ts intBytes).
 */
export function signRowsBytes(C: i32, KH: i32, KW: i32, SH: i32, OC: i32, OH: i32, OW: i32): i64 {
  const K = KH * KW * C;
  const Hp = (OH - 1) * SH + KH;
  return 2 * <i64>C * Hp * planeWidth(OW, KW) * 4 + 32 * <i64>words(OC) * 8 + 16 +
    <i64>((OW + 31) >> 5) * words(OC) * 256 + (<i64>K + 1) * 128 + 16 +
    <i64>OC * 4 + 16 + <i64>Hp * 8 + intBytes(K, C, Hp, planeWidth(OW, KW)) + 16;
}

// Up to this many taps the channels share the partial sums of their common
// sign prefixes (sharedPrefixes): the saving is about OC·log2(OC) additions
// whatever K is, so it pays for the small first layers (3x3 on 1-3 channels).
const SHARED_MAX_K = 64;

// Layout of the per-layer setup (signRowsSetup, in plan memory): the tap
// table (u32 [OC][K]), the compare signs of the canonical channels, the
// shared prefixes' order / start / save (i32 [OC] each), then the integer
// path's setup, 16-aligned.
// @ts-ignore: decorator
@inline function flipsAt(setup: usize, K: i32, OC: i32): usize { return setup + (<usize>OC * K << 2); }
// @ts-ignore: decorator
@inline function orderAt(setup: usize, K: i32, OC: i32): usize { return flipsAt(setup, K, OC) + (<usize>OC << 2); }
// @ts-ignore: decorator
@inline function intSetupAt(setup: usize, K: i32, OC: i32): usize { return (orderAt(setup, K, OC) + (<usize>OC * 3 << 2) + 15) & ~<usize>15; }

// @ts-ignore: decorator
@inline function integerPath(K: i32, mode: i32): bool { return mode == OUT_BITS && K <= INT_MAX_K; }
// Whether channels whose first tap is - are summed negated (tapTable's canonical).
// @ts-ignore: decorator
@inline function canonicalChannels(K: i32, mode: i32): bool { return K <= SHARED_MAX_K && mode == OUT_BITS; }

/** Bytes of signConvRows' per-layer setup (signRowsSetup). */
export function signRowsSetupBytes(C: i32, KH: i32, KW: i32, OC: i32, mode: i32): i64 {
  const K = KH * KW * C;
  return <i64>OC * K * 4 + <i64>OC * 16 + 16 + (integerPath(K, mode) ? intSetupBytes(K, OC) : 0);
}

/**
 * What signConvRows needs of a layer that no image changes, computed once
 * when the plan is built: the tap table, the canonical compare signs, the
 * channels' shared prefixes and the integer path's setup. Arguments as
 * signConvRows'; setup: signRowsSetupBytes(..) bytes, 16-aligned.
 */
export function signRowsSetup(setup: usize, C: i32, KH: i32, KW: i32, SH: i32, CH: i32, CW: i32, OC: i32,
  masks: usize, mode: i32, p1: usize, p2: usize): void {
  const K = KH * KW * C;
  const OCp = (OC + 3) & ~3;
  const Hp = (CH - 1) * SH + KH, Wp = planeWidth(CW, KW);
  const rowStride = <usize>Wp << 2, planeBytes = <usize>Hp * rowStride;
  const neg = planeBytes * <usize>C;
  const shared = K <= SHARED_MAX_K;
  if (integerPath(K, mode)) intSetup(intSetupAt(setup, K, OC), C, KH, KW, Hp, Wp, OC, OCp, masks, p1, p2);
  // with bit outputs, a channel whose first tap is - sums the exact negation
  // instead (all its signs swapped) and flips its compare: twice as many
  // channels then share each prefix
  const tab = setup, flips = flipsAt(setup, K, OC), order = orderAt(setup, K, OC);
  tapTable(C, KH, KW, OC, OCp, masks, neg, planeBytes, rowStride, tab, canonicalChannels(K, mode), p2, flips);
  if (shared) sharedPrefixes(tab, K, OC, neg, order, order + (<usize>OC << 2), order + (<usize>OC << 3));
}

/**
 * As signConv (same arguments and output, but the weights are in setup)
 * for SW = 1. setup: the layer's signRowsSetup; ws: signRowsBytes(..)
 * bytes. poolRows (bit outputs, CH and CW even): a 2x2 max-pool with
 * stride 2 follows, done here on the pixel words as bitMaxPool does it
 * (poolMask: u64 per 64 channels, 1 = OR, or 0), and out is the pool's
 * output [N][CH/2][CW/2][words(OC)].
 */
export function signConvRows(X: usize, N: i32, H: i32, W: i32, C: i32, KH: i32, KW: i32, SH: i32,
  padT: i32, padL: i32, CH: i32, CW: i32, padValue: f32, OC: i32,
  mode: i32, p1: usize, p2: usize, out: usize, setup: usize, ws: usize, poolRows: bool, poolMask: usize): void {
  const K = KH * KW * C;
  const Hp = (CH - 1) * SH + KH, Wp = planeWidth(CW, KW);
  const rowStride = <usize>Wp << 2, planeBytes = <usize>Hp * rowStride;
  const tab = setup, planes = ws;
  const pixWords = words(OC);
  const neg = planeBytes * <usize>C;
  const chanBits = planes + (neg << 1); // u32 per channel (32 pixels), padded to whole 32s
  const shared = K <= SHARED_MAX_K;
  const order = orderAt(setup, K, OC), start = order + (<usize>OC << 2), save = start + (<usize>OC << 2);
  const pending = (chanBits + (<usize>pixWords << 8) + 15) & ~<usize>15; // poolRows: [groups][chunks][32] u32
  const stack = pending + (<usize>((CW + 31) >> 5) * pixWords << 8); // partial sums: K + 1 depths x 8 vectors
  const bgTab = (stack + (<usize>(K + 1) << 7) + 15) & ~<usize>15; // u32 [OC]: bits of a window of background
  const spans = (bgTab + (<usize>OC << 2) + 15) & ~<usize>15; // i32 [Hp][2]: rowSpans
  // bit outputs of images of 8-bit values: integer sums (infer-signint.ts)
  const iws = spans + (<usize>Hp << 3), iset = intSetupAt(setup, K, OC);
  const integer = integerPath(K, mode);
  // a pool's two rows computed together on the integer path (stride 1, kernel rows of whole chunks)
  const rowPairs = integer && poolRows && SH == 1 && rowChunks(C, KW) > 0;
  // the canonical channels' compare signs (signRowsSetup)
  if (canonicalChannels(K, mode)) p2 = flipsAt(setup, K, OC);
  const rowOut: usize = mode == OUT_BITS ? <usize>pixWords << 3 : <usize>OC << 2;
  for (let n = 0; n < N; n++) {
    fillPlanes(X + <usize>n * H * W * C * 4, H, W, C, padT, padL, Hp, Wp, padValue, planes);
    // the image's background: the value of its first pixel (channel 0)
    const bg = load<u32>(planes + ((<usize>padT * Wp + padL) << 2));
    // (the integer planes come with the row spans)
    const intImage = integer && intPlanes(iws, K, planes, C, Hp, Wp, bg, spans);
    if (!intImage) negPlanes(planes, neg);
    if (mode == OUT_BITS) {
      if (!intImage || !intBackground(iset, K, OC, bg, bgTab)) backgroundBits(tab, K, OC, neg, bg, p1, p2, bgTab);
      if (!intImage) rowSpans(planes, planeBytes, rowStride, C, Hp, Wp, bg, spans);
    }
    const img = out + <usize>n * CH * CW * rowOut;
    const pooledImg = out + (<usize>n * (CH >> 1) * (CW >> 1) * pixWords << 3);
    for (let oy = 0; oy < CH; oy++) {
      const rowBase = planes + <usize>oy * SH * rowStride;
      if (intImage && rowPairs) {
        // a pool's row pair at once (intRowPairBits), from the foreground
        // span of both rows' windows (KH + 1 plane rows)
        for (let ox = 0; ox < CW; ox += 32) {
          const dst = pooledImg + ((<usize>(oy >> 1) * (CW >> 1) + (ox >> 1)) * pixWords << 3);
          const full = min(32, CW - ox);
          const span = groupSpan(spans, oy, KH + 1, ox, full + KW - 1);
          const a0 = max(0, <i32>(span >> 32) - (KW - 1)), b0 = min(full, <i32>span + 1);
          if (b0 <= a0) memory.copy(chanBits, bgTab, <usize>OC << 2);
          else {
            const sh = a0 & ~3;
            intRowPairBits(iset, iws, C, KH, KW, Hp, Wp, OC, oy, ox + sh, b0 - sh, sh, bgTab, chanBits,
              rowBase + (<usize>(ox + sh) << 2), tab, neg, p1, p2, poolMask);
          }
          pixelWords(chanBits, OC, full, dst, pixWords, true, 1, poolMask, 0);
        }
        oy++;
        continue;
      }
      for (let ox = 0; ox < CW; ox += 32) {
        const dst = poolRows
          ? pooledImg + ((<usize>(oy >> 1) * (CW >> 1) + (ox >> 1)) * pixWords << 3)
          : img + (<usize>oy * CW + ox) * rowOut;
        let np = min(32, CW - ox);
        let G = (np + 3) >> 2;
        // background skip (bit outputs): a pixel whose window holds only the
        // image's background value sums the same ±bg terms in the same order
        // on every such pixel, so its bits are a per-channel constant
        // (backgroundBits); only the pixels between the first and last window
        // touching another value are computed, from a multiple of 4 (8-bit
        // images: the background of MNIST-like digits)
        let sh = 0, full = np;
        if (mode == OUT_BITS) {
          const span = groupSpan(spans, oy * SH, KH, ox, np + KW - 1);
          const a0 = max(0, <i32>(span >> 32) - (KW - 1)), b0 = min(np, <i32>span + 1);
          if (b0 <= a0) {
            memory.copy(chanBits, bgTab, <usize>OC << 2);
            pixelWords(chanBits, OC, np, dst, pixWords, poolRows, oy & 1, poolMask, pending + (<usize>(ox >> 5) * pixWords << 8));
            continue;
          }
          sh = a0 & ~3;
          np = b0 - sh;
          G = (np + 3) >> 2;
        }
        const base = rowBase + (<usize>(ox + sh) << 2);
        if (intImage) {
          intRowBits(iset, iws, C, KH, KW, Hp, Wp, OC, oy * SH, ox + sh, np, sh, bgTab, chanBits, base, tab, neg, p1, p2);
          pixelWords(chanBits, OC, full, dst, pixWords, poolRows, oy & 1, poolMask, pending + (<usize>(ox >> 5) * pixWords << 8));
          continue;
        }
        if (shared) {
          for (let j = 0; j < OC; j++) {
            const o = load<i32>(order + (<usize>j << 2));
            const t = tab + (<usize>(o * K) << 2);
            const k0 = load<i32>(start + (<usize>j << 2)), ks = load<i32>(save + (<usize>j << 2));
            switch (G) {
              case 8: groupShared(8, base, t, K, k0, ks, stack, o, OC, np, mode, p1, p2, dst, chanBits); break;
              case 7: groupShared(7, base, t, K, k0, ks, stack, o, OC, np, mode, p1, p2, dst, chanBits); break;
              case 6: groupShared(6, base, t, K, k0, ks, stack, o, OC, np, mode, p1, p2, dst, chanBits); break;
              case 5: groupShared(5, base, t, K, k0, ks, stack, o, OC, np, mode, p1, p2, dst, chanBits); break;
              case 4: groupShared(4, base, t, K, k0, ks, stack, o, OC, np, mode, p1, p2, dst, chanBits); break;
              case 3: groupShared(3, base, t, K, k0, ks, stack, o, OC, np, mode, p1, p2, dst, chanBits); break;
              case 2: groupShared(2, base, t, K, k0, ks, stack, o, OC, np, mode, p1, p2, dst, chanBits); break;
              default: groupShared(1, base, t, K, k0, ks, stack, o, OC, np, mode, p1, p2, dst, chanBits);
            }
          }
          if (mode == OUT_BITS) {
            placeBits(chanBits, OC, bgTab, sh, G << 2);
            pixelWords(chanBits, OC, full, dst, pixWords, poolRows, oy & 1, poolMask, pending + (<usize>(ox >> 5) * pixWords << 8));
          }
          continue;
        }
        for (let o = 0; o < OC; o++) {
          const t = tab + (<usize>(o * K) << 2);
          // one specialised copy per vector count: no per-vector tests in the tap loop
          switch (G) {
            case 8: group(8, base, t, K, o, OC, np, mode, p1, p2, dst, chanBits); break;
            case 7: group(7, base, t, K, o, OC, np, mode, p1, p2, dst, chanBits); break;
            case 6: group(6, base, t, K, o, OC, np, mode, p1, p2, dst, chanBits); break;
            case 5: group(5, base, t, K, o, OC, np, mode, p1, p2, dst, chanBits); break;
            case 4: group(4, base, t, K, o, OC, np, mode, p1, p2, dst, chanBits); break;
            case 3: group(3, base, t, K, o, OC, np, mode, p1, p2, dst, chanBits); break;
            case 2: group(2, base, t, K, o, OC, np, mode, p1, p2, dst, chanBits); break;
            default: group(1, base, t, K, o, OC, np, mode, p1, p2, dst, chanBits);
          }
        }
        if (mode == OUT_BITS) {
          placeBits(chanBits, OC, bgTab, sh, G << 2);
          pixelWords(chanBits, OC, full, dst, pixWords, poolRows, oy & 1, poolMask, pending + (<usize>(ox >> 5) * pixWords << 8));
        }
      }
    }
  }
}

// Byte offset of each channel's taps in the planes, in summation order (kh,
// kw, c). canonical: channels starting with a - tap get every sign swapped,
// and flips[o] = flip[o] with the sign bit toggled (else flips[o] = flip[o]).
// Exact for the bits: the sum is then -t to the bit, or +0 where t is -0
// (x + -x rounds to +0 in both orders), and compares cannot tell -0 from +0.
function tapTable(C: i32, KH: i32, KW: i32, OC: i32, OCp: i32, masks: usize, neg: usize, planeBytes: usize,
  rowStride: usize, tab: usize, canonical: bool, flip: usize, flips: usize): void {
  const K = KH * KW * C;
  for (let o = 0; o < OC; o++) {
    const swap = canonical && load<u32>(masks + (<usize>o << 2)) != 0;
    let k = 0;
    for (let kh = 0; kh < KH; kh++)
      for (let kw = 0; kw < KW; kw++)
        for (let c = 0; c < C; c++, k++) {
          const minus = (load<u32>(masks + ((<usize>k * OCp + o) << 2)) != 0) != swap;
          store<u32>(tab + ((<usize>(o * K + k)) << 2), <u32>((minus ? neg : 0) + <usize>c * planeBytes + <usize>kh * rowStride + (<usize>kw << 2)));
        }
    if (canonical) store<u32>(flips + (<usize>o << 2), load<u32>(flip + (<usize>o << 2)) ^ (swap ? 0x80000000 : 0));
  }
}

// Channel o sums ±x over its taps in a fixed order (k = 0..K-1, as sgemm
// does for K <= KC), so two channels whose signs agree on the first d taps
// have bit-identical partial sums up to d. Visiting the channels sorted by
// their sign sequence, each starts from the partial sum it shares with the
// previous one (start = their common prefix length) and stores the partials
// the next one will start from (save = common prefix with the next). The
// sums, and so the outputs, are exactly those of the unshared loop.
function sharedPrefixes(tab: usize, K: i32, OC: i32, neg: usize, order: usize, start: usize, save: usize): void {
  for (let o = 0; o < OC; o++) {
    // insertion sort by sign sequence (a tap's offset is >= neg iff its sign is -)
    let j = o;
    while (j > 0 && signsBefore(tab, K, neg, o, load<i32>(order + (<usize>(j - 1) << 2)))) {
      store<i32>(order + (<usize>j << 2), load<i32>(order + (<usize>(j - 1) << 2)));
      j--;
    }
    store<i32>(order + (<usize>j << 2), o);
  }
  store<i32>(start, 0);
  for (let j = 1; j < OC; j++) {
    const l = commonPrefix(tab, K, neg, load<i32>(order + (<usize>(j - 1) << 2)), load<i32>(order + (<usize>j << 2)));
    store<i32>(start + (<usize>j << 2), l);
    store<i32>(save + (<usize>(j - 1) << 2), l);
  }
  store<i32>(save + (<usize>(OC - 1) << 2), 0);
}

// @ts-ignore: decorator
@inline function isMinus(tab: usize, K: i32, neg: usize, o: i32, k: i32): bool {
  return <usize>load<u32>(tab + (<usize>(o * K + k) << 2)) >= neg;
}

function commonPrefix(tab: usize, K: i32, neg: usize, a: i32, b: i32): i32 {
  let k = 0;
  while (k < K && isMinus(tab, K, neg, a, k) == isMinus(tab, K, neg, b, k)) k++;
  return k;
}

// Sign sequence of channel a sorts strictly before b's (+ before -).
function signsBefore(tab: usize, K: i32, neg: usize, a: i32, b: i32): bool {
  const k = commonPrefix(tab, K, neg, a, b);
  return k < K && !isMinus(tab, K, neg, a, k);
}

// The bits of every channel for a window holding only the value bg (u32
// bits of an f32), summed as group / groupShared sum (from +0, taps in
// order, blocks of KC added as sgemm adds them) and compared as finish does.
function backgroundBits(tab: usize, K: i32, OC: i32, neg: usize, bg: u32, thr: usize, flip: usize, bgTab: usize): void {
  const plus = reinterpret<f32>(bg), minus = reinterpret<f32>(bg ^ 0x80000000);
  for (let o = 0; o < OC; o++) {
    const t = tab + (<usize>(o * K) << 2);
    let s: f32 = 0;
    for (let k0 = 0; k0 < K; k0 += KC) {
      const k1 = min(K, k0 + KC);
      let a: f32 = 0;
      for (let k = k0; k < k1; k++) {
        const v = <usize>load<u32>(t + (<usize>k << 2)) >= neg ? minus : plus;
        if (k0 == 0) s = s + v;
        else a = a + v;
      }
      if (k0 > 0) s = a + s;
    }
    const q = <usize>o << 2;
    const y = reinterpret<f32>(reinterpret<u32>(s) ^ load<u32>(flip + q));
    store<u32>(bgTab + q, y < load<f32>(thr + q) ? 0xffffffff : 0);
  }
}

// Per plane row (all channels), the first and last column holding a value
// other than bg (bitwise): i32 pairs [Hp][2], first > last when none. One
// vector pass per image; a group's foreground span is then the union over
// its window rows (groupSpan).
function rowSpans(planes: usize, planeBytes: usize, rowStride: usize, C: i32, Hp: i32, Wp: i32, bg: u32, spans: usize): void {
  const b = i32x4.splat(bg);
  for (let r = 0; r < Hp; r++) {
    let first = Wp, last = -1;
    for (let c = 0; c < C; c++) {
      const row = planes + <usize>c * planeBytes + <usize>r * rowStride;
      let j = 0;
      for (; j + 4 <= Wp; j += 4) {
        const m = i32x4.bitmask(i32x4.ne(v128.load(row + (<usize>j << 2)), b));
        if (m != 0) {
          first = min(first, j + ctz(m));
          last = max(last, j + 31 - clz(m));
        }
      }
      for (; j < Wp; j++) {
        if (load<u32>(row + (<usize>j << 2)) != bg) {
          first = min(first, j);
          last = max(last, j);
        }
      }
    }
    store<i32>(spans + (<usize>r << 3), first);
    store<i32>(spans + (<usize>r << 3), last, 4);
  }
}

// First (high half) and last (low half) column, relative to column x0,
// of a value other than the background in plane rows r0..r0+KH-1 over
// `cols` columns; first > last when there is none. From rowSpans, so a
// row with foreground on both sides of the columns but none inside counts
// them all (computed, not skipped: the same bits).
function groupSpan(spans: usize, r0: i32, KH: i32, x0: i32, cols: i32): u64 {
  let first = cols, last = -1;
  for (let r = r0; r < r0 + KH; r++) {
    const f = load<i32>(spans + (<usize>r << 3)) - x0, l = load<i32>(spans + (<usize>r << 3), 4) - x0;
    if (l < 0 || f >= cols || f > l) continue;
    first = min(first, max(f, 0));
    last = max(last, min(l, cols - 1));
  }
  return (<u64>(<u32>first) << 32) | <u64>(<u32>last);
}

// The group's bits computed for pixels sh..sh+count-1 moved to their places,
// the other pixels (background windows) given each channel's background bits.
function placeBits(chanBits: usize, OC: i32, bgTab: usize, sh: i32, count: i32): void {
  if (sh == 0 && count >= 32) return;
  const keep = (count >= 32 ? <u32>0xffffffff : (<u32>1 << count) - 1) << sh;
  for (let o = 0; o < OC; o++) {
    const q = chanBits + (<usize>o << 2);
    store<u32>(q, ((load<u32>(q) << sh) & keep) | (load<u32>(bgTab + (<usize>o << 2)) & ~keep));
  }
}

// Planes [C][Hp][Wp] of the padded image (+x; negPlanes adds the -x planes).
function fillPlanes(X: usize, H: i32, W: i32, C: i32, padT: i32, padL: i32, Hp: i32, Wp: i32,
  padValue: f32, planes: usize): void {
  if (C == 3) {
    rgbPlanes(X, H, W, padT, padL, Hp, Wp, padValue, planes);
    return;
  }
  for (let c = 0; c < C; c++) {
    let p = planes + <usize>c * Hp * Wp * 4;
    for (let r = 0; r < Hp; r++) {
      const iy = r - padT;
      const inRow = iy >= 0 && iy < H;
      const j0 = inRow ? min(Wp, max(0, padL)) : Wp, j1 = inRow ? min(Wp, padL + W) : Wp;
      for (let j = 0; j < j0; j++) store<f32>(p + (<usize>j << 2), padValue);
      let src = X + ((<usize>((iy * W + j0 - padL) * C + c)) << 2);
      if (C == 1) {
        // a row is a few vectors: memory.copy's call costs more than copying them
        const d = p + (<usize>j0 << 2);
        let j = j0;
        for (; j + 4 <= j1; j += 4) v128.store(d + (<usize>(j - j0) << 2), v128.load(src + (<usize>(j - j0) << 2)));
        for (; j < j1; j++) store<f32>(d + (<usize>(j - j0) << 2), load<f32>(src + (<usize>(j - j0) << 2)));
      } else {
        for (let j = j0; j < j1; j++) {
          store<f32>(p + (<usize>j << 2), load<f32>(src));
          src += <usize>C << 2;
        }
      }
      for (let j = max(j0, j1); j < Wp; j++) store<f32>(p + (<usize>j << 2), padValue);
      p += <usize>Wp << 2;
    }
  }
}

// fillPlanes for three channels (RGB): four pixels' values are three
// vectors, and each plane's four values one pair of shuffles (the
// one-value-at-a-time loop costs about three times as much).
function rgbPlanes(X: usize, H: i32, W: i32, padT: i32, padL: i32, Hp: i32, Wp: i32, padValue: f32, planes: usize): void {
  const plane = <usize>Hp * Wp * 4;
  let p = planes;
  for (let r = 0; r < Hp; r++) {
    const iy = r - padT;
    const inRow = iy >= 0 && iy < H;
    const j0 = inRow ? min(Wp, max(0, padL)) : Wp, j1 = inRow ? min(Wp, padL + W) : Wp;
    for (let j = 0; j < j0; j++) padPixel(p + (<usize>j << 2), plane, padValue);
    let src = X + ((<usize>((iy * W + j0 - padL) * 3)) << 2);
    let j = j0;
    for (; j + 4 <= j1; j += 4) {
      const a = v128.load(src), b = v128.load(src, 16), c = v128.load(src, 32);
      const q = p + (<usize>j << 2);
      // a = r0 g0 b0 r1, b = g1 b1 r2 g2, c = b2 r3 g3 b3
      v128.store(q, i32x4.shuffle(i32x4.shuffle(a, b, 0, 3, 6, 7), c, 0, 1, 2, 5));
      v128.store(q + plane, i32x4.shuffle(i32x4.shuffle(a, b, 1, 4, 7, 7), c, 0, 1, 2, 6));
      v128.store(q + 2 * plane, i32x4.shuffle(i32x4.shuffle(a, b, 2, 5, 5, 5), c, 0, 1, 4, 7));
      src += 48;
    }
    for (; j < j1; j++) {
      const q = p + (<usize>j << 2);
      store<f32>(q, load<f32>(src));
      store<f32>(q + plane, load<f32>(src, 4));
      store<f32>(q + 2 * plane, load<f32>(src, 8));
      src += 12;
    }
    for (let j = max(j0, j1); j < Wp; j++) padPixel(p + (<usize>j << 2), plane, padValue);
    p += <usize>Wp << 2;
  }
}

// @ts-ignore: decorator
@inline function padPixel(q: usize, plane: usize, v: f32): void {
  store<f32>(q, v);
  store<f32>(q + plane, v);
  store<f32>(q + 2 * plane, v);
}

// The -x planes after the +x planes (exact negation: the sign bit).
function negPlanes(planes: usize, neg: usize): void {
  const sign = i32x4.splat(0x80000000);
  for (let q: usize = 0; q < neg; q += 16) v128.store(planes + neg + q, v128.xor(v128.load(planes + q), sign));
}

// Channel o for np <= 4G pixels starting at `base` (the window row of the
// first pixel), G vectors of 4 pixels (G a literal: the unused ones fold away).
// Bits go to chanBits[o] (bit p = pixel p); floats to their NHWC places.
// @ts-ignore: decorator
@inline function group(G: i32, base: usize, tab: usize, K: i32, o: i32, OC: i32, np: i32, mode: i32, p1: usize, p2: usize,
  dst: usize, chanBits: usize): void {
  const z = f32x4.splat(0);
  let t0 = z, t1 = z, t2 = z, t3 = z, t4 = z, t5 = z, t6 = z, t7 = z;
  // blocks of KC taps as sgemm sums them; a second register set only when
  // there is more than one block (16 live vectors would spill)
  for (let k0 = 0; k0 < K; k0 += KC) {
    const k1 = min(K, k0 + KC);
    if (k0 == 0) {
      for (let k = 0; k < k1; k++) {
        const p = base + <usize>load<u32>(tab + (<usize>k << 2));
        t0 = f32x4.add(t0, v128.load(p));
        if (G > 1) t1 = f32x4.add(t1, v128.load(p, 16));
        if (G > 2) t2 = f32x4.add(t2, v128.load(p, 32));
        if (G > 3) t3 = f32x4.add(t3, v128.load(p, 48));
        if (G > 4) t4 = f32x4.add(t4, v128.load(p, 64));
        if (G > 5) t5 = f32x4.add(t5, v128.load(p, 80));
        if (G > 6) t6 = f32x4.add(t6, v128.load(p, 96));
        if (G > 7) t7 = f32x4.add(t7, v128.load(p, 112));
      }
      continue;
    }
    let a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z, a7 = z;
    for (let k = k0; k < k1; k++) {
      const p = base + <usize>load<u32>(tab + (<usize>k << 2));
      a0 = f32x4.add(a0, v128.load(p));
      if (G > 1) a1 = f32x4.add(a1, v128.load(p, 16));
      if (G > 2) a2 = f32x4.add(a2, v128.load(p, 32));
      if (G > 3) a3 = f32x4.add(a3, v128.load(p, 48));
      if (G > 4) a4 = f32x4.add(a4, v128.load(p, 64));
      if (G > 5) a5 = f32x4.add(a5, v128.load(p, 80));
      if (G > 6) a6 = f32x4.add(a6, v128.load(p, 96));
      if (G > 7) a7 = f32x4.add(a7, v128.load(p, 112));
    }
    t0 = f32x4.add(a0, t0); t1 = f32x4.add(a1, t1); t2 = f32x4.add(a2, t2); t3 = f32x4.add(a3, t3);
    t4 = f32x4.add(a4, t4); t5 = f32x4.add(a5, t5); t6 = f32x4.add(a6, t6); t7 = f32x4.add(a7, t7);
  }
  finish(G, t0, t1, t2, t3, t4, t5, t6, t7, o, OC, np, mode, p1, p2, dst, chanBits);
}

// As group, from the shared partial sum at depth k0 (0: zeros), storing the
// partials at depths k0+1..ks for the channels that follow (sharedPrefixes).
// @ts-ignore: decorator
@inline function groupShared(G: i32, base: usize, tab: usize, K: i32, k0: i32, ks: i32, stack: usize,
  o: i32, OC: i32, np: i32, mode: i32, p1: usize, p2: usize, dst: usize, chanBits: usize): void {
  const z = f32x4.splat(0);
  let t0 = z, t1 = z, t2 = z, t3 = z, t4 = z, t5 = z, t6 = z, t7 = z;
  if (k0 > 0) {
    const s = stack + (<usize>k0 << 7);
    t0 = v128.load(s);
    if (G > 1) t1 = v128.load(s, 16);
    if (G > 2) t2 = v128.load(s, 32);
    if (G > 3) t3 = v128.load(s, 48);
    if (G > 4) t4 = v128.load(s, 64);
    if (G > 5) t5 = v128.load(s, 80);
    if (G > 6) t6 = v128.load(s, 96);
    if (G > 7) t7 = v128.load(s, 112);
  }
  for (let k = k0; k < K; k++) {
    const p = base + <usize>load<u32>(tab + (<usize>k << 2));
    t0 = f32x4.add(t0, v128.load(p));
    if (G > 1) t1 = f32x4.add(t1, v128.load(p, 16));
    if (G > 2) t2 = f32x4.add(t2, v128.load(p, 32));
    if (G > 3) t3 = f32x4.add(t3, v128.load(p, 48));
    if (G > 4) t4 = f32x4.add(t4, v128.load(p, 64));
    if (G > 5) t5 = f32x4.add(t5, v128.load(p, 80));
    if (G > 6) t6 = f32x4.add(t6, v128.load(p, 96));
    if (G > 7) t7 = f32x4.add(t7, v128.load(p, 112));
    if (k < ks) {
      const s = stack + (<usize>(k + 1) << 7);
      v128.store(s, t0);
      if (G > 1) v128.store(s, t1, 16);
      if (G > 2) v128.store(s, t2, 32);
      if (G > 3) v128.store(s, t3, 48);
      if (G > 4) v128.store(s, t4, 64);
      if (G > 5) v128.store(s, t5, 80);
      if (G > 6) v128.store(s, t6, 96);
      if (G > 7) v128.store(s, t7, 112);
    }
  }
  finish(G, t0, t1, t2, t3, t4, t5, t6, t7, o, OC, np, mode, p1, p2, dst, chanBits);
}

// The sums t0..t{G-1} of channel o: threshold bits into chanBits[o], or floats (affine) to their NHWC places.
// @ts-ignore: decorator
@inline function finish(G: i32, t0: v128, t1: v128, t2: v128, t3: v128, t4: v128, t5: v128, t6: v128, t7: v128,
  o: i32, OC: i32, np: i32, mode: i32, p1: usize, p2: usize, dst: usize, chanBits: usize): void {
  const z = f32x4.splat(0);
  const q = <usize>o << 2;
  if (mode == OUT_BITS) {
    const flip = v128.load32_splat(p2 + q), thr = v128.load32_splat(p1 + q);
    // compare masks (0 / -1 per lane) narrowed to bytes: 16 pixels per bitmask
    const c0 = f32x4.lt(v128.xor(t0, flip), thr);
    const c1 = G > 1 ? f32x4.lt(v128.xor(t1, flip), thr) : z;
    const c2 = G > 2 ? f32x4.lt(v128.xor(t2, flip), thr) : z;
    const c3 = G > 3 ? f32x4.lt(v128.xor(t3, flip), thr) : z;
    let m = <u32>i8x16.bitmask(i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(c0, c1), i16x8.narrow_i32x4_s(c2, c3)));
    if (G > 4) {
      const c4 = f32x4.lt(v128.xor(t4, flip), thr);
      const c5 = G > 5 ? f32x4.lt(v128.xor(t5, flip), thr) : z;
      const c6 = G > 6 ? f32x4.lt(v128.xor(t6, flip), thr) : z;
      const c7 = G > 7 ? f32x4.lt(v128.xor(t7, flip), thr) : z;
      m |= <u32>i8x16.bitmask(i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(c4, c5), i16x8.narrow_i32x4_s(c6, c7))) << 16;
    }
    store<u32>(chanBits + q, m);
    return;
  }
  let s = f32x4.splat(1), b = z;
  const affine = p1 != 0;
  if (affine) {
    s = v128.load32_splat(p1 + q);
    b = p2 ? v128.load32_splat(p2 + q) : z;
  }
  const stride = <usize>OC << 2;
  storeLanes(t0, 0, np, affine, s, b, dst + q, stride);
  if (G > 1) storeLanes(t1, 4, np, affine, s, b, dst + q, stride);
  if (G > 2) storeLanes(t2, 8, np, affine, s, b, dst + q, stride);
  if (G > 3) storeLanes(t3, 12, np, affine, s, b, dst + q, stride);
  if (G > 4) storeLanes(t4, 16, np, affine, s, b, dst + q, stride);
  if (G > 5) storeLanes(t5, 20, np, affine, s, b, dst + q, stride);
  if (G > 6) storeLanes(t6, 24, np, affine, s, b, dst + q, stride);
  if (G > 7) storeLanes(t7, 28, np, affine, s, b, dst + q, stride);
}

// Pixels p0..p0+3 of one channel into their NHWC places (stride = bytes per pixel).
// @ts-ignore: decorator
@inline function storeLanes(t: v128, p0: i32, np: i32, affine: bool, s: v128, b: v128, dst: usize, stride: usize): void {
  if (p0 >= np) return;
  const y = affine ? f32x4.add(f32x4.mul(t, s), b) : t;
  const d = dst + <usize>p0 * stride;
  v128.store32_lane(d, y, 0);
  if (p0 + 1 < np) v128.store32_lane(d + stride, y, 1);
  if (p0 + 2 < np) v128.store32_lane(d + 2 * stride, y, 2);
  if (p0 + 3 < np) v128.store32_lane(d + 3 * stride, y, 3);
}

// chanBits: per channel a u32 of its 32 pixels' bits; transposed 32 channels
// at a time into the pixels' channel words. pooled: pixels 2q and 2q+1 of
// this row and the previous one (odd) pool into output pixel q, each
// channel an AND of its bits, or an OR where its poolMask bit is set
// (AND of the bits xor the mask, xor the mask). An even row's channel bits
// wait in pending (128 bytes per 32 channels); the odd row pools the two
// rows channel by channel on vectors before its one transpose, so a row
// pair takes one transpose instead of two. pending 0: the channel bits are
// a row pair's already pooled (intRowPairBits), given as an odd row.
function pixelWords(chanBits: usize, OC: i32, np: i32, dst: usize, pixWords: i32,
  pooled: bool, odd: i32, poolMask: usize, pending: usize): void {
  const chunks = (OC + 31) >> 5;
  const stride = <usize>pixWords << 3;
  const n = pooled ? np >> 1 : np;
  const holding = pooled && !odd; // this row waits in pending, nothing to dst yet
  for (let j = 0; j < chunks; j++) {
    const blk = chanBits + (<usize>j << 7);
    const f = maskHalf(poolMask, j);
    if (pooled) {
      const pend = pending + (<usize>j << 7);
      if (holding) {
        for (let b: usize = 0; b < 128; b += 16) v128.store(pend + b, v128.load(blk + b));
        continue;
      }
      if (pending != 0) poolRowPair(blk, pend, f);
    }
    for (let o = OC - (j << 5); o < 32; o++) store<u32>(blk + (<usize>o << 2), 0);
    transpose32(blk);
    const half = dst + (<usize>(j >> 1) << 3) + (<usize>(j & 1) << 2);
    if (!pooled) {
      for (let p = 0; p < n; p++) store<u32>(half + <usize>p * stride, load<u32>(blk + (<usize>p << 2)));
      continue;
    }
    for (let q = 0; q < n; q++) {
      const a = load<u32>(blk + (<usize>q << 3)), b = load<u32>(blk + (<usize>q << 3), 4);
      store<u32>(half + <usize>q * stride, ((a ^ f) & (b ^ f)) ^ f);
    }
  }
  if ((chunks & 1) && !holding) {
    // the unused upper half of the last word
    const half = dst + (<usize>(chunks >> 1) << 3) + 4;
    for (let p = 0; p < n; p++) store<u32>(half + <usize>p * stride, 0);
  }
}

// Channel bits of 32 channels (u32 each) at blk pooled in place with those
// at pend: AND, or OR for the channels whose bit of f is set.
function poolRowPair(blk: usize, pend: usize, f: u32): void {
  if (f == 0) {
    for (let b: usize = 0; b < 128; b += 16) v128.store(blk + b, v128.and(v128.load(blk + b), v128.load(pend + b)));
    return;
  }
  const lanes = i32x4(1, 2, 4, 8), zero = i32x4.splat(0);
  for (let b: usize = 0; b < 128; b += 16) {
    // lane c: all ones when channel b/4 + c pools by OR
    const m = i32x4.ne(v128.and(i32x4.splat(f >> <u32>(b >> 2)), lanes), zero);
    v128.store(blk + b, v128.xor(v128.and(v128.xor(v128.load(blk + b), m), v128.xor(v128.load(pend + b), m)), m));
  }
}

// The pool's OR mask for channels 32j..32j+31.
// @ts-ignore: decorator
@inline function maskHalf(poolMask: usize, j: i32): u32 {
  return poolMask ? load<u32>(poolMask + (<usize>j << 2)) : 0;
}

// In place: bit c of row r <-> bit r of row c, 32 rows of u32 (swap the
// off-diagonal halves of ever smaller blocks). The rows live in eight
// vectors of four: the 16-, 8- and 4-row blocks pair whole vectors, the 2-
// and 1-row blocks pair lanes gathered by shuffles from two vectors.
function transpose32(base: usize): void {
  let v0 = v128.load(base), v1 = v128.load(base, 16), v2 = v128.load(base, 32), v3 = v128.load(base, 48);
  let v4 = v128.load(base, 64), v5 = v128.load(base, 80), v6 = v128.load(base, 96), v7 = v128.load(base, 112);
  // rows k and k+16
  let m = i32x4.splat(0x0000ffff);
  let t = swapBits(v0, v4, 16, m); v0 = v128.xor(v0, i32x4.shl(t, 16)); v4 = v128.xor(v4, t);
  t = swapBits(v1, v5, 16, m); v1 = v128.xor(v1, i32x4.shl(t, 16)); v5 = v128.xor(v5, t);
  t = swapBits(v2, v6, 16, m); v2 = v128.xor(v2, i32x4.shl(t, 16)); v6 = v128.xor(v6, t);
  t = swapBits(v3, v7, 16, m); v3 = v128.xor(v3, i32x4.shl(t, 16)); v7 = v128.xor(v7, t);
  // rows k and k+8
  m = i32x4.splat(0x00ff00ff);
  t = swapBits(v0, v2, 8, m); v0 = v128.xor(v0, i32x4.shl(t, 8)); v2 = v128.xor(v2, t);
  t = swapBits(v1, v3, 8, m); v1 = v128.xor(v1, i32x4.shl(t, 8)); v3 = v128.xor(v3, t);
  t = swapBits(v4, v6, 8, m); v4 = v128.xor(v4, i32x4.shl(t, 8)); v6 = v128.xor(v6, t);
  t = swapBits(v5, v7, 8, m); v5 = v128.xor(v5, i32x4.shl(t, 8)); v7 = v128.xor(v7, t);
  // rows k and k+4
  m = i32x4.splat(0x0f0f0f0f);
  t = swapBits(v0, v1, 4, m); v0 = v128.xor(v0, i32x4.shl(t, 4)); v1 = v128.xor(v1, t);
  t = swapBits(v2, v3, 4, m); v2 = v128.xor(v2, i32x4.shl(t, 4)); v3 = v128.xor(v3, t);
  t = swapBits(v4, v5, 4, m); v4 = v128.xor(v4, i32x4.shl(t, 4)); v5 = v128.xor(v5, t);
  t = swapBits(v6, v7, 4, m); v6 = v128.xor(v6, i32x4.shl(t, 4)); v7 = v128.xor(v7, t);
  // rows k, k+2 and then k, k+1 inside each group of eight rows
  octet(v0, v1, base);
  octet(v2, v3, base + 32);
  octet(v4, v5, base + 64);
  octet(v6, v7, base + 96);
}

// The bits of a (shifted down by j) to exchange with b's, as a lane mask.
// @ts-ignore: decorator
@inline function swapBits(a: v128, b: v128, j: i32, m: v128): v128 {
  return v128.and(v128.xor(i32x4.shr_u(a, j), b), m);
}

// Rows 0..3 in a, 4..7 in b: the 2- and 1-row stages of transpose32, stored in row order at p.
// @ts-ignore: decorator
@inline function octet(a: v128, b: v128, p: usize): void {
  let x = i32x4.shuffle(a, b, 0, 1, 4, 5); // rows 0 1 4 5
  let y = i32x4.shuffle(a, b, 2, 3, 6, 7); // rows 2 3 6 7
  let t = swapBits(x, y, 2, i32x4.splat(0x33333333));
  x = v128.xor(x, i32x4.shl(t, 2)); y = v128.xor(y, t);
  let e = i32x4.shuffle(x, y, 0, 4, 2, 6); // rows 0 2 4 6
  let o = i32x4.shuffle(x, y, 1, 5, 3, 7); // rows 1 3 5 7
  t = swapBits(e, o, 1, i32x4.splat(0x55555555));
  e = v128.xor(e, i32x4.shl(t, 1)); o = v128.xor(o, t);
  v128.store(p, i32x4.shuffle(e, o, 0, 4, 1, 5));
  v128.store(p, i32x4.shuffle(e, o, 2, 6, 3, 7), 16);
}

// A binary layer with bit output by lookup tables (kernel module): the
// XOR-popcount of a row against 64 channels' weight rows, a byte of the row
// at a time. For every byte position g of the rows and every value v of that
// byte, a table holds popcnt(v ^ weight byte g) of each channel, one u8 per
// channel; a row's counts are then the sums of one table entry per byte, 16
// channels per vector add. Against the counting kernels (infer-xpool.ts's
// carry-save pairs) this is one load and one add per 16 channels x 8 bits
// instead of XORs, adders and a lane move and popcnt per plane: about half
// the instructions per bit-MAC when the rows are many enough to keep the
// tables (256 x channels bytes per row byte) in the L2 cache. The tables are
// large, so the engine builds them only for convs with many pixels and uses
// them only on enough rows (see LUT_MIN_ROWS). Exact: the same counts, so
// the same bits, as every other kernel.
//
// u8 sums hold at most 31 bytes' counts (31 x 8 = 248), so the bytes go in
// chunks of at most 31; each chunk's sums are added into i16 counts kept in
// a workspace, one row block at a time. A chunk's tables are then what is
// swept by all the rows of a block, so it stays in L2 even when a word's
// whole table would not.
import { words } from "./infer-bits";
import { VECTOR_COUNTS_MAX_WORDS } from "./infer-xpool";

/** Bytes of the tables of K-bit rows and OC channels (see lutTables). */
export function lutTableBytes(K: i32, OC: i32): i64 {
  return <i64>lutGroups(K) * 256 * ((OC + 15) & ~15);
}

/** Whether K-bit rows can go by the tables: their counts meet the intervals in i16 compares. */
export function lutFits(K: i32): bool {
  return words(K) <= VECTOR_COUNTS_MAX_WORDS;
}

// Bytes of a row that hold bits of the K (past them the rows are zero).
// @ts-ignore: decorator
@inline function lutGroups(K: i32): i32 {
  return (K + 7) >> 3;
}

// Channels of 64-channel word j that the tables hold: the word's channels
// rounded up to whole vectors of 16.
// @ts-ignore: decorator
@inline function wordChannels(OC: i32, j: i32): i32 {
  return (min(64, OC - (j << 6)) + 15) & ~15;
}

/**
 * The tables of weight rows wrows (OC rows of rowWords words, bits past K
 * zero; infer-xpool.ts weightRows) at out, lutTableBytes(K, OC) bytes: per
 * 64-channel word j (at j * groups * 256 * 64 bytes), per row byte g and
 * byte value v, wordChannels(OC, j) u8 counts popcnt(v ^ byte g of the
 * channel's row); channels past OC count 0 (their intervals are empty).
 */
export function lutTables(wrows: usize, K: i32, OC: i32, rowWords: i32, out: usize): void {
  const G = lutGroups(K), rowBytes = <usize>rowWords << 3;
  for (let j = 0; j < words(OC); j++) {
    const cb = <usize>wordChannels(OC, j);
    const t = out + <usize>j * G * 256 * 64;
    for (let g = 0; g < G; g++) {
      for (let k: usize = 0; k < cb; k += 16) {
        // byte g of 16 channels' rows, and which channels exist, gathered
        // in the value-0 entry before it is written
        const e = t + (<usize>g * 256) * cb + k;
        for (let c = 0; c < 16; c++) {
          const o = (j << 6) + <i32>k + c;
          store<u8>(e + <usize>c, o < OC ? load<u8>(wrows + <usize>o * rowBytes + <usize>g) : 0);
        }
        const w = v128.load(e);
        for (let c = 0; c < 16; c++) store<u8>(e + <usize>c, (j << 6) + <i32>k + c < OC ? 0xff : 0);
        const live = v128.load(e);
        for (let v = 0; v < 256; v++) {
          v128.store(e + <usize>v * cb, v128.and(i8x16.popcnt(v128.xor(w, i8x16.splat(<u8>v))), live));
        }
      }
    }
  }
}

/** The largest tables the engine builds for one layer: past this they cost too much memory and no longer stay in the caches. */
export const LUT_MAX_BYTES: i64 = 8 << 20;

/** The fewest rows a call should have for the tables to pay for sweeping them (engine's choice). */
export const LUT_MIN_ROWS = 256;
/** The fewest pixels per image a conv needs for the engine to build its tables. */
export const LUT_MIN_PIXELS = 16;
/** Workspace bytes per row of a block: i16 counts of 64 channels. */
export const LUT_ROW_BYTES = 128;

/**
 * The workspace xnorRowsLut takes per image with rowsPerImage rows: blocks
 * of up to 64 rows per image (their counts in L2 beside a chunk's tables).
 */
export function lutWorkspaceBytes(rowsPerImage: i32): i32 {
  return min(rowsPerImage, 64) * LUT_ROW_BYTES;
}

/**
 * Rows [M] of rowWords words (bits past K zero) against the tables at t
 * (lutTables) into out [M][words(OC)] (bit -1: count in the channel's
 * interval, intervals in infer-xpool.ts's vector form at ivv). ws: a
 * 16-aligned workspace of wsBytes bytes (lutWorkspaceBytes per image);
 * the rows go as many at a time as it holds counts for.
 */
export function xnorRowsLut(rows: usize, M: i32, rowWords: i32, K: i32, OC: i32, t: usize, ivv: usize,
  out: usize, ws: usize, wsBytes: i32): void {
  const G = lutGroups(K);
  const rb = max(1, wsBytes / LUT_ROW_BYTES);
  const chunks = (G + 30) / 31, per = (G + chunks - 1) / chunks;
  const rowBytes = <usize>rowWords << 3, outBytes = <usize>words(OC) << 3;
  for (let m0 = 0; m0 < M; m0 += rb) {
    const mb = min(rb, M - m0);
    const r0 = rows + <usize>m0 * rowBytes, o0 = out + <usize>m0 * outBytes;
    for (let j = 0; j < words(OC); j++) {
      const tj = t + <usize>j * G * 256 * 64;
      const iv = ivv + (<usize>j << 8), oj = o0 + (<usize>j << 3);
      const nv = wordChannels(OC, j) >> 4;
      for (let g0 = 0; g0 < G; g0 += per) {
        const g1 = min(G, g0 + per);
        const first = g0 == 0, last = g1 == G;
        if (nv == 4) lutChunk(4, r0, mb, rowBytes, tj, g0, g1, ws, first, last, iv, oj, outBytes);
        else if (nv == 3) lutChunk(3, r0, mb, rowBytes, tj, g0, g1, ws, first, last, iv, oj, outBytes);
        else if (nv == 2) lutChunk(2, r0, mb, rowBytes, tj, g0, g1, ws, first, last, iv, oj, outBytes);
        else lutChunk(1, r0, mb, rowBytes, tj, g0, g1, ws, first, last, iv, oj, outBytes);
      }
    }
  }
}

// Row bytes g0 to g1 of mb rows at r0 against one word's tables t (nv
// vectors of 16 channels per entry, a literal): their u8 sums added to the
// i16 counts at ws (started there on the first chunk); after the last
// chunk the counts meet the intervals at iv and the word's bits go to o.
// @ts-ignore: decorator
@inline function lutChunk(nv: i32, r0: usize, mb: i32, rowBytes: usize, t: usize, g0: i32, g1: i32, ws: usize,
  first: bool, last: bool, iv: usize, o: usize, outBytes: usize): void {
  const entry = <usize>nv << 4, gStep = entry << 8;
  const tg0 = t + <usize>g0 * gStep;
  for (let m = 0; m < mb; m++) {
    const r = r0 + <usize>m * rowBytes;
    let a0 = i64x2.splat(0), a1 = a0, a2 = a0, a3 = a0;
    let tg = tg0;
    let g = g0;
    // several bytes a step: one loop test and table step for all; eight
    // table vectors a step at most (V8 loads them all first, and more
    // than that spill)
    if (nv > 2) {
      for (; g + 2 <= g1; g += 2) {
        const b = r + <usize>g;
        const p0 = tg + <usize>load<u8>(b) * entry, p1 = tg + gStep + <usize>load<u8>(b, 1) * entry;
        a0 = i8x16.add(a0, v128.load(p0)); a0 = i8x16.add(a0, v128.load(p1));
        a1 = i8x16.add(a1, v128.load(p0, 16)); a1 = i8x16.add(a1, v128.load(p1, 16));
        a2 = i8x16.add(a2, v128.load(p0, 32)); a2 = i8x16.add(a2, v128.load(p1, 32));
        if (nv > 3) { a3 = i8x16.add(a3, v128.load(p0, 48)); a3 = i8x16.add(a3, v128.load(p1, 48)); }
        tg += gStep << 1;
      }
    } else {
      for (; g + 4 <= g1; g += 4) {
        const b = r + <usize>g;
        const p0 = tg + <usize>load<u8>(b) * entry, p1 = tg + gStep + <usize>load<u8>(b, 1) * entry;
        const p2 = tg + 2 * gStep + <usize>load<u8>(b, 2) * entry, p3 = tg + 3 * gStep + <usize>load<u8>(b, 3) * entry;
        a0 = i8x16.add(a0, v128.load(p0)); a0 = i8x16.add(a0, v128.load(p1));
        a0 = i8x16.add(a0, v128.load(p2)); a0 = i8x16.add(a0, v128.load(p3));
        if (nv > 1) {
          a1 = i8x16.add(a1, v128.load(p0, 16)); a1 = i8x16.add(a1, v128.load(p1, 16));
          a1 = i8x16.add(a1, v128.load(p2, 16)); a1 = i8x16.add(a1, v128.load(p3, 16));
        }
        tg += gStep << 2;
      }
    }
    for (; g < g1; g++) {
      const p = tg + <usize>load<u8>(r + <usize>g) * entry;
      a0 = i8x16.add(a0, v128.load(p));
      if (nv > 1) a1 = i8x16.add(a1, v128.load(p, 16));
      if (nv > 2) a2 = i8x16.add(a2, v128.load(p, 32));
      if (nv > 3) a3 = i8x16.add(a3, v128.load(p, 48));
      tg += gStep;
    }
    const q = ws + <usize>m * LUT_ROW_BYTES;
    let c0 = i16x8.extend_low_i8x16_u(a0), c1 = i16x8.extend_high_i8x16_u(a0);
    let c2 = i16x8.extend_low_i8x16_u(a1), c3 = i16x8.extend_high_i8x16_u(a1);
    let c4 = i16x8.extend_low_i8x16_u(a2), c5 = i16x8.extend_high_i8x16_u(a2);
    let c6 = i16x8.extend_low_i8x16_u(a3), c7 = i16x8.extend_high_i8x16_u(a3);
    if (!first) {
      c0 = i16x8.add(c0, v128.load(q)); c1 = i16x8.add(c1, v128.load(q, 16));
      if (nv > 1) { c2 = i16x8.add(c2, v128.load(q, 32)); c3 = i16x8.add(c3, v128.load(q, 48)); }
      if (nv > 2) { c4 = i16x8.add(c4, v128.load(q, 64)); c5 = i16x8.add(c5, v128.load(q, 80)); }
      if (nv > 3) { c6 = i16x8.add(c6, v128.load(q, 96)); c7 = i16x8.add(c7, v128.load(q, 112)); }
    }
    if (last) {
      let bits = inIntervals(c0, c1, iv, 0);
      if (nv > 1) bits |= inIntervals(c2, c3, iv, 16) << 16;
      if (nv > 2) bits |= inIntervals(c4, c5, iv, 32) << 32;
      if (nv > 3) bits |= inIntervals(c6, c7, iv, 48) << 48;
      store<u64>(o + <usize>m * outBytes, bits);
    } else {
      v128.store(q, c0); v128.store(q, c1, 16);
      if (nv > 1) { v128.store(q, c2, 32); v128.store(q, c3, 48); }
      if (nv > 2) { v128.store(q, c4, 64); v128.store(q, c5, 80); }
      if (nv > 3) { v128.store(q, c6, 96); v128.store(q, c7, 112); }
    }
  }
}

// Bits of channels c to c + 15 (counts lo, hi: 8 each) whose count is in
// their interval (vector form at iv: lo - 1, then hi - 1 at +128).
// @ts-ignore: decorator
@inline function inIntervals(lo8: v128, hi8: v128, iv: usize, c: usize): u64 {
  const l0 = v128.load(iv + (c << 1)), l1 = v128.load(iv + (c << 1), 16);
  const h0 = v128.load(iv + (c << 1), 128), h1 = v128.load(iv + (c << 1), 144);
  const in0 = v128.andnot(i16x8.gt_s(lo8, l0), i16x8.gt_s(lo8, h0));
  const in1 = v128.andnot(i16x8.gt_s(hi8, l1), i16x8.gt_s(hi8, h1));
  return <u64>i8x16.bitmask(i8x16.narrow_i16x8_s(in0, in1));
}

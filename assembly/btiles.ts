// The tile loops shared by bgemm, bconv2d and the bit-serial kernels: walk
// the output pixels (one at a time on the scalar path, in tiles of 3 on the
// others) and the output channels in blocks of 4, run a micro-kernel
// (bmicro.ts) per pixel or tile and block, and hand each pixel's dot
// products to the fused output transform (bitops.ts).
import { emit, emit2Dots, floatOutput, floatPixels } from "./bitops";
import { r0, r1, r2, microPixel, microPair, PAIR_MAX_WORDS, PAIR_STRIDE, microSimd, microHybrid, microSerial } from "./bmicro";

export const PATH_SCALAR: i32 = 1;
export const PATH_SIMD: i32 = 2;
export const PATH_HYBRID: i32 = 3;
/** 2-bit x 2-bit bit-serial AND-popcount (bserial.ts). */
export const PATH_SERIAL: i32 = 4;

/**
 * path 0 -> the scalar path, the fastest or close to it on every shape
 * measured (bench/results/kernels.json, "paths"): V8's i8x16.popcnt costs
 * ~8 uops per 128 bits, so v128 needs more instructions per count than
 * scalar POPCNT, and the hybrid loses to register pressure what it gains by
 * using the vector ports too. The library's 'auto' times the paths on the
 * running CPU instead (src/ops/binary/tune.ts).
 */
export function resolvePath(path: i32): i32 {
  return path == 0 ? PATH_SCALAR : path;
}

// Weight panels of one channel chunk on the 3-pixel tile paths (a quarter of L2).
const CHUNK_BYTES: usize = 512 << 10;
// ... and on the scalar path, which re-reads a chunk's panels for every
// pixel: they stay in L1 next to the pixel's words.
const PIXEL_CHUNK_BYTES: i32 = 24 << 10;

/** Workspace of xnorTiles for T = nSeg*segLen words. */
export function tilesWorkspaceBytes(T: i32): i32 {
  // scalar: two pixels' words, then a chunk of repacked panels; 3-pixel tile paths: the tile's words
  return max(T * 24, max(align64(T << 3), PAIR_STRIDE) + align64(T << 3) + max(PIXEL_CHUNK_BYTES, densePanelBytes(T)));
}

// @ts-ignore: decorator
@inline function align64(n: i32): i32 {
  return (n + 63) & ~63;
}

// A panel of 4 channels x T words without segment structure (bmicro.ts, microPixel).
// @ts-ignore: decorator
@inline function densePanelBytes(T: i32): i32 {
  return ((T + 1) >> 1) << 6;
}

/**
 * An implicit GEMM over the output pixels (n, oy, ox) of the rectangle
 * [oy0,oy1) x [ox0,ox1) of nImg images. Pixel (n, oy, ox) reads its
 * activations at A + n*aImg + oy*aRow + ox*aPix and writes its outputs at
 * out + n*oImg + oy*oRow + ox*oPix (all in bytes); see bmicro.ts for the
 * segments and the weight panels B.
 * XNOR paths: dot = kEff - 2*(popcount - corr[o]); corr (i32[OC] padded to
 * a multiple of 4) = 0 means none.
 * PATH_SERIAL: dot = 2*S - 3*corr[p] with corr = the per-pixel activation
 * code sums in enumeration order (see bserial.ts).
 * ws: tilesWorkspaceBytes(nSeg*segLen) bytes (scalar and serial paths).
 * The output transform must have been set with beginOutput.
 */
export function xnorTiles(
  A: usize, aImg: usize, aRow: usize, aPix: usize, aSeg: usize, nSeg: i32, segLen: i32,
  B: usize, OC: i32,
  nImg: i32, oy0: i32, oy1: i32, ox0: i32, ox1: i32,
  out: usize, oImg: usize, oRow: usize, oPix: usize,
  kEff: i32, corr: usize, path: i32, ws: usize,
): void {
  const total = nImg * (oy1 - oy0) * (ox1 - ox0);
  if (total <= 0 || OC <= 0) return;
  if (path == PATH_SCALAR) {
    pixelLoop(A, aImg, aRow, aPix, aSeg, nSeg, segLen, B, OC, nImg, oy0, oy1, ox0, ox1, out, oImg, oRow, oPix, kEff, corr, ws);
    return;
  }
  const panel = <usize>nSeg * <usize>((segLen + 1) >> 1) << 6;
  const blocks = (OC + 3) >> 2;
  // Channels in chunks whose panels fit in L2, pixel tiles inside, channel
  // blocks innermost: a tile's activations stay in L1 and its addresses are
  // computed once per chunk while the panels stream from L2. Blocks of one
  // pixel are visited in increasing order, which OUT_BITS relies on.
  const chunk = max(1, <i32>(CHUNK_BYTES / panel));
  const T = nSeg * segLen;
  const ap = ws;
  for (let c0 = 0; c0 < blocks; c0 += chunk) {
    const c1 = min(blocks, c0 + chunk);
    let n = 0, y = oy0, x = ox0;
    for (let p = 0; p < total; p += 3) {
      const a0 = A + <usize>n * aImg + <usize>y * aRow + <usize>x * aPix;
      const d0 = out + <usize>n * oImg + <usize>y * oRow + <usize>x * oPix;
      // a tile past the end repeats its first pixel and drops the copies
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
      const pixels = min(3, total - p);
      if (path == PATH_SERIAL) gather(ap, a0, a1, a2, aSeg, nSeg, segLen);
      for (let cb = c0; cb < c1; cb++) {
        const q = B + <usize>cb * panel;
        if (path == PATH_SIMD) microSimd(a0, a1, a2, aSeg, nSeg, segLen, q);
        else if (path == PATH_HYBRID) microHybrid(a0, a1, a2, aSeg, nSeg, segLen, q);
        else microSerial(ap, T, q);
        finish(r0, r1, r2, cb << 2, OC, pixels, d0, d1, d2, kEff, corr, path == PATH_SERIAL, p);
      }
    }
  }
}

// The scalar path: one pixel at a time against a chunk of channel blocks
// (bmicro.ts, microPixel), or two pixels of a row at a time when the
// reduction is short (microPair). The pixel's words are gathered into one run
// (in place when the reduction is a single segment); the panels are used as
// they are when they are dense (one segment, or only even segments), else a
// chunk of them is repacked densely into the workspace. Both copies are paid
// once per pixel and chunk, against 4*T counts per channel block.
function pixelLoop(
  A: usize, aImg: usize, aRow: usize, aPix: usize, aSeg: usize, nSeg: i32, segLen: i32,
  B: usize, OC: i32,
  nImg: i32, oy0: i32, oy1: i32, ox0: i32, ox1: i32,
  out: usize, oImg: usize, oRow: usize, oPix: usize,
  kEff: i32, corr: usize, ws: usize,
): void {
  const T = nSeg * segLen;
  const panel = <usize>nSeg * <usize>((segLen + 1) >> 1) << 6;
  const dense = nSeg == 1 || (segLen & 1) == 0;
  const blockBytes = <usize>densePanelBytes(T);
  const blocks = (OC + 3) >> 2;
  const chunk = max(1, PIXEL_CHUNK_BYTES / <i32>blockBytes);
  const xw = ws, xw1 = ws + <usize>max(align64(T << 3), PAIR_STRIDE), wd = xw1 + <usize>align64(T << 3);
  const kv = i32x4.splat(kEff);
  const pairs = T <= PAIR_MAX_WORDS;
  // On pairs, a float output is written as dots and transformed once the
  // pair's channel blocks are done, while its outputs are still in L1
  // (bitops.ts floatPixels): the conversion, scale and bias then cost a few
  // vector instructions per four outputs in a loop of their own instead of
  // lengthening every short micro-kernel call. Single pixels, with their
  // longer rows, convert as they go.
  const deferFloat = floatOutput();
  for (let c0 = 0; c0 < blocks; c0 += chunk) {
    const c1 = min(blocks, c0 + chunk);
    let w0 = B + <usize>c0 * panel;
    if (!dense) {
      repack(wd, w0, c1 - c0, panel, nSeg, segLen);
      w0 = wd;
    }
    for (let n = 0; n < nImg; n++) {
      for (let y = oy0; y < oy1; y++) {
        // running pointers: products computed here would be recomputed per channel block
        let a = A + <usize>n * aImg + <usize>y * aRow + <usize>ox0 * aPix;
        let d = out + <usize>n * oImg + <usize>y * oRow + <usize>ox0 * oPix;
        let x = ox0;
        // short rows: two pixels of the row at a time (bmicro.ts, microPair)
        if (pairs) {
          for (; x + 1 < ox1; x += 2) {
            // both pixels' words PAIR_STRIDE apart, whatever the layout: one pointer for both
            gather1(xw, a, aSeg, nSeg, segLen);
            gather1(xw1, a + aPix, aSeg, nSeg, segLen);
            let q = w0;
            for (let cb = c0; cb < c1; cb++) {
              const o = cb << 2, nv = min(4, OC - o);
              const cv = corr ? v128.load(corr + (<usize>o << 2)) : i32x4.splat(0);
              microPair(xw, T, q);
              emit2Dots(deferFloat, i32x4.sub(kv, i32x4.shl(i32x4.sub(r0, cv), 1)), i32x4.sub(kv, i32x4.shl(i32x4.sub(r1, cv), 1)), o, nv, d, d + oPix);
              q += blockBytes;
            }
            if (deferFloat) floatPixels(d, 2, oPix, c0 << 2, min(OC, c1 << 2));
            a += aPix << 1;
            d += oPix << 1;
          }
        }
        for (; x < ox1; x++) {
          let xp = a;
          if (nSeg > 1) {
            gather1(xw, a, aSeg, nSeg, segLen);
            xp = xw;
          }
          let q = w0;
          for (let cb = c0; cb < c1; cb++) {
            const o = cb << 2;
            const cv = corr ? v128.load(corr + (<usize>o << 2)) : i32x4.splat(0);
            emit(i32x4.sub(kv, i32x4.shl(i32x4.sub(microPixel(xp, T, q), cv), 1)), o, min(4, OC - o), d);
            q += blockBytes;
          }
          a += aPix;
          d += oPix;
        }
      }
    }
  }
}

// One pixel's nSeg segments of segLen words, one after the other at d
// (word by word: a memory.copy of a few words is a call in V8).
// @ts-ignore: decorator
@inline function gather1(d: usize, a: usize, aSeg: usize, nSeg: i32, segLen: i32): void {
  const bytes = <usize>segLen << 3;
  for (let g = 0; g < nSeg; g++) {
    const s = a + <usize>g * aSeg;
    for (let k: usize = 0; k < bytes; k += 8) store<u64>(d + k, load<u64>(s + k));
    d += bytes;
  }
}

// nBlocks panels (panel bytes apart from src) rewritten densely at d: word t
// = (segment g, k) of channel j moves from g*segBytes + (k>>1)*64 + 16j +
// (k&1)*8 to (t>>1)*64 + 16j + (t&1)*8 (with odd T, the last pair's second
// words are never read).
function repack(d: usize, src: usize, nBlocks: i32, panel: usize, nSeg: i32, segLen: i32): void {
  const T = nSeg * segLen;
  const segBytes = <usize>((segLen + 1) >> 1) << 6;
  const blockBytes = <usize>densePanelBytes(T);
  for (let b = 0; b < nBlocks; b++) {
    const s = src + <usize>b * panel, o = d + <usize>b * blockBytes;
    let t = 0;
    for (let g = 0; g < nSeg; g++) {
      for (let k = 0; k < segLen; k++, t++) {
        const from = s + <usize>g * segBytes + (<usize>(k >> 1) << 6) + (<usize>(k & 1) << 3);
        const to = o + (<usize>(t >> 1) << 6) + (<usize>(t & 1) << 3);
        for (let j: usize = 0; j < 64; j += 16) store<u64>(to + j, load<u64>(from + j));
      }
    }
  }
}

// The 3 pixels' words, interleaved: word t of pixel i at d + 24t + 8i.
// @ts-ignore: decorator
@inline function gather(d: usize, a0: usize, a1: usize, a2: usize, aSeg: usize, nSeg: i32, segLen: i32): void {
  const bytes = <usize>segLen << 3;
  for (let g = 0; g < nSeg; g++) {
    const off = <usize>g * aSeg;
    for (let k: usize = off; k < off + bytes; k += 8) {
      store<u64>(d, load<u64>(a0 + k));
      store<u64>(d, load<u64>(a1 + k), 8);
      store<u64>(d, load<u64>(a2 + k), 16);
      d += 24;
    }
  }
}

// Dot products of channels o..o+3 for the tile's pixels, then the transform.
// @ts-ignore: decorator
@inline function finish(s0: v128, s1: v128, s2: v128, o: i32, OC: i32, pixels: i32,
  d0: usize, d1: usize, d2: usize, kEff: i32, corr: usize, serial: bool, p: i32): void {
  const nv = min(4, OC - o);
  if (serial) {
    const sa = corr + (<usize>p << 2);
    emit(i32x4.sub(i32x4.shl(s0, 1), i32x4.splat(3 * load<i32>(sa))), o, nv, d0);
    if (pixels > 1) emit(i32x4.sub(i32x4.shl(s1, 1), i32x4.splat(3 * load<i32>(sa, 4))), o, nv, d1);
    if (pixels > 2) emit(i32x4.sub(i32x4.shl(s2, 1), i32x4.splat(3 * load<i32>(sa, 8))), o, nv, d2);
    return;
  }
  const kv = i32x4.splat(kEff);
  const cv = corr ? v128.load(corr + (<usize>o << 2)) : i32x4.splat(0);
  emit(i32x4.sub(kv, i32x4.shl(i32x4.sub(s0, cv), 1)), o, nv, d0);
  if (pixels > 1) emit(i32x4.sub(kv, i32x4.shl(i32x4.sub(s1, cv), 1)), o, nv, d1);
  if (pixels > 2) emit(i32x4.sub(kv, i32x4.shl(i32x4.sub(s2, cv), 1)), o, nv, d2);
}
